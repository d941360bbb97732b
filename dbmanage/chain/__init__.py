"""A service's revision chain, read from its files as text.

Read-only commands need only each revision's id, its parent and the first
line of its docstring. Importing Alembic and SQLAlchemy to load the ~100
small files as modules costs about half a second; reading them as text
costs a few milliseconds, plus compiling each file once to be sure Python
accepts it (as Alembic will need it to).

What was read is kept in an index (a small JSON file in the user's cache
directory, ``$XDG_CACHE_HOME/dbmanage``, made 0700) together with the name,
size and modification time of every file in the folder, the check Python
itself makes of a bytecode cache. A command scans the folder and uses the
index only if that scan matches it exactly: any file added, removed or changed
(``revision`` just run, an edit by hand) makes it read the files again and
rewrite the index, so no answer comes from stale text. The index stands for
the files' text, so it is used only where no one but this user can have
written it: an index that is a symbolic link, or a folder or index owned by
another user or writable by group or others, is ignored and the files are
read. Nothing is written into a folder that is not the user's alone; in one
that is, a fresh index replaces an ignored one. A long-lived process (the agent)
keeps the chain in memory, and watches the folder (inotify) instead of
scanning it on every call.

Each file is read by a strict pattern, or by ``ast`` when the pattern is in
any doubt. Only literal module-level assignments are understood. A file that computes
its ids, or uses Alembic features this reader does not model (branch labels,
dependencies), makes ``load`` hand the whole chain to Alembic instead, so an
answer is never silently different from Alembic's. Alembic remains the only
thing that migrates.
"""
import contextlib
import dataclasses
import errno
import hashlib
import importlib.util
import json
import logging
import os
import re
import stat
import threading

from dbmanage import errors

LOG = logging.getLogger(__name__)

# The files Alembic loads from a versions folder (not recursive).
_REVISION_FILE = re.compile(r'(?!\.#|__init__).*\.py$')
_FIELDS = ('revision', 'down_revision', 'branch_labels', 'depends_on')


class _NotPlain(Exception):
    """The file needs Python to be read; Alembic will load the chain."""


class AlembicNeeded(Exception):
    """A question only Alembic's revision map answers (in its own words)."""


@dataclasses.dataclass
class Revision:
    revision: str
    down_revision: object          # None, an id, or a tuple of ids (a merge)
    description: str
    path: str
    nextrev: list = dataclasses.field(default_factory=list)

    @property
    def down_revisions(self):
        if self.down_revision is None:
            return ()
        if isinstance(self.down_revision, str):
            return (self.down_revision,)
        return tuple(self.down_revision)

    @property
    def is_head(self):
        return not self.nextrev

    @property
    def is_branch_point(self):
        return len(self.nextrev) > 1


