"""Measure the migration lock of each kind on this machine's services.

    python bench/locks.py [--repeat N] [--lease S] [--galera-port P] [--etcd URL] [--kinds K,...]

For each kind (advisory = PostgreSQL, get_lock = one MariaDB, galera = the
cluster of tests/tools/galera.sh, redis, etcd): the time to take and release
an uncontended lock on an open connection (median of N), and the takeover
time: a holder process is SIGKILLed and a waiter on another node takes the
lock (median of 3). Session locks are free again at once; Galera and tooz
locks only once the holder's lease ends, so their takeover is bounded by
``--lease`` after the holder's last renewal.
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import time
import uuid

import sqlalchemy as sa

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dbmanage import locks  # noqa: E402
from dbmanage import commands  # noqa: E402
from dbmanage import services  # noqa: E402
from tests import conftest  # noqa: E402

_HOLDER = '''
import sys, time
sys.path.insert(0, %(root)r)
from bench.locks import context
from dbmanage import locks
from dbmanage import commands
ctx = context(%(url)r, %(lease)r, %(coordination)r)
with ctx.database.linked() as link, locks.held(ctx.lock_settings(), link, 'req-bench-holder'):
    print('held', flush=True)
    time.sleep(600)
'''


def context(url, lease, coordination=None):
    return commands.Context(service=services.get('mistral'), url=url, host='bench',
                              lock_lease=lease, lock_timeout=120,
                              coordination_url=coordination)


def _database(kind, galera_port):
    name = 'dbm_bench_%s' % uuid.uuid4().hex[:10]
    if kind == 'advisory':
        server = conftest.PG_URL
        admin = server + '/postgres'
    elif kind == 'galera':
        server = 'mysql+pymysql://root@127.0.0.1:%d' % (galera_port + 1)
        admin = server + '/mysql'
    else:
        server = conftest.MYSQL_URL
        admin = server + '/mysql'
    engine = sa.create_engine(admin, isolation_level='AUTOCOMMIT', poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.execute(sa.text('CREATE DATABASE %s' % name))
    url = '%s/%s' % (server, name)

    def drop():
        with engine.connect() as conn:
            conn.execute(sa.text('DROP DATABASE %s' % name))
    other = url.replace(':%d/' % (galera_port + 1), ':%d/' % (galera_port + 2))
    return url, other, drop


def acquire_times(ctx, repeat):
    times = []
    with ctx.database.linked() as link:
        for _ in range(repeat):
            started = time.perf_counter()
            with locks.held(ctx.lock_settings(), link, 'req-bench'):
                pass
            times.append(time.perf_counter() - started)
    return times


def takeover_time(url, other, lease, coordination):
    holder = subprocess.Popen(
        [sys.executable, '-c', _HOLDER % {'root': str(ROOT), 'url': url, 'lease': lease,
                                          'coordination': coordination}],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == 'held'
    time.sleep(lease / 2)
    holder.kill()
    holder.wait()
    killed = time.perf_counter()
    ctx = context(other, lease, coordination)
    with ctx.database.linked() as link, locks.held(ctx.lock_settings(), link, 'req-bench-waiter'):
        took = time.perf_counter() - killed
    return took


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--repeat', type=int, default=20)
    parser.add_argument('--lease', type=float, default=3.0)
    parser.add_argument('--galera-port', type=int,
                        default=int(os.environ.get('DBMANAGE_TEST_GALERA_PORT', '3320')))
    parser.add_argument('--redis', default=os.environ.get('DBMANAGE_TEST_REDIS_URL',
                                                          'redis://127.0.0.1:6379'))
    parser.add_argument('--etcd', help='etcd3+http://HOST:PORT?api_version=v3')
    parser.add_argument('--kinds', default='advisory,get_lock,galera,redis,etcd')
    args = parser.parse_args()
    coordinators = {'redis': args.redis, 'etcd': args.etcd}
    print('%-9s %14s %14s %12s' % ('kind', 'acquire p50', 'acquire max', 'takeover'))
    for kind in args.kinds.split(','):
        coordination = coordinators.get(kind)
        if kind == 'etcd' and not coordination:
            print('%-9s skipped (no --etcd)' % kind)
            continue
        url, other, drop = _database(kind, args.galera_port)
        try:
            ctx = context(url, args.lease, coordination)
            times = acquire_times(ctx, args.repeat)
            takeovers = [takeover_time(url, other, args.lease, coordination)
                         for _ in range(3)]
        finally:
            drop()
        print('%-9s %11.2f ms %11.2f ms %10.2f s' % (
            kind, statistics.median(times) * 1e3, max(times) * 1e3,
            statistics.median(takeovers)))


if __name__ == '__main__':
    main()
