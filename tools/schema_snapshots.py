"""Write the schema data files every chain revision is verified against.

For each service and backend: a new empty database, the chain applied one
revision at a time by the service's own console program (``upgrade +1``
with ``[db_manage] fresh_install = chain``), the schema and every row read
after each step with ``dbmanage.schema.reflect``, and the result written to
``alembic_migrations/<service>/schema/<dialect>.json``
(``dbmanage.schema.snapshots`` describes the format). Run it after adding
or editing a revision, from the project folder, with the test servers up:

    .venv/bin/python tools/schema_snapshots.py                  # all services, backends
    .venv/bin/python tools/schema_snapshots.py --service lbaas --backend sqlite
    .venv/bin/python tools/schema_snapshots.py --check          # compare, write nothing

Servers: ``DBMANAGE_TEST_MYSQL_URL`` and ``DBMANAGE_TEST_PG_URL`` as for the
tests (defaults ``mysql+pymysql://root@127.0.0.1:3306`` and
``postgresql+psycopg2://postgres@127.0.0.1:5432``); SQLite in a temporary
folder. About 3 minutes per backend for both chains.
"""
import argparse
import contextlib
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import uuid

import sqlalchemy as sa

from dbmanage.schema import live
from dbmanage.schema import snapshots

SERVICES = ('mistral', 'lbaas')
BACKENDS = ('mysql', 'postgresql', 'sqlite')
SERVERS = {
    'mysql': os.environ.get('DBMANAGE_TEST_MYSQL_URL', 'mysql+pymysql://root@127.0.0.1:3306'),
    'postgresql': os.environ.get('DBMANAGE_TEST_PG_URL',
                                 'postgresql+psycopg2://postgres@127.0.0.1:5432'),
}
BIN = pathlib.Path(sys.executable).parent


@contextlib.contextmanager
def scratch_database(backend, folder):
    """The URL of a new empty database, dropped afterwards."""
    name = 'dbm_schema_%s' % uuid.uuid4().hex[:10]
    if backend == 'sqlite':
        yield 'sqlite:///%s' % (pathlib.Path(folder) / (name + '.sqlite'))
        return
    admin = sa.create_engine(SERVERS[backend] + ('/mysql' if backend == 'mysql' else '/postgres'),
                             isolation_level='AUTOCOMMIT', poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql('CREATE DATABASE %s%s' % (
            name, ' CHARACTER SET utf8mb4' if backend == 'mysql' else ''))
    try:
        yield '%s/%s%s' % (SERVERS[backend], name,
                           '?charset=utf8mb4' if backend == 'mysql' else '')
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql('DROP DATABASE IF EXISTS %s' % name)
        admin.dispose()


def _program(service, config, *args):
    argv = [str(BIN / ('%s-db-manage' % service)), '--config-file', str(config), '--json']
    proc = subprocess.run(argv + list(args), capture_output=True, text=True)
    if not proc.stdout.strip():
        raise SystemExit('%s %s failed: %s' % (service, ' '.join(args), proc.stderr.strip()))
    result = json.loads(proc.stdout)
    if result['exit_code']:
        raise SystemExit('%s %s failed: %s' % (service, ' '.join(args), result['error']))
    return result


def walk(service, backend, folder):
    """[(revision, Schema with all rows)] after each revision, oldest first."""
    steps = []
    with scratch_database(backend, folder) as url:
        config = pathlib.Path(folder) / ('%s-%s.conf' % (service, backend))
        config.write_text('[database]\nconnection = %s\n[db_manage]\nfresh_install = chain\n'
                          % url)
        chain = [r['revision'] for r in _program(service, config, 'history')['history']][::-1]
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            for revision in chain:
                after = _program(service, config, 'upgrade', '+1')['revision_after']
                if after != [revision]:
                    raise SystemExit('%s: upgrade +1 reached %s, not %s' % (
                        service, after, revision))
                with engine.connect() as conn:
                    steps.append((revision, live.reflect(conn, rows='all')))
        finally:
            engine.dispose()
    return steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--service', action='append', choices=SERVICES)
    parser.add_argument('--backend', action='append', choices=BACKENDS)
    parser.add_argument('--check', action='store_true',
                        help='compare with the files; exit 1 naming those that differ')
    args = parser.parse_args(argv)
    stale = []
    with tempfile.TemporaryDirectory() as folder:
        for service in args.service or SERVICES:
            for backend in args.backend or BACKENDS:
                text = snapshots.dumps(snapshots.build(service, backend,
                                                       walk(service, backend, folder)))
                target = snapshots.path(service, backend)
                if args.check:
                    if not target.exists() or target.read_text() != text:
                        stale.append(str(target))
                    continue
                target.parent.mkdir(exist_ok=True)
                target.write_text(text)
                print('%s: %d bytes' % (target, len(text.encode())))
    for target in stale:
        print('differs from what the chain gives: %s' % target)
    return 1 if stale else 0


if __name__ == '__main__':
    sys.exit(main())
