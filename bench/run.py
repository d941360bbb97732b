"""Measure dbmanage's speed and memory on this machine's real services.

    python bench/run.py [--repeat N] [--services mistral,lbaas] [--backends ...]
                        [--no-agent] [--bin DIR] [--upstream VENV]

Every figure is printed beside the floors measured in the same run, so a
busy machine shows up in both:

* ``python``: a bare ``python -c pass``;
* ``import``: a process that only imports oslo.config and the DB driver
  (what a read-only command cannot avoid);
* ``rpc``: a bare oslo.messaging RPC round trip to an echo server in the
  same process, and ``ping`` to the agent (the same round trip as a command,
  with an endpoint that does nothing); for a cold command, a process that
  only imports oslo.messaging and calls the agent's ``ping`` once.

Per service and backend: a cold ``current`` (median of N processes) and
its peak RSS, ``upgrade head`` on an empty database through the baseline
and through the chain (median of fresh databases), and the offline SQL of
the whole chain. Through a local agent over RabbitMQ: a cold
``--use-agent current``, the warm round trip of ``current`` (p50/p99) and
how long after the reply a listener receives ``db_manage.upgrade.end``.

``--upstream VENV`` times the upstream tools installed in that venv
(``mistral-db-manage`` of Mistral, ``octavia-db-manage`` of Octavia for
lbaas) on the same databases, interleaved with ours, and prints the ratio.
``--bin`` times the programs of another install of ours.
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
UPSTREAM = {'mistral': 'mistral-db-manage', 'lbaas': 'octavia-db-manage'}
DRIVER = {'mysql': 'pymysql', 'postgresql': 'psycopg2', 'sqlite': 'sqlite3'}


def timed(argv, cwd, check=True):
    """Wall time and peak RSS (MiB) of one process; None if it failed and
    ``check`` is false."""
    started = time.perf_counter()
    proc = subprocess.run(['/usr/bin/time', '-f', '%M'] + argv, capture_output=True,
                          text=True, cwd=cwd)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        if not check:
            return None
        raise SystemExit('failed: %s\n%s' % (' '.join(argv), proc.stderr[-2000:]))
    rss = int(proc.stderr.strip().splitlines()[-1]) / 1024
    return elapsed, rss, proc.stdout


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def floors(backend, repeat, tmp):
    python = [timed([sys.executable, '-c', 'pass'], tmp)[0] for _ in range(repeat)]
    imports = [timed([sys.executable, '-c', 'import oslo_config.cfg, %s' % DRIVER[backend]],
                     tmp)[0] for _ in range(repeat)]
    return {'python_s': median(python), 'import_s': median(imports)}


def bench_backend(service, backend, repeat, tmp, bindir, upstream):
    prog = str(bindir / ('%s-db-manage' % service))
    theirs = upstream and str(upstream / 'bin' / UPSTREAM[service])
    figures = {'floor': floors(backend, repeat, tmp)}

    def fresh_upgrade(program, **options):
        """One ``upgrade head`` on a new empty database: (seconds, RSS) or None."""
        url, drop = conftest.create_database(backend, tmp)
        try:
            conf = conftest.write_config(tmp / ('up-%s.conf' % uuid.uuid4().hex[:6]), url,
                                         **options)
            return timed([program, '--config-file', str(conf), 'upgrade', 'head'], tmp,
                         check=False)
        finally:
            drop()

    variants = {'upgrade_head_s': lambda: fresh_upgrade(prog),
                'upgrade_head_chain_s': lambda: fresh_upgrade(
                    prog, db_manage={'fresh_install': 'chain'})}
    if theirs:
        variants['upstream_upgrade_head_s'] = lambda: fresh_upgrade(theirs)
    laps = {name: [] for name in variants}
    for _ in range(max(1, min(repeat, 3))):   # interleaved: all see the same load
        for name, run in variants.items():
            laps[name].append(run())
    for name, found in laps.items():
        figures[name] = median(f[0] for f in found if f)
    rss_up = max((f[1] for f in laps['upgrade_head_s'] if f), default=0)

    url, drop = conftest.create_database(backend, tmp)
    try:
        conf = conftest.write_config(tmp / ('%s-%s.conf' % (service, backend)), url)
        base = [prog, '--config-file', str(conf)]
        timed(base + ['upgrade', 'head'], tmp)
        ours, up = [], []
        for _ in range(repeat):   # interleaved: both see the same load
            ours.append(timed(base + ['current'], tmp))
            if theirs:
                found = timed([theirs, '--config-file', str(conf), 'current'], tmp, check=False)
                up.append(found and found[0])
        figures['current_s'] = median(c[0] for c in ours)
        figures['current_peak_rss_mib'] = round(max(c[1] for c in ours), 1)
        if theirs:
            figures['upstream_current_s'] = median(up)
        if backend != 'sqlite':
            figures['offline_sql_s'] = round(timed(base + ['upgrade', 'head', '--sql'], tmp)[0], 3)
        figures['upgrade_peak_rss_mib'] = round(rss_up, 1)
    finally:
        drop()
    return figures


RPC_FLOOR = '''
import os, sys, threading, time, uuid
os.environ.setdefault('EVENTLET_NO_GREENDNS', 'yes')
import oslo_messaging as messaging
from oslo_config import cfg
cfg.CONF([], project='bench')
transport = messaging.get_rpc_transport(cfg.CONF, url=sys.argv[1])
topic = 'dbm_bench_echo_' + uuid.uuid4().hex[:8]

class Echo:
    def echo(self, ctxt, value):
        return value

server = messaging.get_rpc_server(transport, messaging.Target(topic=topic, server='b'),
                                  [Echo()], executor='threading')
server.start()
client = messaging.get_rpc_client(transport, messaging.Target(topic=topic))
client.call({}, 'echo', value=1)
laps = []
for _ in range(200):
    t = time.perf_counter(); client.call({}, 'echo', value=1); laps.append(time.perf_counter() - t)
laps.sort()
server.stop(); server.wait()
print(laps[99], laps[197])
'''


COLD_RPC_FLOOR = '''
import os, sys
os.environ.setdefault('EVENTLET_NO_GREENDNS', 'yes')
import oslo_messaging as messaging
from oslo_config import cfg
cfg.CONF([], project='bench')
transport = messaging.get_rpc_transport(cfg.CONF, url=sys.argv[1])
client = messaging.get_rpc_client(transport, messaging.Target(topic=sys.argv[2]))
assert client.call({}, 'ping')['service']
'''


def rpc_floor(tmp):
    out = subprocess.run([sys.executable, '-c', RPC_FLOOR, conftest.RABBIT_URL],
                         capture_output=True, text=True, check=True, cwd=tmp).stdout
    p50, p99 = map(float, out.split())
    return round(p50 * 1000, 2), round(p99 * 1000, 2)


def _wait_until_answering(argv, tmp, timeout=60):
    """The agent logs that it serves before its queue is bound on the broker."""
    deadline = time.monotonic() + timeout
    while subprocess.run(argv, capture_output=True, cwd=tmp).returncode != 0:
        if time.monotonic() > deadline:
            raise SystemExit('the agent does not answer: %s' % ' '.join(argv))


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
        _wait_until_answering([prog, '--config-file', str(conf), 'heads'], tmp)
        cold = [timed([prog, '--config-file', str(conf), 'current'], tmp)[0]
                for _ in range(repeat)]
        # As dbmanage imports it (dbmanage_agent/messaging.py): without green DNS.
        # The same cold call with nothing of ours: oslo.messaging alone, the
        # rabbit driver loaded, one connection, one call to the agent's ping.
        bare_cold = [timed([sys.executable, '-c', COLD_RPC_FLOOR, conftest.RABBIT_URL, topic],
                           tmp) for _ in range(repeat)]
        import_floor = [timed([sys.executable, '-c', 'import os; os.environ["EVENTLET_NO_GREENDNS"]'
                               ' = "yes"; import oslo_config.cfg, oslo_messaging'],
                              tmp, check=False) for _ in range(repeat)]
        code = ('import json,sys,time\n'
                'from dbmanage_cli import main\n'
                'from dbmanage import config, services\n'
                'from dbmanage_agent import rpcapi\n'
                'main.CONF.register_cli_opts(main.cli_opts(services.get("mistral")))\n'
                'config.load(["--config-file", sys.argv[1], "current"], "mistral", "x")\n'
                'api = rpcapi.AgentAPI(main.CONF, services.get("mistral"))\n'
                'api.current()\n'
                'laps = []\n'
                'for _ in range(200):\n'
                '    t = time.perf_counter(); api.current(); laps.append(time.perf_counter() - t)\n'
                'laps.sort()\n'
                'pings = []\n'
                'for _ in range(200):\n'
                '    t = time.perf_counter(); api.ping(); pings.append(time.perf_counter() - t)\n'
                'pings.sort()\n'
                'assert api.upgrade(revision="head").ok\n'
                'print(json.dumps([laps[99], laps[197], pings[99], time.time()]))\n')
        events = Events(notify)
        try:
            p50, p99, ping50, replied = json.loads(subprocess.run(
                [sys.executable, '-c', code, str(conf)], capture_output=True, text=True,
                check=True, cwd=ROOT).stdout)
            received = events.collect('db_manage.upgrade.end')
            arrival = events.arrivals['db_manage.upgrade.end']
        finally:
            events.close()
        floor_p50, floor_p99 = rpc_floor(tmp)
        return {'cold_agent_current_s': median(cold),
                'floor_import_oslo_messaging_s': median(f and f[0] for f in import_floor),
                'floor_cold_rpc_s': median(f[0] for f in bare_cold),
                'warm_rpc_current_p50_ms': round(p50 * 1000, 2),
                'warm_rpc_current_p99_ms': round(p99 * 1000, 2),
                'floor_rpc_p50_ms': floor_p50, 'floor_rpc_p99_ms': floor_p99,
                'floor_agent_ping_p50_ms': round(ping50 * 1000, 2),
                'upgrade_end_event_after_reply_ms': round((arrival - replied) * 1000, 2),
                'events_received': len(received)}
    finally:
        agent.stop()
        drop()


def _ratio(ours, theirs, timed_upstream=False):
    if ours and theirs:
        return ' = %.2f x upstream %.3f s' % (ours / theirs, theirs)
    return ' (upstream fails here)' if timed_upstream else ''


def show(name, f):
    floor = f['floor']
    print('%-18s current %.3f s (floors: import %.3f s, python %.3f s)%s, peak RSS %.1f MiB'
          % (name, f['current_s'], floor['import_s'], floor['python_s'],
             _ratio(f['current_s'], f.get('upstream_current_s')), f['current_peak_rss_mib']))
    print('%-18s upgrade head on empty: baseline %s s, chain %s s%s; offline SQL %s s'
          % ('', f['upgrade_head_s'], f['upgrade_head_chain_s'],
             _ratio(f['upgrade_head_s'], f.get('upstream_upgrade_head_s'),
                    'upstream_upgrade_head_s' in f),
             f.get('offline_sql_s', '-')), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeat', type=int, default=7)
    parser.add_argument('--services', default='mistral,lbaas')
    parser.add_argument('--backends', default='mysql,postgresql,sqlite')
    parser.add_argument('--no-agent', action='store_true')
    parser.add_argument('--bin', type=pathlib.Path, default=BIN,
                        help='folder holding the console programs to time')
    parser.add_argument('--upstream', type=pathlib.Path,
                        help='venv with mistral / octavia installed, to time side by side')
    args = parser.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        report = {}
        for service in args.services.split(','):
            for backend in args.backends.split(','):
                figures = bench_backend(service, backend, args.repeat, tmp, args.bin,
                                        args.upstream)
                report['%s/%s' % (service, backend)] = figures
                show('%s/%s' % (service, backend), figures)
        if not args.no_agent:
            f = report['agent'] = bench_agent(args.repeat, tmp, args.bin)
            print('%-18s warm current p50 %.2f ms, p99 %.2f ms (floors: ping to the agent p50 '
                  '%.2f ms, bare in-process RPC p50 %.2f ms, p99 %.2f ms); cold --use-agent '
                  'current %.3f s (floors: import oslo.messaging %.3f s, a bare oslo.messaging '
                  'process calling the agent once %.3f s); upgrade.end event '
                  '%.1f ms after the reply'
                  % ('agent', f['warm_rpc_current_p50_ms'], f['warm_rpc_current_p99_ms'],
                     f['floor_agent_ping_p50_ms'], f['floor_rpc_p50_ms'], f['floor_rpc_p99_ms'],
                     f['cold_agent_current_s'],
                     f['floor_import_oslo_messaging_s'] or 0, f['floor_cold_rpc_s'],
                     f['upgrade_end_event_after_reply_ms']), flush=True)
    report['load_average'] = {'start': load, 'end': os.getloadavg()}
    print(json.dumps(report, sort_keys=True))
    print('load average: start %s, end %s' % (' '.join('%.2f' % x for x in load),
                                              ' '.join('%.2f' % x for x in os.getloadavg())))


if __name__ == '__main__':
    main()
