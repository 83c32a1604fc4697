"""Why RE2 refused a pattern, in plain words: RE2's verdict decides, Python's ``re`` only locates.

RE2 reports ``<what>: <fragment>`` (``invalid perl operator: (?=``). A feature RE2 leaves out on
purpose (backreferences, lookaround, possessive quantifiers, ``\\Z``, counts over 1000) gets its own
sentence with the fix. A plain syntax error (an unclosed group) takes Python's message when Python
finds the same kind of error, because Python's says where it is (``at position 3``); otherwise RE2's.
Python's ``re`` never decides: it rejects valid RE2 such as ``\\p{Greek}`` or ``(?<name>...)``.
"""

from __future__ import annotations

import re
import warnings

MAX_REPEAT = 1000  # RE2's limit on a {n,m} count, nested counts multiplied

# RE2's syntax errors and the start of Python's message for the same kind of error.
_SAME_KIND = {
    "missing )": "missing ), unterminated subpattern",
    "unexpected )": "unbalanced parenthesis",
    "missing ]": "unterminated character set",
    "invalid character class range": "bad character range",
    "trailing \\": "bad escape (end of pattern)",
    "no argument for repetition operator": "nothing to repeat",
    "bad repetition operator": "multiple repeat",
    "invalid repetition size": "min repeat greater than max repeat",
}
_LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")
_LINEAR = "which cannot run in linear time, so RE2 does not support it"
_REPEAT = re.compile(r"\{(\d+)(?:,(\d*))?\}")


def _python_error(pattern: str) -> str | None:
    with warnings.catch_warnings():  # "possible nested set" and the like: not the user's concern here
        warnings.simplefilter("ignore")
        try:
            re.compile(pattern)
        except re.error as exc:
            return str(exc)
        except (OverflowError, RecursionError, ValueError):
            return None
    return None


def explain(pattern: str, re2_message: str) -> str:
    """The message for a pattern RE2 refused with ``re2_message``."""
    code, _, arg = re2_message.partition(": ")
    if code == "invalid escape sequence" and re.fullmatch(r"\\[1-9]|\\[gk]", arg):
        return f"regular expression uses a backreference ('{arg}'), {_LINEAR}"
    if code == "invalid escape sequence" and arg == "\\Z":
        return "regular expression uses '\\Z', which RE2 does not support; write '\\z' for the end of the text"
    if code == "invalid perl operator":
        if arg in _LOOKAROUND:
            return f"regular expression uses lookaround ('{arg}'), {_LINEAR}; match the surrounding text instead"
        if arg == "(?>":
            return (
                "regular expression uses an atomic group ('(?>'), which RE2 does not need: it never backtracks; "
                "write '(?:'"
            )
        if arg == "(?P" and "(?P=" in pattern:
            return f"regular expression uses a backreference ('(?P='), {_LINEAR}"
    if code == "bad repetition operator" and len(arg) >= 2 and arg.endswith("+"):
        return (
            f"regular expression uses a possessive quantifier ('{arg}'), which RE2 does not need: it never "
            f"backtracks; write '{arg[:-1]}'"
        )
    if code == "invalid repetition size":
        counts = [int(n) for n in re.findall(r"\d+", arg)]
        if any(n > MAX_REPEAT for n in counts):
            return repeat_too_large(arg)
        if not (len(counts) == 2 and counts[0] > counts[1]):
            return (
                f"regular expression repeats more than {MAX_REPEAT} times in all ('{arg}' inside another "
                f"repetition: the counts multiply), RE2's limit; use smaller counts, or '+' or '*'"
            )
    if code.startswith("pattern too large"):
        return "regular expression is too large for RE2 to compile; shorten it or use smaller repetition counts"
    python = _python_error(pattern)
    if python and code in _SAME_KIND and python.startswith(_SAME_KIND[code]):
        return f"invalid regular expression: {python}"
    if code == "missing )":  # RE2's fragment is then the whole pattern: no help
        return "invalid regular expression: missing ')': a group is not closed"
    if code == "unexpected )":
        return "invalid regular expression: unexpected ')': it closes no group"
    if code == "invalid character class range" and arg.startswith(("\\p", "\\P", "[:")):
        return f"invalid regular expression: unknown character class ('{arg}')"
    if code == "invalid perl operator":
        return (
            f"invalid regular expression: unknown flag or group ('{arg}'); RE2 has the flags i, m, s and U "
            "and the groups (?:...), (?P<name>...) and (?<name>...)"
        )
    return f"invalid regular expression: {code}" + (f" ('{arg}')" if arg else "")


def repeat_too_large(fragment: str) -> str:
    return (
        f"regular expression repeats more than {MAX_REPEAT} times ('{fragment}'), RE2's limit; "
        "use a smaller count, or '+' or '*' for any number"
    )


def huge_repeat(pattern: str) -> str | None:
    """A ``{n}`` count too large for RE2 to read as a count: RE2 then takes it as literal text, silently.
    Returns the fragment, skipping escapes (``\\{``), ``\\Q...\\E`` and character classes."""
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            if pattern.startswith("\\Q", i):
                end = pattern.find("\\E", i + 2)
                i = n if end < 0 else end + 2
            else:
                i += 2
        elif c == "[":
            i = _class_end(pattern, i)
        elif c == "{" and (m := _REPEAT.match(pattern, i)):
            if any(g and int(g) > MAX_REPEAT for g in m.groups()):
                return m.group(0)
            i = m.end()
        else:
            i += 1
    return None


def _class_end(pattern: str, start: int) -> int:
    """Index after the character class opening at ``start`` (``]`` first in the class is literal)."""
    i = start + 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
        elif pattern.startswith("[:", i) and (end := pattern.find(":]", i + 2)) >= 0:
            i = end + 2
        elif pattern[i] == "]":
            return i + 1
        else:
            i += 1
    return i
