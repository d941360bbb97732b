"""What the MySQL progress record costs a healthy ``upgrade head``.

    python bench/progress_overhead.py [--repeat N] [--services mistral,lbaas]

Runs ``upgrade head`` in-process on fresh MariaDB databases, alternately with
the record (the product) and without it (the record replaced by a no-op),
and prints the medians and statement counts of each, and the time spent in
the record's own statements. The rest of the difference is one more InnoDB
log flush per DDL statement (the count commits with the implicit commit
before the next DDL): a few ms each where fsync is slow, as on a VM disk.
"""
import argparse
import pathlib
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from dbmanage import services  # noqa: E402
from dbmanage.db import database  # noqa: E402
from dbmanage.migrate import journal  # noqa: E402
from dbmanage.migrate import runner  # noqa: E402
from tests import conftest  # noqa: E402


class _NoRecord:
    skipped = []

    def __init__(self, *args):
        pass

    def install(self, migration_context):
        pass

    def start(self, revision):
        pass

    def finish(self):
        pass


def _run(service, record):
    url, drop = conftest.create_database('mysql', pathlib.Path(tempfile.mkdtemp()))
    engine = database.Database(url, 10).engine()
    statements, in_record = [0], [0.0]

    def before(conn, cursor, statement, *args):
        conn.info['started'] = time.perf_counter()

    def after(conn, cursor, statement, *args):
        statements[0] += 1
        if journal.TABLE in statement:
            in_record[0] += time.perf_counter() - conn.info['started']
    event.listen(engine, 'before_cursor_execute', before)
    event.listen(engine, 'after_cursor_execute', after)
    original = journal.Journal
    journal.Journal = original if record else _NoRecord
    try:
        with engine.connect() as conn:
            started = time.perf_counter()
            runner.upgrade(conn, services.get(service), 'head')
            elapsed = time.perf_counter() - started
    finally:
        journal.Journal = original
        engine.dispose()
        drop()
    return elapsed, statements[0], in_record[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--services', default='mistral,lbaas')
    args = parser.parse_args()
    for service in args.services.split(','):
        runs = {True: [], False: []}
        for _ in range(args.repeat):
            for record in (False, True):
                runs[record].append(_run(service, record))
        without, with_ = (statistics.median(run[0] for run in runs[r]) for r in (False, True))
        record = statistics.median(run[2] for run in runs[True])
        print('%-8s upgrade head: without record %.3f s (%d statements), with %.3f s (%d '
              'statements); time in the record\'s statements %.3f s (%.1f%% of the run)' % (
                  service, without, runs[False][0][1], with_, runs[True][0][1],
                  record, 100 * record / with_))


if __name__ == '__main__':
    main()