class Chain:
    """Revisions linked to their parents, newest first as Alembic walks them."""

    def __init__(self, revisions, heads, branches, ordered):
        self.by_id = {r.revision: r for r in revisions}
        self.heads, self.branches = list(heads), list(branches)
        self.ordered = ordered   # None where Alembic's order needs Alembic
        self.linear = ordered is not None
        # Alembic's reading of the same files, (script directory, (heads,
        # branch points)), made once a command needs it (``runner``). Files
        # that change make ``load`` answer with a new Chain, and so make
        # Alembic read them again too: a process has one view of the chain.
        self.alembic = None

    @classmethod
    def linear_from(cls, revisions):
        """The chain of one straight line of revisions; None if it is not one."""
        by_id = {r.revision: r for r in revisions}
        if len(by_id) != len(revisions):
            return None
        for rev in revisions:
            if isinstance(rev.down_revision, tuple) or (
                    rev.down_revision is not None and rev.down_revision not in by_id):
                return None
            if rev.down_revision is not None:
                by_id[rev.down_revision].nextrev.append(rev.revision)
        heads = [r for r in revisions if r.is_head]
        if len(heads) != 1 or any(r.is_branch_point for r in revisions):
            return None
        walked, rev = [], heads[0]
        while rev is not None and len(walked) <= len(revisions):
            walked.append(rev)
            rev = by_id.get(rev.down_revision)
        if len(walked) != len(revisions):
            return None
        return cls(revisions, [heads[0].revision], [], walked)

    def get(self, rev):
        """A revision by id or unique prefix, as Alembic resolves it.

        UsageError for an id the chain does not have.
        """
        found = self.by_id.get(rev)
        if found is not None:
            return found
        if rev in ('head', 'heads', 'base') or not rev or rev.startswith('+'):
            raise AlembicNeeded()
        matches = [r for r in self.by_id if len(r) > 3 and r.startswith(rev)]
        if len(matches) == 1:
            return self.by_id[matches[0]]
        if matches:
            raise AlembicNeeded()  # Alembic names the candidates in its order
        raise errors.UsageError("unknown revision %r: Can't locate revision "
                                "identified by '%s'" % (rev, rev))

    def between(self, upper, lower):
        """Revisions from ``upper`` down to ``lower`` (both kept), newest first."""
        walked = self.ordered
        if walked is None or lower in ('head', 'heads') or upper == 'base':
            raise AlembicNeeded()
        top = 0 if upper in ('head', 'heads') else walked.index(self.get(upper))
        if lower == 'base':
            return walked[top:]
        bottom = walked.index(self.get(lower))
        if bottom < top:
            raise AlembicNeeded()  # not an ancestor: Alembic words the error
        return walked[top:bottom + 1]


# The fast path: each field at most once, at column 0, a plain literal.
_FIELD_LINE = re.compile(r'^(%s)\b(.*)$' % '|'.join(_FIELDS), re.M)
_PLAIN_VALUE = re.compile(r"\s*(?::\s*[\w\[\]|., ]+)?=\s*"
                          r"""(None|'([^'\\\n]*)'|"([^"\\\n]*)")\s*(?:#.*)?$""")
_INDENTED_FIELD = re.compile(r'^[ \t]+(?:%s)\s*[:=]' % '|'.join(_FIELDS), re.M)
_DOCSTRING = re.compile(r"""\A(?:[ \t]*(?:#[^\n]*)?\n)*[ \t]*(\w*)("{3}|'{3}|["'])(.*?)\2""",
                        re.S)
_OTHER_STRING_START = re.compile(r"""\A(?:[ \t]*(?:#[^\n]*)?\n)*[ \t]*\w*["']""")


def _scan(text):
    """(fields, docstring) by pattern; None when in any doubt."""
    found = {}
    for match in _FIELD_LINE.finditer(text):
        name, rest = match.groups()
        plain = _PLAIN_VALUE.match(rest)
        if name in found or plain is None:
            return None
        literal, single, double = plain.groups()
        found[name] = None if literal == 'None' else (
            single if single is not None else double)
    if _INDENTED_FIELD.search(text):
        return None
    match = _DOCSTRING.match(text)
    if match:
        prefix, quote, body = match.groups()
        if prefix or len(quote) == 1 or '\\' in body:
            return None
        return found, body
    if _OTHER_STRING_START.match(text):
        return None
    return found, ''


def _literal(node):
    import ast
    value = ast.literal_eval(node)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise _NotPlain()


def _parse(text, path):
    """The same as ``_scan``, by Python's own parser (any literal form)."""
    import ast
    try:
        tree = ast.parse(text, str(path))
    except (SyntaxError, ValueError):
        raise _NotPlain()
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if any(name in _FIELDS for name in names):
                if len(names) != len(targets) or node.value is None:
                    raise _NotPlain()
                try:
                    value = _literal(node.value)
                except (ValueError, TypeError, SyntaxError):
                    raise _NotPlain()
                for name in names:
                    found[name] = value
        elif not isinstance(node, (ast.Expr, ast.Import, ast.ImportFrom,
                                   ast.FunctionDef, ast.ClassDef)):
            # Conditional or computed module code could change the fields.
            if any(isinstance(n, ast.Name) and n.id in _FIELDS
                   for n in ast.walk(node)):
                raise _NotPlain()
    return found, ast.get_docstring(tree, clean=False) or ''


