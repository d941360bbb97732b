"""Read-only commands: the chain read as text and one driver query agree with Alembic."""
import json
import os
import pathlib
import subprocess
import sys
import types

import pytest

from dbmanage import chain
from dbmanage.chain import files
from dbmanage.chain import index as index_module
from dbmanage.chain import watch
from dbmanage import services
from dbmanage.chain import scripts
from dbmanage.db import versions
from tests import conftest
from tests import inprocess

SERVICES = ('mistral', 'lbaas')


def _as_alembic_sees_it(service):
    script = chain.script(service)
    return [(r.revision, r.down_revision, scripts.description(r), r.path, r.is_head,
             r.is_branch_point) for r in script.walk_revisions()]


@pytest.mark.parametrize('name', SERVICES)
def test_text_chain_is_alembics_chain(name):
    service = services.get(name)
    found = chain.load(service)
    assert found.linear, 'the shipped chains read as text, without Alembic'
    assert [(r.revision, r.down_revision, r.description, r.path, r.is_head,
             r.is_branch_point) for r in found.ordered] == _as_alembic_sees_it(service)
    assert (found.heads, found.branches) == tuple(map(list, chain.summary(service)))


def test_pattern_and_parser_read_every_file_alike():
    for name in SERVICES:
        for path in sorted(services.get(name).versions_dir.glob('*.py')):
            text = path.read_text()
            assert files._scan(text) == files._parse(text, path), path.name


@pytest.mark.parametrize('text, expected', [
    ('"""One.\n\nTwo."""\nrevision = "046"\ndown_revision = \'045\'\n', ('046', '045', 'One.')),
    ('# c\n"""A\nB."""\nrevision: str = "046"  # id\ndown_revision: str | None = "045"\n',
     ('046', '045', 'A')),
    ('revision = "046"\ndown_revision = "045"\n', ('046', '045', '')),
    ('"""Tab\\there."""\nrevision = "046"\ndown_revision = "045"\n', ('046', '045', 'Tab\there.')),
    ('"""Tuple."""\nrevision = "046"\ndown_revision = ("044", "045")\n',
     ('046', ('044', '045'), 'Tuple.')),
])
def test_revision_file_forms(tmp_path, text, expected):
    path = tmp_path / '046_x.py'
    path.write_text(text)
    assert files.read_file(path) == expected


@pytest.mark.parametrize('text', [
    '"""Computed."""\nrevision = "0" + "46"\ndown_revision = "045"\n',
    '"""Branch."""\nrevision = "046"\ndown_revision = "045"\nif True:\n    revision = "047"\n',
    '"""Labels."""\nrevision = "046"\ndown_revision = "045"\nbranch_labels = ("x",)\n',
    '"""Broken."""\nrevision = "046"\ndown_revision = "045"\ndef (:\n',
    '"""No id."""\ndown_revision = "045"\n',
])
def test_files_in_doubt_are_left_to_alembic(tmp_path, text):
    path = tmp_path / '046_x.py'
    path.write_text(text)
    with pytest.raises(files.NotPlain):
        files.read_file(path)


@pytest.mark.parametrize('watching', (False, True))
def test_an_edited_chain_is_read_again(chain_copy, monkeypatch, watching):
    package, env = chain_copy
    if not watching:   # as where inotify is not available: every load scans
        monkeypatch.setattr(watch.Watch, 'on', classmethod(lambda cls, folder: None))
    service = types.SimpleNamespace(versions_dir=package / 'mistral' / 'versions')
    assert chain.load(service).heads == ['045']
    head = service.versions_dir / '046_new.py'
    head.write_text('"""New."""\nrevision = "046"\ndown_revision = "045"\n')
    assert chain.load(service).heads == ['046']
    head.write_text('"""Newer text."""\nrevision = "046"\ndown_revision = "045"\n')
    assert chain.load(service).ordered[0].description == 'Newer text.'
    head.unlink()
    assert chain.load(service).heads == ['045']


def test_a_watched_folder_that_did_not_change_is_not_scanned(chain_copy, monkeypatch):
    package, env = chain_copy
    service = types.SimpleNamespace(versions_dir=package / 'mistral' / 'versions')
    first = chain.load(service)
    scans = []
    scan = files.signature
    monkeypatch.setattr(files, 'signature', lambda folder: scans.append(folder) or scan(folder))
    assert chain.load(service) is first and scans == []
    (service.versions_dir / '045_add_scheduled_jobs_indexes.py').touch()
    assert chain.load(service).heads == first.heads and len(scans) == 1
    assert chain.load(service) and len(scans) == 1


