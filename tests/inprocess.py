"""Run commands through the core in-process, for tests that loop a lot."""
from dbmanage import commands
from dbmanage import services


def context(service, url, **kwargs):
    return commands.Context(service=services.get(service), url=url,
                              host='test', **kwargs)


def run(service, url, command, **args):
    result = commands.execute(context(service, url), command, args)
    assert result.ok, result.error
    return result


def filled(dataset, url, rows, revision=None):
    """``url`` at the start of ``dataset`` (``bench.bigdb``) holding its
    ``rows``, then upgraded to ``revision``."""
    import sqlalchemy as sa

    from bench import bigdb
    run(dataset.service, url, 'upgrade', revision=dataset.start)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        bigdb.fill(conn, dataset, rows)
    engine.dispose()
    if revision is not None:
        run(dataset.service, url, 'upgrade', revision=revision)
    return url
