"""Who holds a migration lock: the record a holder leaves, and its wording."""
from __future__ import annotations

import datetime
import os
import sys


def record(host, request_id: str, kind) -> dict:
    """This process as a lock holder."""
    return {'kind': kind, 'host': host, 'pid': os.getpid(),
            'program': os.path.basename(sys.argv[0] or 'python'),
            'request_id': request_id,
            'since': datetime.datetime.now(datetime.timezone.utc)
            .isoformat(timespec='seconds')}


def describe(found) -> str:
    """One phrase naming the holder, for log lines and errors."""
    if not found:
        return 'another run'
    who = ' '.join('%s %s' % (key, found[key])
                   for key in ('host', 'program', 'pid', 'request_id', 'client',
                               'connection_id', 'path')
                   if found.get(key) not in (None, ''))
    when = ' since %s' % found['since'] if found.get('since') else ''
    return '%s%s (%s lock)' % (who or 'another run', when, found.get('kind', '?'))
