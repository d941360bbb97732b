"""The deployment files: the agent's system user and unit, the container
image, and the Kubernetes manifests' commands run as they are written."""
import configparser
import shutil
import subprocess
import uuid

import pytest
import yaml

from tests import conftest

ETC = conftest.ROOT / 'etc'
KUBERNETES = conftest.ROOT / 'deploy' / 'kubernetes'
IMAGE = 'registry.example.org/dbmanage:'


def test_sysusers_creates_the_user_the_unit_runs_as(tmp_path):
    (tmp_path / 'etc').mkdir()
    proc = subprocess.run(['systemd-sysusers', '--root', str(tmp_path),
                           str(ETC / 'dbmanage.sysusers')], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    users = {line.split(':')[0]: line.split(':') for line in
             (tmp_path / 'etc' / 'passwd').read_text().splitlines()}
    unit = configparser.ConfigParser(interpolation=None)
    unit.read(ETC / 'dbmanage-agent.service')
    user = unit['Service']['User']
    assert users[user][6] == '/usr/sbin/nologin'
    groups = [line.split(':')[0] for line in (tmp_path / 'etc' / 'group').read_text().splitlines()]
    assert unit['Service']['Group'] in groups


def _manifests():
    return {path.name: list(yaml.safe_load_all(path.read_text()))
            for path in sorted(KUBERNETES.glob('*.yaml'))}


def _ours(manifest):
    """The containers of a workload that run dbmanage's image."""
    spec = manifest['spec']['template']['spec']
    return [c for c in spec.get('initContainers', []) + spec['containers']
            if c['image'].startswith(IMAGE)]


def test_the_manifests_run_the_migration_and_wait_for_it():
    found = {doc['kind']: doc for docs in _manifests().values() for doc in docs}
    job, = _ours(found['Job'])
    assert job['command'] == ['mistral-db-manage', 'upgrade', 'head']
    wait, = _ours(found['Deployment'])
    assert wait in found['Deployment']['spec']['template']['spec']['initContainers']
    assert wait['command'][:4] == ['mistral-db-manage', 'wait', '--revision', 'head']
    for container in (job, wait):
        assert {'name': 'mistral-etc', 'mountPath': '/etc/mistral', 'readOnly': True} in \
            container['volumeMounts']
    assert 'mistral.conf' in found['Secret']['stringData']


def test_the_manifests_commands_run_with_the_secrets_config(cli, make_db, tmp_path):
    """The Job's and the init container's commands as written, with the
    Secret's config file where the program looks by default (the pod has it
    in /etc/mistral/, this test in ~/.mistral/) and a test database."""
    docs = [doc for docs in _manifests().values() for doc in docs]
    secret, = [doc for doc in docs if doc['kind'] == 'Secret']
    config = configparser.ConfigParser(interpolation=None)
    config.read_string(secret['stringData']['mistral.conf'])
    config['database']['connection'] = make_db('mysql')
    home = tmp_path / 'home'
    (home / '.mistral').mkdir(parents=True)
    with open(home / '.mistral' / 'mistral.conf', 'w') as out:
        config.write(out)
    for kind in ('Job', 'Deployment'):
        workload, = [doc for doc in docs if doc['kind'] == kind]
        for container in _ours(workload):
            program, *args = container['command']
            proc = cli.run(program.removesuffix('-db-manage'), *args, env={'HOME': str(home)})
            assert proc.returncode == 0, (kind, proc.stderr)


def _builder():
    """A container builder that works here, or why there is none."""
    why = []
    for tool in ('docker', 'podman', 'buildah'):
        if not shutil.which(tool):
            why.append('%s: not installed' % tool)
            continue
        probe = subprocess.run([tool, 'info'], capture_output=True, text=True)
        if probe.returncode == 0:
            return tool, None
        last = (probe.stderr.strip().splitlines() or ['exit %d' % probe.returncode])[-1]
        why.append('%s: %s' % (tool, last))
    return None, '; '.join(why)


def test_the_container_image_builds_and_runs():
    tool, why = _builder()
    if tool is None:
        # The one test that depends on a tool rather than a service.
        pytest.skip('no container builder works on this machine (%s)' % why)
    tag = 'dbmanage-test:%s' % uuid.uuid4().hex[:8]
    build = subprocess.run([tool, 'build', '-t', tag, str(conftest.ROOT)],
                           capture_output=True, text=True, timeout=1800)
    assert build.returncode == 0, build.stderr[-3000:]
    try:
        for command in (['mistral-db-manage', '--version'], ['dbmanage-agent', '--version'],
                        ['lbaas-db-manage', 'upgrade', 'head']):
            run = subprocess.run([tool, 'run', '--rm', tag, *command], capture_output=True,
                                 text=True, timeout=300)
            assert run.returncode == 0, (command, run.stderr)
    finally:
        subprocess.run([tool, 'rmi', '-f', tag], capture_output=True)
