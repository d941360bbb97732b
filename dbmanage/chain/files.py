"""Revision files read as text: id, parent and the first docstring line.

Each file is read by a strict pattern, or by ``ast`` when the pattern is in
any doubt. Only literal module-level assignments are understood. A file that
computes its ids, or uses Alembic features this reader does not model
(branch labels, dependencies), raises ``NotPlain``, and the whole chain is
then read by Alembic instead, so an answer is never silently different from
Alembic's.
"""
from __future__ import annotations

import importlib.util
import os
import re

from dbmanage.chain import graph

# The files Alembic loads from a versions folder (not recursive).
_REVISION_FILE = re.compile(r'(?!\.#|__init__).*\.py$')
_FIELDS = ('revision', 'down_revision', 'branch_labels', 'depends_on')


class NotPlain(Exception):
    """The file needs Python to be read; Alembic will load the chain."""


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
    raise NotPlain()


def _parse(text, path):
    """The same as ``_scan``, by Python's own parser (any literal form)."""
    import ast
    try:
        tree = ast.parse(text, str(path))
    except (SyntaxError, ValueError):
        raise NotPlain()
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if any(name in _FIELDS for name in names):
                if len(names) != len(targets) or node.value is None:
                    raise NotPlain()
                try:
                    value = _literal(node.value)
                except (ValueError, TypeError, SyntaxError):
                    raise NotPlain()
                for name in names:
                    found[name] = value
        elif not isinstance(node, (ast.Expr, ast.Import, ast.ImportFrom,
                                   ast.FunctionDef, ast.ClassDef)):
            # Conditional or computed module code could change the fields.
            if any(isinstance(n, ast.Name) and n.id in _FIELDS
                   for n in ast.walk(node)):
                raise NotPlain()
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


def read_file(path) -> tuple[str, object, str]:
    """(revision, down_revision, description) of one revision file."""
    try:
        text = path.read_text(encoding='utf-8')
    except (OSError, ValueError):
        raise NotPlain()
    if not _compiles(path, text):
        raise NotPlain()  # Alembic reports the error as it always has
    found, doc = _scan(text) or _parse(text, path)
    if not isinstance(found.get('revision'), str) or 'down_revision' not in found:
        raise NotPlain()
    if found.get('branch_labels') or found.get('depends_on'):
        raise NotPlain()
    lines = doc.strip().split('\n\n')[0].strip().splitlines()
    return found['revision'], found['down_revision'], lines[0] if lines else ''


def signature(versions_dir) -> tuple:
    """Name, size and mtime of every file: any edit, addition or removal
    changes it, and reading it costs a directory scan, not the files."""
    with os.scandir(versions_dir) as entries:
        stats = [(e.name, e.stat()) for e in entries if e.is_file()]
    return tuple(sorted((name, st.st_size, st.st_mtime_ns) for name, st in stats))


def read_folder(versions_dir) -> graph.Chain:
    revisions = []
    for path in sorted(versions_dir.iterdir()):
        if path.is_file() and _REVISION_FILE.match(path.name):
            rev, down, description = read_file(path)
            revisions.append(graph.Revision(rev, down, description, str(path)))
    # Duplicates, a missing parent, branches, merges or a cycle: Alembic
    # reports (or orders) those in its own words.
    chain = graph.Chain.linear_from(revisions)
    if chain is None:
        raise NotPlain()
    return chain
