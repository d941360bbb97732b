"""Errors every command may end with, each carrying the exit code it maps to.

The exit codes are part of the interface automation relies on:

====  ==========================================
code  meaning
====  ==========================================
0     success
1     the operation failed (database error, unreachable database)
2     usage: bad arguments, unknown revision, missing config file
3     the migration lock could not be had in time
4     the message broker, the agent or the coordinator could not be reached
5     check_migration found more than one head or a broken chain
6     wait timed out before the database reached the revision
7     the migration lock was lost during the run (stopped before the next
      revision, or statement on Galera)
8     plan: pending work blocks writes on a non-empty table or breaks
      running code (not an error: the plan is printed)
9     the schema differs from its revision's: verify found drift, upgrade
      stopped before its first statement, adopt found no revision to stamp
====  ==========================================
"""

OK = 0
FAILED = 1
USAGE = 2
LOCK_TIMEOUT = 3
UNREACHABLE = 4
CHECK_FAILED = 5
WAIT_TIMEOUT = 6
LOCK_LOST = 7
PLAN_BLOCKS = 8
DRIFTED = 9


class DbManageError(Exception):
    """An expected failure: one line for the operator, and an exit code."""

    exit_code = FAILED

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class OperationFailed(DbManageError):
    exit_code = FAILED


class UsageError(DbManageError):
    exit_code = USAGE


class LockTimeout(DbManageError):
    exit_code = LOCK_TIMEOUT


class Unreachable(DbManageError):
    exit_code = UNREACHABLE


class CheckFailed(DbManageError):
    exit_code = CHECK_FAILED


class WaitTimeout(DbManageError):
    exit_code = WAIT_TIMEOUT


class LockLost(DbManageError):
    exit_code = LOCK_LOST


class Drifted(DbManageError):
    exit_code = DRIFTED


BY_EXIT_CODE = {cls.exit_code: cls for cls in (
    OperationFailed, UsageError, LockTimeout, Unreachable, CheckFailed,
    WaitTimeout, LockLost, Drifted)}
