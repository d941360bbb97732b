"""Modules loaded on first use.

Read-only commands answer without SQLAlchemy, Alembic or tenacity, whose
imports cost more than the whole answer; the modules that need them are
bound by name as usual and only executed when a command first uses them.
"""
import importlib.util
import sys


def module(name):
    """``name`` as a module object that executes on first attribute access."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    found = importlib.util.module_from_spec(spec)
    sys.modules[name] = found
    loader.exec_module(found)
    return found
