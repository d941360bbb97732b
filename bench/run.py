"""Measure dbmanage's speed and memory on this machine's real services.

    python bench/run.py [--repeat N] [--services mistral,lbaas] [--no-agent] [--bin DIR]

Prints, per service and backend: a cold ``current`` (median of N processes),
``upgrade head`` from an empty database, the offline SQL of the whole chain,
and the peak RSS of those processes; then, through a local agent over
RabbitMQ: a cold ``--use-agent current``, the warm RPC round trip of
``current`` (p50/p99) and how long after the agent's reply a listener
receives ``db_manage.upgrade.end``. Targets are in the README.

``--bin`` times the programs of another install (e.g. a venv made with plain
``pip install -e .``): a test venv also holds pytest's dependencies, and
Alembic's template engine imports pygments when it finds it.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import conftest  # noqa: E402  (database and config helpers)

BIN = pathlib.Path(sys.executable).parent


def timed(argv, cwd):
    """Wall time and peak RSS (MiB) of one process."""
    started = time.perf_counter()
    proc = subprocess.run(['/usr/bin/time', '-f', '%M'] + argv, capture_output=True,
                          text=True, cwd=cwd)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit('failed: %s\n%s' % (' '.join(argv), proc.stderr[-2000:]))
    rss = int(proc.stderr.strip().splitlines()[-1]) / 1024
    return elapsed, rss, proc.stdout


def bench_backend(service, backend, repeat, tmp, bindir):
    url, drop = conftest.create_database(backend, tmp)
    try:
        conf = conftest.write_config(tmp / ('%s-%s.conf' % (service, backend)), url)
        prog = str(bindir / ('%s-db-manage' % service))
        base = [prog, '--config-file', str(conf)]
        upgrade, rss_up, _ = timed(base + ['upgrade', 'head'], tmp)
        currents = [timed(base + ['current'], tmp) for _ in range(repeat)]
        offline, rss_sql, _ = timed(base + ['upgrade', 'head', '--sql'], tmp) \
            if backend != 'sqlite' else (None, 0, '')
        return {
            'upgrade_head_s': round(upgrade, 3),
            'current_median_s': round(statistics.median(c[0] for c in currents), 3),
            'offline_sql_s': offline and round(offline, 3),
            'peak_rss_mib': round(max([rss_up, rss_sql] + [c[1] for c in currents]), 1),
        }
    finally:
        drop()


def bench_agent(repeat, tmp, bindir):
    from tests.test_agent import Agent, Events
    url, drop = conftest.create_database('mysql', tmp)
    topic, notify = 'dbm_bench_%s' % uuid.uuid4().hex[:8], 'dbm_bench_n_%s' % uuid.uuid4().hex[:8]
    agent = Agent(tmp, url, 'mistral', topic, notify, 'bench').start()
    try:
        conf = conftest.write_config(
            tmp / 'remote.conf', None, DEFAULT={'transport_url': conftest.RABBIT_URL},
            db_manage={'use_agent': 'true', 'topic': topic},
            oslo_messaging_notifications={'topics': notify})
        prog = str(bindir / 'mistral-db-manage')
        cold = [timed([prog, '--config-file', str(conf), 'current'], tmp)[0]
                for _ in range(repeat)]
        code = ('import json,sys,time\n'
                'from dbmanage_cli import main\n'
                'from dbmanage_agent import config, services\n'
                'from dbmanage_agent.rpc import rpcapi\n'
                'main.CONF.register_cli_opts(main.cli_opts)\n'
                'config.load(["--config-file", sys.argv[1], "current"], "mistral", "x")\n'
                'api = rpcapi.AgentAPI(main.CONF, services.get("mistral"))\n'
                'api.current()\n'
                'laps = []\n'
                'for _ in range(200):\n'
                '    t = time.perf_counter(); api.current(); laps.append(time.perf_counter() - t)\n'
                'laps.sort()\n'
                'assert api.upgrade(revision="head").ok\n'
                'print(json.dumps([laps[99], laps[197], time.time()]))\n')
        events = Events(notify)
        try:
            p50, p99, replied = json.loads(subprocess.run(
                [sys.executable, '-c', code, str(conf)], capture_output=True, text=True,
                check=True, cwd=ROOT).stdout)
            received = events.collect('db_manage.upgrade.end')
            arrival = events.arrivals['db_manage.upgrade.end']
        finally:
            events.close()
        return {'cold_agent_current_median_s': round(statistics.median(cold), 3),
                'warm_rpc_current_p50_ms': round(p50 * 1000, 2),
                'warm_rpc_current_p99_ms': round(p99 * 1000, 2),
                'upgrade_end_event_after_reply_ms': round((arrival - replied) * 1000, 2),
                'events_received': len(received)}
    finally:
        agent.stop()
        drop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeat', type=int, default=7)
    parser.add_argument('--services', default='mistral,lbaas')
    parser.add_argument('--backends', default='mysql,postgresql,sqlite')
    parser.add_argument('--no-agent', action='store_true')
    parser.add_argument('--bin', type=pathlib.Path, default=BIN,
                        help='folder holding the console programs to time')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        report = {}
        for service in args.services.split(','):
            for backend in args.backends.split(','):
                figures = bench_backend(service, backend, args.repeat, tmp, args.bin)
                report['%s/%s' % (service, backend)] = figures
                print('%-20s %s' % ('%s/%s' % (service, backend), json.dumps(figures)), flush=True)
        if not args.no_agent:
            figures = bench_agent(args.repeat, tmp, args.bin)
            report['agent'] = figures
            print('%-20s %s' % ('agent', json.dumps(figures)), flush=True)
    print('load average at the end: %s' % ' '.join('%.2f' % x for x in os.getloadavg()))


if __name__ == '__main__':
    main()
