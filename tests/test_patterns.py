"""Regexes: RE2's own syntax decides (Python's `re` must not veto valid RE2, nor leak its warnings)."""

from __future__ import annotations

import warnings

import pytest

from devflow_action.language.patterns import PatternError, compile_regex
from devflow_action.language.regex_errors import huge_repeat


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        (r"\p{Greek}+", "λόγος", "logos"),
        (r"(?P<word>bug)\s", "a bug here", "debugging"),
        (r"(?<word>crash)!", "crash!", "crash"),
        (r"^[[:alpha:]]+7$", "abc7", "ab1c7"),
        (r"\pN", "v2", "vx"),
        (r"\Qa.b\E", "xa.by", "xaxby"),
        ("a{1000}", "a" * 1000, "a" * 999),
        (r"\{99999999999999999999}", "{99999999999999999999}", "9"),  # escaped: literal braces
        ("[{99999999999999999999}]", "{", "a"),  # inside a class: literal characters
    ],
)
def test_valid_re2_syntax_compiles_and_matches_as_re2_does(pattern: str, matches: str, misses: str) -> None:
    regex = compile_regex(pattern)
    assert regex.search(matches) and not regex.search(misses)


def test_posix_classes_leak_no_python_warning() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compile_regex("[[:digit:]]+[[:space:]]x1")  # unique: Python's re cache would hide its warning
    assert [str(w.message) for w in caught] == []


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("a{99999999999999999999}", "repeats more than 1000 times ('{99999999999999999999}')"),
        ("a{99999999999999999999}(", "missing ')': a group is not closed"),  # Python's re would raise OverflowError
        ("x{2,1}", "invalid regular expression: min repeat greater than max repeat at position 2"),
        ("(abc", "invalid regular expression: missing ), unterminated subpattern at position 0"),
        ("(?<!a)b", "uses lookaround ('(?<!')"),
        ("(?P<n>a)(?P=n)", "uses a backreference ('(?P=')"),
        ("(?>a)", "atomic group ('(?>')"),
        ("(?x) a", "unknown flag or group ('(?x'); RE2 has the flags i, m, s and U"),
        (".{1000}" * 200, "too large for RE2 to compile"),
    ],
)
def test_refusals_are_re2s_with_a_plain_reason(pattern: str, message: str) -> None:
    with pytest.raises(PatternError) as info:
        compile_regex(pattern)
    assert message in str(info.value)


@pytest.mark.parametrize(
    "pattern", ["a{2000}", r"\Z", "a++", r"(a)\1", "foo(?=bar)", "a{99999999999999999999}", r"\p{Greek}(a"]
)
def test_messages_have_balanced_parentheses(pattern: str) -> None:
    with pytest.raises(PatternError) as info:
        compile_regex(pattern)
    text = str(info.value).replace(f"'{pattern}'", "")
    quoted = [part for i, part in enumerate(text.split("'")) if i % 2 == 0]  # fragments in quotes are the user's
    outside = "".join(quoted)
    assert outside.count("(") == outside.count(")"), text
    assert "backreferences or lookaround" not in text  # the old catch-all blamed them for everything


def test_huge_repeat_skips_escapes_classes_and_quoted_text() -> None:
    assert huge_repeat(r"\{1001}[{1001}]\Q{1001}\E") is None
    assert huge_repeat(r"[]{]a{1001}") == "{1001}"
    assert huge_repeat("a{5,1001}") == "{5,1001}"
