"""``--shell_completion bash|zsh``: a completion script for the program.

oslo.config offers the option but its released packages lack the templates
it writes the script from; the script is written here from the same
argument parser (every option, command and command option, with choices,
files for paths and folders for directories).
"""
import argparse
import re

from dbmanage import commands
from dbmanage import config
from dbmanage import errors

SHELLS = ('bash', 'zsh')
OPTION = '--shell_completion'


def wanted(argv):
    """The shell a completion script is asked for, as oslo.config takes the
    option (first on the command line); None if none is."""
    if not argv or not argv[0].startswith(OPTION):
        return None
    shell = argv[0].partition('=')[2] or (argv[1] if len(argv) > 1 else '')
    if shell not in SHELLS:
        raise errors.UsageError('%s takes %s, not %r' % (OPTION, ' or '.join(SHELLS), shell))
    return shell


def parser(conf, service):
    """oslo.config's argument parser, filled with every option and command
    (it is filled while a command line is read: one that names a command
    without arguments, and no config file)."""
    plain = next(c.name for c in commands.COMMANDS.values()
                 if c.cli and c.available(service) and not any(a.required for a in c.args))
    conf([plain], project=service.project, prog=service.program, version=config.version(),
         default_config_files=[], default_config_dirs=[])
    return conf._oparser


class Option:
    def __init__(self, action):
        self.flags = list(action.option_strings)
        self.takes_value = action.nargs != 0
        # oslo.config checks choices itself, argparse does not know them
        self.choices = list(SHELLS) if OPTION in self.flags else \
            [str(c) for c in action.choices or ()]
        metavar = str(action.metavar or action.dest).upper()
        self.value = ('file' if metavar in ('PATH', 'FILE') else
                      'dir' if metavar.endswith('DIR') else 'word')
        self.help = ' '.join((action.help or '').split())


def _spec(parser):
    """(options, {command: (help, options)}) of an argparse parser."""
    options, found = [], {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or '' for a in action._choices_actions}
            for name, sub in action.choices.items():
                found[name] = (helps.get(name, ''), _spec(sub)[0])
        elif action.option_strings and action.help != argparse.SUPPRESS:
            options.append(Option(action))
    return options, found


def script(shell, prog, parser):
    options, found = _spec(parser)
    return (_bash if shell == 'bash' else _zsh)(prog, options, found)


def _function(prog):
    return '_' + re.sub(r'\W', '_', prog)


# -- bash ---------------------------------------------------------------------

def _bash_values(options):
    """``case`` branches completing the value of an option."""
    lines, seen = [], set()
    for option in options:
        if not option.takes_value or tuple(option.flags) in seen:
            continue
        seen.add(tuple(option.flags))
        if option.choices:
            action = 'COMPREPLY=($(compgen -W "%s" -- "$cur"))' % ' '.join(option.choices)
        elif option.value == 'file':
            action = 'COMPREPLY=($(compgen -f -- "$cur"))'
        elif option.value == 'dir':
            action = 'COMPREPLY=($(compgen -d -- "$cur"))'
        else:
            action = 'COMPREPLY=()'
        lines.append('        %s) %s; return ;;' % ('|'.join(option.flags), action))
    return lines


def _bash(prog, options, found):
    every = options + [o for _, subs in found.values() for o in subs]
    valued = sorted({f for o in every if o.takes_value for f in o.flags})
    words = sorted(f for o in options for f in o.flags) + sorted(found)
    lines = ['# bash completion for %s: source this file, or put it in' % prog,
             '# /usr/share/bash-completion/completions/%s' % prog,
             '%s() {' % _function(prog),
             '    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}',
             '    local command= i',
             '    case $prev in']
    lines += _bash_values(every)
    lines += ['    esac',
              '    for ((i = 1; i < COMP_CWORD; i++)); do',
              '        case ${COMP_WORDS[i]} in',
              '            %s) ((i++)) ;;' % '|'.join(valued),
              '            -*) ;;',
              '            *) command=${COMP_WORDS[i]}; break ;;',
              '        esac',
              '    done',
              '    case $command in',
              "        '') COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")) ;;" % ' '.join(words)]
    for name, (_, subs) in sorted(found.items()):
        flags = ' '.join(sorted(f for o in subs for f in o.flags))
        lines.append('        %s) COMPREPLY=($(compgen -W "%s" -- "$cur")) ;;' % (name, flags))
    lines += ['    esac',
              '}',
              'complete -F %s %s' % (_function(prog), prog)]
    return '\n'.join(lines)


# -- zsh ----------------------------------------------------------------------

def _zsh_text(text):
    """Help text as a zsh option description holds it."""
    text = re.split(r'(?<=\.)\s', text.replace('%%', '%'), maxsplit=1)[0]
    return re.sub(r"[\[\]:'\\`$]", '', text)[:100]


def _zsh_option(option):
    flags = option.flags
    names = flags[0] if len(flags) == 1 else '{%s}' % ','.join(flags)
    exclusive = '' if len(flags) == 1 else "'(%s)'" % ' '.join(flags)
    value = ''
    if option.takes_value:
        action = ('(%s)' % ' '.join(option.choices) if option.choices else
                  '_files' if option.value == 'file' else
                  '_files -/' if option.value == 'dir' else ' ')
        value = ':%s:%s' % (option.value, action)
    return "%s%s'[%s]%s'" % (exclusive, names, _zsh_text(option.help), value)


def _zsh(prog, options, found):
    function = _function(prog)
    lines = ['#compdef %s' % prog,
             '# zsh completion for %s: put it in a folder of $fpath as _%s,' % (prog, prog),
             '# or source it after compinit',
             '%s() {' % function,
             '    local curcontext=$curcontext state line',
             '    _arguments -C \\']
    lines += ['        %s \\' % _zsh_option(o) for o in options]
    lines += ["        '1:command:->command' \\",
              "        '*::argument:->argument' && return",
              '    case $state in',
              '        command)',
              '            local -a names',
              '            names=(']
    lines += ["                '%s:%s'" % (name, _zsh_text(text))
              for name, (text, _) in sorted(found.items())]
    lines += ['            )',
              "            _describe command names ;;",
              '        argument)',
              '            case $line[1] in']
    for name, (_, subs) in sorted(found.items()):
        lines.append('                %s) _arguments %s ;;' % (
            name, ' '.join(_zsh_option(o) for o in subs)))
    lines += ['            esac ;;',
              '    esac',
              '}',
              'if [[ $funcstack[1] == %s ]]; then' % function,
              '    %s "$@"' % function,
              'else',
              '    compdef %s %s' % (function, prog),
              'fi']
    return '\n'.join(lines)
