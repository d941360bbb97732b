"""How close ``plan --rehearse`` comes to the real upgrade's run time.

    python bench/plan_rehearse.py [--rows 100000] [--backend mysql] [--sample 10000]

Builds a Mistral database at 040 with ROWS rows in workflow_executions_v2
(041 turns its description into TEXT: a table copy on MariaDB), asks
``plan --rehearse`` for the expected time of 040 -> head, then runs the
upgrade and prints both (the revisions' own run time, without process
start-up). Target: the expected time within 2x of the real one.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from tests import conftest  # noqa: E402

BIN = pathlib.Path(sys.executable).parent


def fill(url, rows):
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text(
            'INSERT INTO workflow_executions_v2 (id, name, description, state, spec, '
            'input, output, params, context) VALUES (:id, :name, :d, :s, :j, :j, :j, :j, :j)'),
            [{'id': '%036d' % i, 'name': 'wf-%d' % i, 'd': 'execution %d of a workflow' % i,
              's': 'SUCCESS', 'j': '{"key": "%s"}' % ('x' * 200)} for i in range(rows)])
        if conn.dialect.name == 'mysql':
            conn.execute(sa.text('ANALYZE TABLE workflow_executions_v2'))
        elif conn.dialect.name == 'postgresql':
            conn.execute(sa.text('ANALYZE workflow_executions_v2'))
    engine.dispose()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--rows', type=int, default=100000)
    parser.add_argument('--backend', default='mysql')
    parser.add_argument('--sample', type=int, default=10000)
    args = parser.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp())
    url, drop = conftest.create_database(args.backend, tmp)
    try:
        conf = conftest.write_config(tmp / 'bench.conf', url)
        base = [str(BIN / 'mistral-db-manage'), '--config-file', str(conf)]
        subprocess.run(base + ['upgrade', '040'], check=True, capture_output=True, cwd=tmp)
        fill(url, args.rows)
        started = time.perf_counter()
        proc = subprocess.run(base + ['--json', 'plan', '--rehearse', '--sample-rows',
                                      str(args.sample)], capture_output=True, text=True, cwd=tmp)
        rehearsal_wall = time.perf_counter() - started
        rehearsal = json.loads(proc.stdout)['details']['plan']['rehearsal']
        proc = subprocess.run(base + ['--json', 'upgrade', 'head'], check=True,
                              capture_output=True, text=True, cwd=tmp)
        real = sum(a['duration'] for a in json.loads(proc.stdout)['applied'])
        expected = rehearsal['expected_seconds']
        print(json.dumps({'backend': args.backend, 'rows': args.rows,
                          'sampled_rows': rehearsal.get('sampled_rows'),
                          'rehearsal_wall_s': round(rehearsal_wall, 2),
                          'expected_s': expected, 'real_upgrade_s': round(real, 2),
                          'ratio': round(expected / real, 2) if real else None}))
        return 0 if real and 0.5 <= expected / real <= 2 else 1
    finally:
        drop()


if __name__ == '__main__':
    sys.exit(main())
