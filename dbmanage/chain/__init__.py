"""A service's revision chain: read from its files as text, or by Alembic.

Read-only commands need only each revision's id, its parent and the first
line of its docstring. Importing Alembic and SQLAlchemy to load the ~100
small files as modules costs about half a second; reading them as text
(``files``) costs a few milliseconds, and what was read is kept in the
user's cache (``index``) for the next command. A chain the text reader does
not model is read by Alembic (``script``), with the same answers. Alembic
remains the only thing that migrates.

A process keeps each chain in memory and watches its folder (``watch``,
inotify on Linux) instead of scanning it on every call; any file added,
removed or changed makes the next ``load`` read the chain again.
"""
from __future__ import annotations

import typing

import dataclasses
import threading

from dbmanage.chain import files
from dbmanage.chain import index
from dbmanage.chain import scripts
from dbmanage.chain import watch as watches
from dbmanage.chain.graph import AlembicNeeded, Chain, Revision  # noqa: F401

if typing.TYPE_CHECKING:
    from dbmanage.services import Service


@dataclasses.dataclass
class _Kept:
    signature: tuple
    chain: Chain
    watch: watches.Watch | None = None


_LOADED = {}      # versions folder -> _Kept: a process reads each chain once
_LOAD_LOCK = threading.Lock()


def _from_alembic(service):
    script = scripts.read(service)
    heads, branches = summary = scripts.summarise(script)
    revisions = []
    for rev in script.walk_revisions():
        found = Revision(rev.revision, rev.down_revision, scripts.description(rev), rev.path)
        found.nextrev = list(rev.nextrev)
        revisions.append(found)
    found = Chain(revisions, heads, branches, None)
    found.alembic = (script, summary)
    return found


def load(service) -> Chain:
    """The service's chain; CheckFailed if its revisions do not form a graph."""
    folder = service.versions_dir
    with _LOAD_LOCK:
        kept = _LOADED.get(folder)
        if kept and kept.watch:
            if not kept.watch.changed():
                return kept.chain
            kept.watch.close()
            kept.watch = None
        # Watching starts before the scan, so no change after it goes unseen.
        watch = watches.Watch.on(folder)
        signature = files.signature(folder)
        if kept and kept.signature == signature:
            kept.watch = watch
            return kept.chain
        found = index.read(folder, signature)
        if found is None:
            try:
                found = files.read_folder(folder)
                index.keep(folder, signature, found)
            except files.NotPlain:
                found = _from_alembic(service)
        _LOADED[folder] = _Kept(signature, found, watch)
        return found


def script(service: Service):
    """Alembic's script directory of the chain ``load`` answers with."""
    return scripts.directory(load(service), service)


def summary(service) -> tuple[list[str], list[str]]:
    """(heads, branch points) of the service's chain."""
    found = load(service)
    scripts.directory(found, service)
    return found.alembic[1]
