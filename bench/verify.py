"""What ``verify`` and the check before ``upgrade`` cost on healthy databases.

    .venv/bin/python bench/verify.py [--repeat 5]

Per service and backend it prints, as medians: a cold ``verify`` command
(a new process, as an operator runs it) on a database at head; the check
before an upgrade alone, in-process (``checking.before_upgrade``), for the
revisions from an older one to head; and ``upgrade head`` from that older
revision with the check and without it, on identical databases.
"""
import argparse
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dbmanage.commands import checking  # noqa: E402
from tests import conftest  # noqa: E402
from tests import inprocess  # noqa: E402

#: An older revision each upgrade starts from.
FROM = {'mistral': '030', 'lbaas': '1afc932f1ca2'}
BIN = pathlib.Path(sys.executable).parent


def _median(values):
    return round(statistics.median(values), 3)


def _upgrade(service, url, **options):
    result = inprocess.commands.execute(
        inprocess.context(service, url, fresh_install='chain', **options), 'upgrade',
        {'revision': 'head'})
    assert result.ok, result.error
    return result


def measure(service, backend, repeat, folder):
    drops = []

    def database():
        url, drop = conftest.create_database(backend, folder)
        drops.append(drop)
        return url
    try:
        head = database()
        _upgrade(service, head)
        conf = conftest.write_config(folder / ('%s-%s.conf' % (service, backend)), head)
        cold = []
        for _ in range(repeat):
            started = time.perf_counter()
            subprocess.run([str(BIN / ('%s-db-manage' % service)), '--config-file', str(conf),
                            'verify'], check=True, capture_output=True)
            cold.append(time.perf_counter() - started)
        check, with_check, without = [], [], []
        for _ in range(repeat):
            old = database()
            inprocess.commands.execute(inprocess.context(service, old, fresh_install='chain'),
                                       'upgrade', {'revision': FROM[service]})
            ctx = inprocess.context(service, old)
            with ctx.database.connected() as conn:
                started = time.perf_counter()
                checking.before_upgrade(ctx, conn, FROM[service], _head(service))
                check.append(time.perf_counter() - started)
            ctx.database.dispose()
            other = database()
            inprocess.commands.execute(inprocess.context(service, other, fresh_install='chain'),
                                       'upgrade', {'revision': FROM[service]})
            with_check.append(_upgrade(service, old).duration)
            without.append(_upgrade(service, other, preflight=False).duration)
        print('%-8s %-10s verify (cold) %.3f s; check before upgrade %s -> head %.4f s; '
              'upgrade with check %.3f s, without %.3f s'
              % (service, backend, _median(cold), FROM[service], _median(check),
                 _median(with_check), _median(without)))
    finally:
        for drop in drops:
            drop()


def _head(service):
    from dbmanage import chain
    from dbmanage import services
    return chain.load(services.get(service)).heads[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeat', type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for service in ('mistral', 'lbaas'):
            for backend in conftest.BACKENDS:
                measure(service, backend, args.repeat, pathlib.Path(folder))


if __name__ == '__main__':
    main()