def test_the_index_answers_only_for_the_files_it_was_made_from(chain_copy):
    package, env = chain_copy
    service = types.SimpleNamespace(versions_dir=package / 'mistral' / 'versions')
    assert chain.load(service).heads == ['045']
    index = pathlib.Path(index_module._index_path(service.versions_dir))
    kept = json.loads(index.read_text())
    # A new process, same files: the answer comes from the index (marked here).
    kept['revisions'][-1][2] = 'from the index'
    index.write_text(json.dumps(kept))
    chain._LOADED.clear()
    assert chain.load(service).ordered[0].description == 'from the index'
    # A file added by hand: the files win, and the index is rewritten.
    (service.versions_dir / '046_new.py').write_text(
        '"""New."""\nrevision = "046"\ndown_revision = "045"\n')
    chain._LOADED.clear()
    assert [r.description for r in chain.load(service).ordered[:2]] == [
        'New.', files.read_file(service.versions_dir / kept['revisions'][-1][3])[2]]
    assert json.loads(index.read_text())['revisions'][-1][:2] == ['046', '045']


def _forge(index, kept):
    """The index, rewritten to drop the head: it would answer 044."""
    forged = dict(kept, revisions=[r for r in kept['revisions'] if r[0] != '045'])
    index.write_text(json.dumps(forged))


def _link_elsewhere(index):
    elsewhere = index.parent.parent / 'elsewhere.json'
    index.rename(elsewhere)
    index.symlink_to(elsewhere)


@pytest.mark.parametrize('unsafe', [
    lambda index: index.parent.chmod(0o770),             # the group writes in the folder
    lambda index: os.chown(index.parent, 4242, 4242),    # another user's folder
    lambda index: index.chmod(0o666),                    # anybody writes the index
    lambda index: os.chown(index, 4242, 4242),           # another user's index
    lambda index: _link_elsewhere(index),                # a link to a file elsewhere
], ids=['group-writable-folder', 'folder-of-another-user', 'world-writable-index',
        'index-of-another-user', 'symlinked-index'])
def test_an_index_others_could_write_is_ignored(chain_copy, tmp_path, monkeypatch, unsafe):
    package, env = chain_copy
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))
    service = types.SimpleNamespace(versions_dir=package / 'mistral' / 'versions')
    assert chain.load(service).heads == ['045']
    index = pathlib.Path(index_module._index_path(service.versions_dir))
    assert index.parent.stat().st_mode & 0o777 == 0o700
    kept = json.loads(index.read_text())
    _forge(index, kept)
    chain._LOADED.clear()
    assert chain.load(service).heads == ['044']    # the index of the user's own cache answers
    unsafe(index)
    forged = index.read_bytes()
    chain._LOADED.clear()
    assert chain.load(service).heads == ['045']
    folder = index.parent.stat()
    if folder.st_uid != os.geteuid() or folder.st_mode & 0o022:
        assert index.read_bytes() == forged          # nothing written into a folder not ours
    else:                                            # a fresh index of the user's own
        assert not index.is_symlink() and index.stat().st_mode & 0o777 == 0o600
        assert index.stat().st_uid == os.geteuid() and index.read_bytes() != forged


def test_driver_reads_what_alembic_reads(backend, make_db):
    url = make_db(backend)
    reader = versions.Reader(url, 5)
    assert reader.direct
    assert reader.heads() == []                      # no alembic_version table yet
    inprocess.run('mistral', url, 'upgrade', revision='003')
    assert reader.heads() == ['003']                 # same connection, fresh read
    inprocess.run('mistral', url, 'upgrade', revision='+1')
    assert reader.heads() == ['004']
    reader.close()


SHOW_IMPORTS = '''
import json, sys
from dbmanage_cli import main
code = main.run(sys.argv[1], sys.argv[2:])
# oslo.db's option declarations are the [database] options (no SQLAlchemy).
heavy = sorted({m.split('.')[0] for m in set(sys.modules) - {'oslo_db', 'oslo_db.options'}}
               & {'sqlalchemy', 'alembic', 'tenacity', 'oslo_db', 'oslo_messaging'})
print(json.dumps([code, heavy]))
'''


@pytest.mark.parametrize('name', SERVICES)
def test_read_only_commands_import_neither_sqlalchemy_nor_alembic(name, backend, make_db, tmp_path):
    url = make_db(backend)
    inprocess.run(name, url, 'upgrade', revision='head')
    conf = conftest.write_config(tmp_path / 'c.conf', url)
    # ``current --verbose`` and ``--json current`` also ask who holds the
    # migration lock, which every kind of lock answers through SQLAlchemy.
    for args in (['current'], ['heads'], ['branches'],
                 ['check_migration'], ['history'], ['--json', 'history', '-r', 'base:head']):
        proc = subprocess.run([sys.executable, '-c', SHOW_IMPORTS, name, '--config-file',
                               str(conf)] + args, capture_output=True, text=True, cwd=tmp_path)
        code, heavy = json.loads(proc.stdout.strip().splitlines()[-1])
        assert (code, heavy) == (0, []), (args, proc.stderr)
