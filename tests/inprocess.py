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