def _compiles(path, text):
    """True if Python accepts the file, as Alembic will need it to.

    A bytecode cache that matches the file's mtime and size proves it for a
    16-byte read (Python writes one only for a file it compiled); otherwise
    the file is compiled here.
    """
    try:
        st = path.stat()
        with open(importlib.util.cache_from_source(str(path)), 'rb') as cached:
            header = cached.read(16)
        if (header[:4] == importlib.util.MAGIC_NUMBER and header[4:8] == bytes(4)
                and header[8:12] == (int(st.st_mtime) & 0xFFFFFFFF).to_bytes(4, 'little')
                and header[12:16] == (st.st_size & 0xFFFFFFFF).to_bytes(4, 'little')):
            return True
    except (OSError, ValueError):
        pass
    try:
        compile(text, str(path), 'exec', dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def read_file(path):
    """(revision, down_revision, description) of one revision file."""
    try:
        text = path.read_text(encoding='utf-8')
    except (OSError, ValueError):
        raise _NotPlain()
    if not _compiles(path, text):
        raise _NotPlain()  # Alembic reports the error as it always has
    found, doc = _scan(text) or _parse(text, path)
    if not isinstance(found.get('revision'), str) or 'down_revision' not in found:
        raise _NotPlain()
    if found.get('branch_labels') or found.get('depends_on'):
        raise _NotPlain()
    lines = doc.strip().split('\n\n')[0].strip().splitlines()
    return found['revision'], found['down_revision'], lines[0] if lines else ''


def _signature(versions_dir):
    """Name, size and mtime of every file: any edit, addition or removal
    changes it, and reading it costs a directory scan, not the files."""
    with os.scandir(versions_dir) as entries:
        stats = [(e.name, e.stat()) for e in entries if e.is_file()]
    return tuple(sorted((name, st.st_size, st.st_mtime_ns) for name, st in stats))


def _from_files(versions_dir):
    revisions = []
    for path in sorted(versions_dir.iterdir()):
        if path.is_file() and _REVISION_FILE.match(path.name):
            rev, down, description = read_file(path)
            revisions.append(Revision(rev, down, description, str(path)))
    # Duplicates, a missing parent, branches, merges or a cycle: Alembic
    # reports (or orders) those in its own words.
    chain = Chain.linear_from(revisions)
    if chain is None:
        raise _NotPlain()
    return chain


def _from_alembic(service):
    from dbmanage.migrate import runner
    script = runner.read_chain(service)
    heads, branches = summary = runner.summarise(script)
    revisions = []
    for rev in script.walk_revisions():
        found = Revision(rev.revision, rev.down_revision, runner.describe(rev), rev.path)
        found.nextrev = list(rev.nextrev)
        revisions.append(found)
    chain = Chain(revisions, heads, branches, None)
    chain.alembic = (script, summary)
    return chain


def _index_path(folder):
    cache = os.environ.get('XDG_CACHE_HOME') or os.path.join(
        os.path.expanduser('~'), '.cache')
    key = hashlib.sha256(str(folder).encode()).hexdigest()[:16]
    return os.path.join(cache, 'dbmanage', 'chain-%s.json' % key)


class _NotOurs(OSError):
    """Someone other than this user could have written the index."""


_DISTRUSTED = set()   # paths already logged: once per process is enough


def _not_ours(path, why):
    if path not in _DISTRUSTED:
        _DISTRUSTED.add(path)
        LOG.debug('chain index %s not used (%s): the revision files are read', path, why)
    return _NotOurs(path)


def _check_ours(st, path):
    # The index is trusted as the files' own text: only an index that no
    # one but this user can have written may stand for them.
    if st.st_uid != os.geteuid():
        raise _not_ours(path, 'owned by uid %d' % st.st_uid)
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise _not_ours(path, 'writable by others')


@contextlib.contextmanager
def _cache(index_path, create=False):
    """The index's folder (a descriptor), if only this user writes in it."""
    folder = os.path.dirname(index_path)
    if create:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _check_ours(os.fstat(fd), folder)
        yield fd
    finally:
        os.close(fd)


def _read_index(path):
    with _cache(path) as folder:
        try:
            fd = os.open(os.path.basename(path), os.O_RDONLY | os.O_NOFOLLOW, dir_fd=folder)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _not_ours(path, 'a symbolic link')
            raise
    with open(fd, encoding='utf-8') as index:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _not_ours(path, 'not a regular file')
        _check_ours(st, path)
        return json.load(index)


def _from_index(folder, signature):
    """The chain the index holds for exactly this folder state, or None."""
    try:
        kept = _read_index(_index_path(folder))
        if kept['folder'] != str(folder) or kept['signature'] != _jsonable(signature):
            return None
        return Chain.linear_from([Revision(rev, down, description, os.path.join(folder, name))
                                  for rev, down, description, name in kept['revisions']])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _keep_index(folder, signature, chain):
    path = _index_path(folder)
    kept = {'folder': str(folder), 'signature': _jsonable(signature),
            'revisions': [[r.revision, r.down_revision, r.description,
                           os.path.basename(r.path)] for r in chain.by_id.values()]}
    name = os.path.basename(path)
    scratch = '%s.%d' % (name, os.getpid())
    try:
        with _cache(path, create=True) as cache:
            fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW,
                         0o600, dir_fd=cache)
            with open(fd, 'w', encoding='utf-8') as index:
                json.dump(kept, index)
            # Readers see the old index or the new one; a link or a file
            # not ours in the folder is replaced, never written through.
            os.replace(scratch, name, src_dir_fd=cache, dst_dir_fd=cache)
    except _NotOurs:
        pass   # said once by _not_ours
    except OSError as exc:
        LOG.debug('chain index not kept: %s', exc)


