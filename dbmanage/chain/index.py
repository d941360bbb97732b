"""The chain as last read, kept in the user's cache so a command need not
read every revision file.

A small JSON file per versions folder in ``$XDG_CACHE_HOME/dbmanage`` (made
0700) holds what was read, with the name, size and modification time of
every file in the folder (the check Python itself makes of a bytecode
cache) and of the reader's own file. It answers only while a scan of the
folder matches it exactly. The index stands for the files' text, so it is
used only where no one but this user can have written it: an index that is
a symbolic link, or a folder or index owned by another user or writable by
group or others, is ignored. Nothing is written into a folder that is not
the user's alone; in one that is, a fresh index replaces an ignored one.
"""
import contextlib
import errno
import hashlib
import json
import logging
import os
import stat

from dbmanage.chain import files
from dbmanage.chain import graph

LOG = logging.getLogger(__name__)


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


def read(folder, signature):
    """The chain the index holds for exactly this folder state, or None."""
    try:
        kept = _read_index(_index_path(folder))
        if kept['folder'] != str(folder) or kept['signature'] != _jsonable(signature):
            return None
        return graph.Chain.linear_from([graph.Revision(rev, down, description,
                                                            os.path.join(folder, name))
                                  for rev, down, description, name in kept['revisions']])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def keep(folder, signature, chain):
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
    # The text reader's own file is part of it: a fixed reader re-reads.
    reader = os.stat(files.__file__)
    return [[files.__file__, reader.st_size, reader.st_mtime_ns]] + [list(e) for e in signature]
