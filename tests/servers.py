"""The servers the test suite talks to: given, or private ones it starts.

Each ``DBMANAGE_TEST_*_URL`` in ``VARIABLES`` that is set names an existing
server. For each one that is not, ``start_missing`` starts a private server
from the Debian packages' binaries on free loopback ports, in one temporary
folder, and exports the variable, so pytest-xdist workers (started later)
inherit it. The conftest does that once, in the process that runs the
session, and ``stop`` ends the servers and removes the folder.

Start-up runs in parallel: the data folders are made in threads, the servers
launched from the main thread (the parent-death signal they get from
``setpriv`` follows the thread that started them, so a killed test run takes
its servers with it), then all are probed until they answer a real request.
A server that exits, or does not answer in ``START_TIMEOUT`` seconds, stops
the run with the tail of its log; one that lost a race for its port is
started again on new ones.

The servers trade durability for speed (no fsync): their data is thrown away.

    python -m tests.servers COMMAND...   # runs COMMAND with private servers
"""
import concurrent.futures
import os
import pathlib
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

START_TIMEOUT = 120
STOP_TIMEOUT = 30
FOLDER_PREFIX = 'dbmanage-servers-'
ADDRESS_IN_USE = re.compile(r'(?i)address already in use|eaddrinuse')
CTL_VARIABLE = 'DBMANAGE_TEST_RABBITMQCTL'
SEARCH_PATH = os.pathsep.join([os.environ.get('PATH', ''), '/usr/sbin', '/usr/bin'])


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def program(name, *candidates):
    """The path of a server program: the first candidate path that exists, or
    ``name`` on the PATH (and /usr/sbin)."""
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    found = shutil.which(name, path=SEARCH_PATH)
    if not found:
        raise StartError('%s not found: install its Debian package (docs/testing.md)' % name)
    return found


class StartError(Exception):
    pass


