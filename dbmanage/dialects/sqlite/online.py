"""``--online`` on SQLite: one writer at a time is all SQLite has, so every
statement runs as it is (the result says so)."""

batches = False
#: Said once in the result of an online run.
NOTE = 'SQLite has one writer at a time: the revisions ran as they are'


def alter(online, construct, run, fence):
    fence('statement')
    return run(construct)


def tidy(conn) -> None:
    """A shadow copy never happens here."""
