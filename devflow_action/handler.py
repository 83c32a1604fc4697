"""The one error handler of every entry point: an exception becomes an exit code (``exits.Exit``).

Bugs print a traceback (redacted) and exit 3; everything else is an expected failure with a plain
message: usage and configuration errors and GitHub's refusals exit 1, stops with work left exit 2
(GitHub's, and a state store that is required but unavailable).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable

from .diagnostics import ConfigError
from .exits import Exit, UsageError
from .github.errors import Refused, Stopped
from .ledger import StateUnavailable
from .redact import redact

Reporter = Callable[[Exit, str], None]
BUG_MESSAGE = "unexpected error (a bug in Devflow); the log has the traceback"


def exit_code_for(exc: BaseException) -> Exit:
    if isinstance(exc, KeyboardInterrupt):
        return Exit.INTERRUPTED
    if isinstance(exc, UsageError | ConfigError | Refused):
        return Exit.USER
    if isinstance(exc, Stopped | StateUnavailable):
        return Exit.STOPPED
    return Exit.BUG


def guarded(body: Callable[[], int], report: Reporter, print_traceback: Callable[[str], None]) -> int:
    """Run ``body``; an exception is reported through ``report(code, message)`` and mapped to its code.
    ``print_traceback`` receives the redacted traceback of a bug (never a summary)."""
    try:
        return int(body())
    except KeyboardInterrupt:
        return int(Exit.INTERRUPTED)
    except (UsageError, Refused, Stopped, StateUnavailable) as exc:
        code = exit_code_for(exc)
        report(code, redact(str(exc)))
        return int(code)
    except Exception:
        print_traceback(redact(traceback.format_exc()))
        report(Exit.BUG, BUG_MESSAGE)
        return int(Exit.BUG)
