"""The shape of the code: imports go one way, each backend's facts stay in
its dialect package, and the installed packages need nothing of the
project's tests or tools.

Imports are read from the source (every ``import`` statement, in functions
too), so a circle hidden in a function-level import is found as well.
"""
import ast
import collections
import re

from tests import conftest

PACKAGES = ('dbmanage', 'dbmanage_agent', 'dbmanage_cli')
#: Backend names, which only the dialect packages and the URL parser say.
DIALECT_NAMES = {'mysql', 'mariadb', 'postgresql', 'postgres', 'sqlite'}
MAY_NAME_DIALECTS = ('dbmanage/dialects/', 'dbmanage/db/urls.py')


def _modules():
    found = {}
    for package in PACKAGES:
        for path in (conftest.ROOT / package).rglob('*.py'):
            parts = path.relative_to(conftest.ROOT).with_suffix('').parts
            name = '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)
            found[name] = path
    return found


def _imports(name, path, modules):
    """The modules ``name`` imports, anywhere in it."""
    package = name if path.name == '__init__.py' else name.rpartition('.')[0]
    tree = ast.parse(path.read_text())
    # Imports only a type checker reads are not the module's dependencies.
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and 'TYPE_CHECKING' in ast.unparse(block.test) for n in ast.walk(block)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                parts = package.split('.')[:len(package.split('.')) - node.level + 1]
                base = '.'.join(parts + ([base] if base else []))
            # ``from package import module`` needs that module; any other
            # name, the module that defines it.
            targets = ['%s.%s' % (base, alias.name) if '%s.%s' % (base, alias.name) in modules
                       else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition('.')[0]
            if target and target != name:
                yield target


def _graph():
    modules = _modules()
    return modules, {name: set(_imports(name, path, modules)) for name, path in modules.items()}


def _circles(graph):
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                group.append(other)
                if other == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles():
    modules, graph = _graph()
    assert len(modules) > 50
    assert _circles(graph) == []


def test_the_core_does_not_import_the_agent_or_the_cli():
    _, graph = _graph()
    upward = {(name, target) for name, targets in graph.items() if name.startswith('dbmanage.')
              or name == 'dbmanage' for target in targets
              if target.split('.')[0] in ('dbmanage_agent', 'dbmanage_cli')}
    assert upward == set()


def test_the_cli_uses_the_agent_only_through_its_client_api():
    _, graph = _graph()
    used = {target for name, targets in graph.items() if name.startswith('dbmanage_cli')
            for target in targets if target.startswith('dbmanage_agent')}
    assert used <= {'dbmanage_agent.rpcapi', 'dbmanage_agent.local'}


def test_only_dialect_packages_and_the_url_parser_name_a_backend():
    named = collections.defaultdict(set)
    for package in PACKAGES:
        for path in (conftest.ROOT / package).rglob('*.py'):
            relative = path.relative_to(conftest.ROOT).as_posix()
            if relative.startswith(MAY_NAME_DIALECTS):
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                # A name, or a URL's scheme (``mysql+pymysql://``); not prose.
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                        re.match(r'(%s)($|\+\w*://|://)' % '|'.join(DIALECT_NAMES), node.value):
                    named[relative].add(node.value)
    assert dict(named) == {}


def test_the_installed_packages_need_no_test_or_tool_module():
    _, graph = _graph()
    for package in PACKAGES:
        for path in (conftest.ROOT / package).rglob('*.py'):
            for node in ast.walk(ast.parse(path.read_text())):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module or ''] if isinstance(node, ast.ImportFrom) else [])
                assert not [n for n in names if n.split('.')[0] in ('tests', 'tools', 'bench')], \
                    path
