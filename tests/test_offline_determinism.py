"""Offline SQL is the same bytes every time, whatever the hash seed."""
import json
import subprocess
import sys

from tests import conftest

# Every dialect that renders offline, the whole chain and two ranges each.
RENDER = '''
import json, sys
from dbmanage import chain
from dbmanage import services
from dbmanage.migrate import runner
out = {}
for name in ('mistral', 'lbaas'):
    service = services.get(name)
    ids = [r.revision for r in reversed(chain.load(service).ordered)]
    ranges = ['head', '%s:head' % ids[len(ids) // 3], '%s:%s' % (ids[1], ids[-5])]
    for dialect in ('mysql', 'postgresql'):
        for target in ranges:
            key = '%s %s %s' % (name, dialect, target)
            out[key] = runner.offline_sql(service, dialect + '://', 'upgrade', target)
json.dump(out, sys.stdout, sort_keys=True)
'''


def _render(seed):
    proc = subprocess.run([sys.executable, '-c', RENDER], capture_output=True, text=True,
                          cwd=conftest.ROOT, env={'PYTHONHASHSEED': str(seed),
                                                  'PATH': '/usr/bin:/bin'},
                          check=True)
    return json.loads(proc.stdout)


def test_offline_sql_is_byte_identical_across_hash_seeds():
    first = _render(1)
    assert len(first) == 12 and all('CREATE TABLE' in sql or 'ALTER' in sql
                                    for sql in first.values())
    for seed in (2, 3, 4):
        again = _render(seed)
        changed = [key for key in first if again[key] != first[key]]
        assert not changed, 'offline SQL differs with PYTHONHASHSEED=%d: %s' % (seed, changed)