class Server:
    """One private server. ``prepare`` makes its data (in any thread),
    ``launch`` starts it (from the main thread), ``ready`` probes it once."""

    name = variable = None
    run_as = None           # the system user it runs as when the tests run as root
    stop_signal = signal.SIGTERM

    def __init__(self, base):
        self.dir = base / self.name
        self.dir.mkdir()
        self.log = self.dir / 'server.log'
        self.proc = None
        self.ready_after = None
        self.pick_ports()
        if self.run_as and os.geteuid() == 0:
            try:
                entry = pwd.getpwnam(self.run_as)
            except KeyError:
                raise StartError('%s runs as the system user %s, which does not exist'
                                 % (self.name, self.run_as)) from None
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)

    def pick_ports(self):
        self.port = free_port()

    def prepare(self):
        pass

    def argv(self):
        raise NotImplementedError

    def env(self):
        return dict(os.environ)

    def url(self):
        raise NotImplementedError

    def ready(self):
        raise NotImplementedError

    def as_user(self, argv, pdeathsig=False):
        """argv run as ``run_as`` when we are root, and killed with its parent
        if asked (both through util-linux's setpriv)."""
        setpriv = shutil.which('setpriv', path=SEARCH_PATH)
        switch = os.geteuid() == 0 and self.run_as
        if switch and not setpriv:
            raise StartError('setpriv (util-linux) is needed to run %s as %s'
                             % (self.name, self.run_as))
        prefix = ['--reuid', self.run_as, '--regid', self.run_as, '--init-groups'] if switch else []
        prefix += ['--pdeathsig', 'KILL'] if pdeathsig and setpriv else []
        return [setpriv] + prefix + ['--'] + argv if prefix else argv

    def run(self, argv, what):
        """A preparation step; its output is the error if it fails."""
        proc = subprocess.run(self.as_user(argv), cwd=self.dir, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=START_TIMEOUT)
        if proc.returncode:
            raise StartError('%s: %s failed (exit %d):\n%s' % (
                self.name, what, proc.returncode, tail(proc.stdout + proc.stderr)))

    def launch(self):
        with open(self.log, 'ab') as log:
            self.proc = subprocess.Popen(
                self.as_user(self.argv(), pdeathsig=True), cwd=self.dir, env=self.env(),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

    def exited(self):
        return self.proc is not None and self.proc.poll() is not None

    def signal_stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(self.stop_signal)

    def reap(self):
        """Waits for the server; its whole process group is killed if it lingers."""
        if self.proc is None:
            return
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def failure(self, why):
        return StartError('%s %s; the end of %s:\n%s' % (
            self.name, why, self.log, tail(self.log.read_text(errors='replace'))))


def tail(text, lines=25):
    return '\n'.join(text.rstrip().splitlines()[-lines:])


class MariaDB(Server):
    name, variable = 'mariadb', 'DBMANAGE_TEST_MYSQL_URL'

    def prepare(self):
        user = pwd.getpwuid(os.geteuid()).pw_name
        # Debian's server settings that the results depend on (character set).
        (self.dir / 'my.cnf').write_text('\n'.join([
            '[mysqld]', 'user = %s' % user, 'datadir = %s/data' % self.dir,
            'tmpdir = %s' % self.dir, 'socket = %s/mysqld.sock' % self.dir,
            'pid-file = %s/mysqld.pid' % self.dir, 'bind-address = 127.0.0.1',
            'skip-name-resolve', 'character-set-server = utf8mb4',
            'collation-server = utf8mb4_general_ci', 'performance_schema = OFF',
            'innodb_flush_log_at_trx_commit = 0', 'innodb_doublewrite = 0', '']))
        self.run([program('mariadb-install-db'), '--defaults-file=%s/my.cnf' % self.dir,
                  '--auth-root-authentication-method=normal', '--skip-test-db'],
                 'mariadb-install-db')

    def argv(self):
        return [program('mariadbd', '/usr/sbin/mariadbd'),
                '--defaults-file=%s/my.cnf' % self.dir, '--port=%d' % self.port]

    def url(self):
        return 'mysql+pymysql://root@127.0.0.1:%d' % self.port

    def ready(self):
        import pymysql
        try:
            pymysql.connect(host='127.0.0.1', port=self.port, user='root',
                            connect_timeout=1).close()
            return True
        except pymysql.MySQLError:
            return False


def _postgresql_bin():
    """The newest PostgreSQL's server programs (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(pathlib.Path('/usr/lib/postgresql').glob('*/bin/initdb'),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if found:
        return found[-1].parent
    return pathlib.Path(program('initdb')).parent


class PostgreSQL(Server):
    name, variable = 'postgresql', 'DBMANAGE_TEST_PG_URL'
    run_as = 'postgres'     # the server refuses to run as root
    stop_signal = signal.SIGINT     # fast shutdown: does not wait for clients

    def prepare(self):
        self.run([str(_postgresql_bin() / 'initdb'), '-D', str(self.dir / 'data'),
                  '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8',
                  '--no-sync', '--no-instructions'], 'initdb')

    def argv(self):
        return [str(_postgresql_bin() / 'postgres'), '-D', str(self.dir / 'data'),
                '-p', str(self.port), '-c', 'listen_addresses=127.0.0.1',
                '-c', 'unix_socket_directories=%s' % self.dir,
                '-c', 'fsync=off', '-c', 'synchronous_commit=off',
                '-c', 'full_page_writes=off']

    def url(self):
        return 'postgresql+psycopg2://postgres@127.0.0.1:%d' % self.port

    def ready(self):
        import psycopg2
        try:
            psycopg2.connect(host='127.0.0.1', port=self.port, user='postgres',
                             dbname='postgres', connect_timeout=1).close()
            return True
        except psycopg2.OperationalError:
            return False


class Redis(Server):
    name, variable = 'redis', 'DBMANAGE_TEST_REDIS_URL'

    def argv(self):
        return [program('redis-server'), '--port', str(self.port), '--bind', '127.0.0.1',
                '--save', '', '--appendonly', 'no', '--dir', str(self.dir)]

    def url(self):
        return 'redis://127.0.0.1:%d' % self.port

    def ready(self):
        try:
            with socket.create_connection(('127.0.0.1', self.port), timeout=1) as sock:
                sock.sendall(b'PING\r\n')
                return sock.recv(16).startswith(b'+PONG')
        except OSError:
            return False


class RabbitMQ(Server):
    """A broker node of its own: node name, AMQP and distribution ports, data,
    config and Erlang cookie (its HOME), and an epmd of its own, so that its
    ``rabbitmqctl -n`` reaches it and nothing else.

    The package's script runs the VM as its child unless input is allowed;
    allowed (with the VM told ``-noinput``), the script execs the VM, so the
    process started here is the broker itself."""
    name, variable = 'rabbitmq', 'DBMANAGE_TEST_RABBIT_URL'
    node = 'dbmanage@localhost'
    SBIN = '/usr/lib/rabbitmq/bin'  # Debian's /usr/sbin scripts switch to the rabbitmq user

    def __init__(self, base):
        super().__init__(base)
        self.epmd = None

    def pick_ports(self):
        self.port, self.dist_port, self.epmd_port = free_port(), free_port(), free_port()

    def prepare(self):
        for folder in ('home', 'mnesia'):
            (self.dir / folder).mkdir(exist_ok=True)
        (self.dir / 'rabbitmq-env.conf').write_text('')
        (self.dir / 'enabled_plugins').write_text('[].\n')
        (self.dir / 'rabbitmq.conf').write_text('')

    def ctl_env(self):
        """What both the broker and its rabbitmqctl need to find each other."""
        return {'HOME': str(self.dir / 'home'), 'ERL_EPMD_PORT': str(self.epmd_port),
                'RABBITMQ_CONF_ENV_FILE': str(self.dir / 'rabbitmq-env.conf')}

    def ctl_command(self):
        return ['env'] + ['%s=%s' % kv for kv in self.ctl_env().items()] + [
            program('rabbitmqctl', self.SBIN + '/rabbitmqctl'), '-n', self.node]

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(('RABBITMQ_', 'ERL_'))}
        return {**env, **self.ctl_env(),
                'ERL_EPMD_ADDRESS': '127.0.0.1',
                'RABBITMQ_NODENAME': self.node,
                'RABBITMQ_NODE_IP_ADDRESS': '127.0.0.1',
                'RABBITMQ_NODE_PORT': str(self.port),
                'RABBITMQ_DIST_PORT': str(self.dist_port),
                'RABBITMQ_CONFIG_FILE': str(self.dir / 'rabbitmq.conf'),
                'RABBITMQ_ADVANCED_CONFIG_FILE': str(self.dir / 'advanced.config'),
                'RABBITMQ_ENABLED_PLUGINS_FILE': str(self.dir / 'enabled_plugins'),
                'RABBITMQ_MNESIA_BASE': str(self.dir / 'mnesia'),
                'RABBITMQ_LOG_BASE': str(self.dir),
                'RABBITMQ_LOGS': '-',
                'RABBITMQ_PID_FILE': str(self.dir / 'rabbitmq.pid'),
                'RABBITMQ_ALLOW_INPUT': '1',
                'RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS':
                    '-noinput -kernel inet_dist_use_interface {127,0,0,1}'}

    def argv(self):
        return [program('rabbitmq-server', self.SBIN + '/rabbitmq-server')]

    def launch(self):
        with open(self.log, 'ab') as log:
            self.epmd = subprocess.Popen(
                self.as_user([program('epmd'), '-port', str(self.epmd_port),
                              '-address', '127.0.0.1'], pdeathsig=True),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        super().launch()

    def exited(self):
        return super().exited() or (self.epmd is not None and self.epmd.poll() is not None)

    def reap(self):
        super().reap()
        if self.epmd is not None:
            self.epmd.terminate()
            self.epmd.wait()

    def url(self):
        return 'rabbit://guest:guest@127.0.0.1:%d/' % self.port

    def ready(self):
        try:
            socket.create_connection(('127.0.0.1', self.port), timeout=1).close()
        except OSError:
            return False
        # The listener opens last; await_startup also proves the CLI reaches the node.
        proc = subprocess.run(self.ctl_command() + ['await_startup'], capture_output=True,
                              text=True, timeout=START_TIMEOUT)
        if proc.returncode:
            raise self.failure('is not reached by rabbitmqctl: %s' % tail(proc.stderr, 8))
        return True


VARIABLES = {kind.variable: kind for kind in (MariaDB, PostgreSQL, RabbitMQ, Redis)}


def sweep():
    """Removes the folders of earlier runs whose process is gone (a killed run,
    or one whose servers failed to start and left their logs)."""
    for folder in pathlib.Path(tempfile.gettempdir()).glob(FOLDER_PREFIX + '*'):
        pid = folder.name[len(FOLDER_PREFIX):].split('-')[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass


class Servers:
    """The private servers of one run, started together."""

    def __init__(self, kinds):
        sweep()
        self.base = pathlib.Path(tempfile.mkdtemp(prefix='%s%d-' % (FOLDER_PREFIX, os.getpid())))
        os.chmod(self.base, 0o755)   # a server may run as its own user
        try:
            self.servers = [kind(self.base) for kind in kinds]
        except BaseException:
            shutil.rmtree(self.base, ignore_errors=True)
            raise
        self.started = time.monotonic()

    def start(self):
        """Starts them all; raises StartError (after stopping them) if one fails."""
        try:
            with concurrent.futures.ThreadPoolExecutor(len(self.servers)) as pool:
                self._wait({pool.submit(s.prepare): s for s in self.servers})
        except BaseException:
            self.stop(keep=True)   # the logs stay until a later run sweeps them
            raise
        return self

    def _wait(self, preparing):
        """Launches each server once its data is made (from this thread), and
        probes the launched ones until all answer."""
        pending, relaunches = list(self.servers), 0
        deadline = time.monotonic() + START_TIMEOUT
        while pending:
            for future in [f for f in preparing if f.done()]:
                future.result()
                preparing.pop(future).launch()
            for server in [s for s in pending if s.proc is not None]:
                if server.exited():
                    log = server.log.read_text(errors='replace')
                    if ADDRESS_IN_USE.search(log) and relaunches < 3:
                        relaunches += 1
                        server.signal_stop()
                        server.reap()
                        server.pick_ports()
                        server.launch()
                        continue
                    raise server.failure('exited during start-up')
                if server.ready():
                    server.ready_after = time.monotonic() - self.started
                    pending.remove(server)
            if pending and time.monotonic() > deadline:
                raise pending[0].failure('did not answer within %d s' % START_TIMEOUT)
            time.sleep(0.05)

    def export(self, environ=os.environ):
        for server in self.servers:
            environ[server.variable] = server.url()
            if isinstance(server, RabbitMQ):
                environ[CTL_VARIABLE] = shlex.join(server.ctl_command())

    def summary(self):
        return 'private test servers in %s: %s' % (self.base, ', '.join(
            '%s :%d %.1f s' % (s.name, s.port, s.ready_after) for s in self.servers))

    def stop(self, keep=False):
        for server in self.servers:
            server.signal_stop()
        for server in self.servers:
            server.reap()
        if not keep:
            shutil.rmtree(self.base, ignore_errors=True)


def start_missing(environ=os.environ):
    """Starts a server for each variable missing from environ and exports it;
    returns the Servers (None when every variable is set)."""
    kinds = [kind for variable, kind in VARIABLES.items() if not environ.get(variable)]
    if not kinds:
        return None
    servers = Servers(kinds).start()
    servers.export(environ)
    return servers


def rabbitmqctl(*args, timeout=60):
    """rabbitmqctl against the broker in use: the private one, or the one
    ``DBMANAGE_TEST_RABBITMQCTL`` names (default: plain ``rabbitmqctl``)."""
    argv = shlex.split(os.environ.get(CTL_VARIABLE) or 'rabbitmqctl') + [str(a) for a in args]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, '%s: %s' % (shlex.join(argv), proc.stderr)
    return proc.stdout


def sql_client(url):
    """(argv, env) of the server's own command-line client (``mysql`` or
    ``psql``) connected to url's server and database over TCP."""
    import sqlalchemy as sa
    url = sa.engine.make_url(url)
    if url.get_backend_name() in ('mysql', 'mariadb'):
        argv = ['mysql', '--protocol=TCP', '-h', url.host, '-P', str(url.port or 3306),
                '-u', url.username]
        env = {'MYSQL_PWD': url.password} if url.password else {}
    else:
        argv = ['psql', '-q', '-h', url.host, '-p', str(url.port or 5432), '-U', url.username,
                '-v', 'ON_ERROR_STOP=1']
        env = {'PGPASSWORD': url.password} if url.password else {}
    return argv + [url.database], {**os.environ, **env}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print('usage: python -m tests.servers COMMAND...', file=sys.stderr)
        return 2
    servers = start_missing()
    if servers:
        print(servers.summary(), file=sys.stderr)
    try:
        return subprocess.run(argv).returncode
    finally:
        if servers:
            servers.stop()


if __name__ == '__main__':
    sys.exit(main())
