"""The one error handler of every entry point: an exception becomes an exit code (``exits.Exit``).

Bugs print a traceback (redacted) and exit 3; everything else is an expected failure with a plain
message: usage and configuration errors and GitHub's refusals exit 1, stops with work left exit 2
(GitHub's, and a state store that is required but unavailable).
Output that cannot be written is the environment's doing, not a bug, and is handled as the standard
tools handle it: a closed pipe (``devflow plan ... | head -1``) ends the command quietly with 141, the
status of a tool killed by SIGPIPE; a full disk or a read-only file is one line, ``write error: ...``,
and exit 1, as ``cat`` and ``echo`` do.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from collections.abc import Callable

from .diagnostics import ConfigError
from .exits import Exit, UsageError
from .github.errors import Refused, Stopped
from .ledger import StateUnavailable
from .redact import redact

Reporter = Callable[[Exit, str], None]
BUG_MESSAGE = "unexpected error (a bug in Devflow); the log has the traceback"
# Errors that only writing produces: the disk, the quota or the file system refused the output.
WRITE_FAILURES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


def exit_code_for(exc: BaseException) -> Exit:
    if isinstance(exc, KeyboardInterrupt):
        return Exit.INTERRUPTED
    if isinstance(exc, BrokenPipeError):
        return Exit.BROKEN_PIPE
    if isinstance(exc, UsageError | ConfigError | Refused) or _write_failure(exc):
        return Exit.USER
    if isinstance(exc, Stopped | StateUnavailable):
        return Exit.STOPPED
    return Exit.BUG


def guarded(body: Callable[[], int], report: Reporter, print_traceback: Callable[[str], None]) -> int:
    """Run ``body``; an exception is reported through ``report(code, message)`` and mapped to its code.
    ``print_traceback`` receives the redacted traceback of a bug (never a summary)."""
    try:
        code = int(body())
        if sys.stdout is not None:
            sys.stdout.flush()  # buffered output fails here, where it is handled, not at interpreter exit
        return code
    except KeyboardInterrupt:
        return int(Exit.INTERRUPTED)
    except BrokenPipeError:  # the reader has gone (`| head`): nobody is left to tell
        _release_stdout()
        return int(Exit.BROKEN_PIPE)
    except (UsageError, Refused, Stopped, StateUnavailable) as exc:
        code = exit_code_for(exc)
        report(code, redact(str(exc)))
        return int(code)
    except Exception as exc:
        if _write_failure(exc):
            assert isinstance(exc, OSError)
            _release_stdout()
            where = f" to {exc.filename}" if exc.filename else ""
            message = redact(f"write error{where}: {exc.strerror}")
            _quietly(lambda: report(Exit.USER, message))
            return int(Exit.USER)
        print_traceback(redact(traceback.format_exc()))
        report(Exit.BUG, BUG_MESSAGE)
        return int(Exit.BUG)


def _write_failure(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in WRITE_FAILURES


def _release_stdout() -> None:
    """If standard output cannot take what is still buffered, point it at /dev/null (as Python's
    documentation advises for SIGPIPE), so the interpreter's last flush does not fail a second time
    with "Exception ignored ... BrokenPipeError" and exit 120."""
    if sys.stdout is None:
        return
    try:
        sys.stdout.flush()
        return
    except OSError:
        pass
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (a test's capture): nothing to do
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _quietly(action: Callable[[], None]) -> None:
    """Report a write failure where possible; the message's own stream may be the one that failed."""
    try:
        action()
    except OSError:
        _release_stdout()
