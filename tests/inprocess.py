"""Run commands through the core in-process, for tests that loop a lot."""
from dbmanage_agent import operations
from dbmanage_agent import services


def context(service, url, **kwargs):
    return operations.Context(service=services.get(service), url=url,
                              host='test', **kwargs)


def run(service, url, command, **args):
    result = operations.execute(context(service, url), command, args)
    assert result.ok, result.error
    return result
