"""``--online`` on SQLite: one writer at a time is all SQLite has, so every
statement runs as it is (the result says so)."""

batches = False
#: Said once in the result of an online run.
NOTE = 'SQLite has one writer at a time: the revisions ran as they are'


def alter(online, construct, run, fence):
    fence('statement')
    return run(construct)


def forecast(conn, op, settings) -> dict:
    return {'way': 'as is', 'blocks': bool(op['blocks_writes'] and op['rows']), 'wait_s': 0.0,
            'writes_wait': 'the whole statement (one writer at a time)'}


def tidy(conn) -> None:
    """A shadow copy never happens here."""