def _jsonable(signature):
    # This reader's own file is part of it: a fixed reader re-reads.
    reader = os.stat(__file__)
    return [[__file__, reader.st_size, reader.st_mtime_ns]] + [list(e) for e in signature]


# Changes that make a folder's chain worth reading again.
_CHANGES = ('MODIFY', 'ATTRIB', 'CREATE', 'DELETE', 'MOVED_FROM', 'MOVED_TO',
            'DELETE_SELF', 'MOVE_SELF')


class _Watch:
    """Whether a folder may have changed since the watch began, in one
    system call: the kernel (inotify) queues an event for any change to the
    folder or a file in it before the call that made the change returns."""

    def __init__(self, folder):
        import inotify_simple
        self._inotify = inotify_simple.INotify()
        mask = 0
        for name in _CHANGES:
            mask |= inotify_simple.flags[name]
        self._inotify.add_watch(str(folder), mask)

    @classmethod
    def on(cls, folder):
        """A watch, or None where inotify is not available."""
        try:
            return cls(folder)
        except Exception as exc:   # not Linux, or out of inotify instances
            LOG.debug('no watch on %s (%s): each call scans the folder', folder, exc)
            return None

    def changed(self):
        return bool(self._inotify.read(timeout=0))   # also overflow, unmount

    def close(self):
        self._inotify.close()


@dataclasses.dataclass
class _Kept:
    signature: tuple
    chain: Chain
    watch: _Watch | None = None


_LOADED = {}      # versions folder -> _Kept: a long-lived process reads once
_LOAD_LOCK = threading.Lock()
_WATCHING = False


def keep_watching():
    """For a long-lived process (the agent): watch each folder once read, so
    that a call finds it unchanged without scanning its files."""
    global _WATCHING
    _WATCHING = True


def load(service):
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
        watch = _Watch.on(folder) if _WATCHING else None
        signature = _signature(folder)
        if kept and kept.signature == signature:
            kept.watch = watch
            return kept.chain
        found = _from_index(folder, signature)
        if found is None:
            try:
                found = _from_files(folder)
                _keep_index(folder, signature, found)
            except _NotPlain:
                found = _from_alembic(service)
        _LOADED[folder] = _Kept(signature, found, watch)
        return found
