"""The options of console programs, as their ``--help`` lists them.

For each program: the options of its ``--help``, its commands (from the
usage line) and each command's options (``PROGRAM COMMAND --help``). The
programs run through their ``console_scripts`` entry point in the given
Python's environment. ``tests/data/upstream_cli_options.json`` was written
by this, from a virtual environment with ``pip install mistral==23.0.0
octavia==19.0.0``:

    .venv/bin/python tools/cli_options.py --python /path/to/venv/bin/python \\
        mistral:mistral-db-manage octavia:octavia-db-manage \\
        > tests/data/upstream_cli_options.json

(``PACKAGE:PROGRAM``: the distribution whose version is recorded, and its
program.)
"""
import argparse
import json
import re
import subprocess
import sys

# Runs a console script by name, as its wrapper in bin/ would.
LAUNCH = ('import sys\n'
          'from importlib import metadata\n'
          'prog = sys.argv[0] = sys.argv.pop(1)\n'
          'found = metadata.entry_points(group="console_scripts", name=prog)\n'
          'sys.exit(next(iter(found)).load()())\n')
VERSION = 'import sys; from importlib import metadata; print(metadata.version(sys.argv[1]))'


def help_text(python, program, *args):
    # Isolated (-I), from the root folder: no project folder's metadata
    # on the path offers a program of the same name.
    proc = subprocess.run([python, '-I', '-c', LAUNCH, program, *args, '--help'],
                          capture_output=True, text=True, timeout=120, cwd='/')
    if proc.returncode != 0:
        raise RuntimeError('%s %s --help: exit %d: %s' % (
            program, ' '.join(args), proc.returncode, proc.stderr.strip()[-500:]))
    return proc.stdout


def options(text):
    """Every option string of a --help text (``-d``, ``--debug``, aliases)."""
    found, inside = [], False
    for line in text.splitlines():
        if re.match(r'^(options|optional arguments):$', line):
            inside = True
        elif inside and line and not line.startswith(' '):
            inside = False
        elif inside and re.match(r'^  -', line):
            invocation = re.split(r'\s{2,}', line.strip())[0]
            found += [part.split()[0] for part in invocation.split(', ')]
    return sorted(set(found))


def commands(text):
    """The commands of the usage line's ``{a,b,c}``."""
    usage = text.split('\n\n')[0]
    found = re.search(r'\{([\w,-]+)\}', usage)
    return sorted(found.group(1).split(',')) if found else []


def describe(python, program):
    top = help_text(python, program)
    return {'options': options(top),
            'commands': {name: options(help_text(python, program, name))
                         for name in commands(top)}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--python', default=sys.executable,
                        help='the interpreter of the environment the programs are installed in')
    parser.add_argument('programs', nargs='+', metavar='PACKAGE:PROGRAM')
    args = parser.parse_args()
    found = {'produced_by': 'tools/cli_options.py --python <that environment> '
                            + ' '.join(args.programs),
             'source': {}, 'programs': {}}
    for given in args.programs:
        package, program = given.split(':')
        version = subprocess.run([args.python, '-I', '-c', VERSION, package],
                                 capture_output=True, text=True, check=True,
                                 cwd='/').stdout.strip()
        found['source'][program] = {'package': package, 'version': version}
        found['programs'][program] = describe(args.python, program)
    print(json.dumps(found, indent=1, sort_keys=True))


if __name__ == '__main__':
    main()
