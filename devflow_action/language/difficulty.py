"""How hard an issue looks to a newcomer: a score from signals in the event itself, with the reasons.

No network: only the title, the body and the labels the event carries are read. Each signal adds its
weight when it is present; the score is their sum from ``base``, never below 0. The weights below are
the defaults (docs/rules.md#difficulty lists them); a condition may change any of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..events.model import Event
from .patterns import PatternError, compile_regex

DEFAULT_WEIGHTS: dict[str, int] = {
    "base": 2,  # where every issue starts
    "short_body": 1,  # a body under 100 characters: little to go on
    "long_body": 2,  # a body over 3,000 characters: a large or tangled problem
    "files": 1,  # each file or folder named beyond the first (at most 3 counted)
    "steps": -1,  # reproduction steps present
    "code": -1,  # links to the code (a GitHub file link, a line reference) or a code block
}
DEFAULT_LABELS: dict[str, int] = {
    "good first issue": -2,
    "documentation": -1,
    "docs": -1,
    "typo": -2,
    "easy": -1,
    "enhancement": 1,
    "feature": 1,
    "refactor": 1,
    "performance": 2,
    "security": 2,
    "breaking change": 2,
}
SHORT_BODY, LONG_BODY, MAX_FILES = 100, 3000, 3

# Patterns over user text run on RE2 (linear time) like the config's own: a 65,536-character body of
# blank lines or of one long word costs one pass.
_STEPS = compile_regex(
    r"(?im)^[ \t#]*(?:steps to reproduce|to reproduce|reproduction steps|repro steps)\b|^[ \t]*1[.)][ \t]+\S"
)
_CODE = compile_regex(r"(?m)https://github\.com/[\w.-]+/[\w.-]+/blob/|#L\d+\b|^[ \t]*```")
_EXTENSIONS = frozenset(
    ("py", "js", "mjs", "ts", "tsx", "jsx", "go", "rs", "rb", "java", "kt", "c", "h", "cc", "cpp", "cs", "php",
     "swift", "md", "rst", "txt", "yml", "yaml", "json", "toml", "cfg", "ini", "sh")
)  # fmt: skip
_STRIP = "`'\"()[]<>{},;:.!?*"


@dataclass(frozen=True)
class Score:
    value: int
    reasons: tuple[str, ...]  # each signal that counted, with its weight: "label 'good first issue' -2"

    def text(self) -> str:
        return f"{self.value} ({'; '.join(self.reasons)})"


def _signed(n: int) -> str:
    return f"+{n}" if n >= 0 else str(n)


def _is_path(word: str) -> bool:
    if "://" in word or word.startswith(("@", "#", "/")) or len(word) > 200:
        return False
    if word.endswith("/"):  # a folder: `docs/`, `src/app/`
        return all(part and all(c.isalnum() or c in "._-" for c in part) for part in word[:-1].split("/"))
    stem, dot, ext = word.rsplit("/", 1)[-1].rpartition(".")
    return bool(dot and stem and ext.lower() in _EXTENSIONS)


def named_paths(text: str) -> list[str]:
    """Files (``src/app.py``, ``setup.cfg``) and folders (``docs/``) named in the text, each once, in
    order; links are not paths."""
    found: dict[str, None] = {}
    for raw in text.split():
        word = raw.strip(_STRIP)
        if word and _is_path(word):
            found.setdefault(word)
    return list(found)


def score(event: Event, labels: tuple[str, ...], weights: Mapping[str, int], label_weights: Mapping[str, int]) -> Score:
    w = {**DEFAULT_WEIGHTS, **weights}
    body = event.body or ""
    total = w["base"]
    reasons = [f"base {w['base']}"]

    def add(weight: int, reason: str) -> None:
        nonlocal total
        if weight:
            total += weight
            reasons.append(f"{reason} {_signed(weight)}")

    folded = {k.casefold(): v for k, v in label_weights.items()}
    for label in labels:
        if label.casefold() in folded:
            add(folded[label.casefold()], f"label '{label}'")
    if len(body) < SHORT_BODY:
        add(w["short_body"], f"short description ({len(body)} characters)")
    elif len(body) > LONG_BODY:
        add(w["long_body"], f"long description ({len(body):,} characters)")
    paths = named_paths(f"{event.title}\n{body}")
    extra = min(max(len(paths) - 1, 0), MAX_FILES)
    if extra:
        add(w["files"] * extra, f"{len(paths)} files or folders named")
    if _STEPS.search(body):
        add(w["steps"], "reproduction steps")
    if _CODE.search(body):
        add(w["code"], "links to the code")
    return Score(max(total, 0), tuple(reasons))


@dataclass(frozen=True)
class Comparison:
    """One operator of a ``difficulty`` condition (``at_most: 2``), with its weights bound."""

    words: str  # "at most 2"
    measure: Callable[[Event, tuple[str, ...]], Score]
    op: str
    bound: float

    def holds(self, event: Event, labels: tuple[str, ...]) -> bool:
        n = self.measure(event, labels).value
        return n == self.bound if self.op == "equals" else n >= self.bound if self.op == "at_least" else n <= self.bound

    def explain(self, event: Event, labels: tuple[str, ...]) -> str:
        return f"difficulty {self.measure(event, labels).text()} {self.words}"


def compile_difficulty(value: Any, operators: tuple[str, ...]) -> list[Comparison]:
    """The condition's value: a number (``equals``), or comparisons with optional ``weights`` and
    ``labels``, which apply to every comparison in the mapping."""
    ops: dict[str, Any] = {"equals": value} if isinstance(value, int | float) else value
    weights: dict[str, int] = ops.get("weights") or {}
    label_weights: dict[str, int] = {**DEFAULT_LABELS, **(ops.get("labels") or {})}
    compare = {op: arg for op, arg in ops.items() if op in operators}
    if not compare:
        raise PatternError("say what to compare the score with: at_most, at_least or equals")

    def measure(event: Event, labels: tuple[str, ...]) -> Score:
        return score(event, labels, weights, label_weights)

    return [Comparison(f"{op.replace('_', ' ')} {arg}", measure, op, arg) for op, arg in compare.items()]


def schema(operators: Mapping[str, Any]) -> dict[str, Any]:
    """The condition's JSON Schema fragment: the number operators, ``weights`` and ``labels``."""
    return {
        "description": "How hard the issue looks to a newcomer: a score from its labels, description and the files "
        "it names (0 = easiest; see docs/rules.md#difficulty). A number is shorthand for {equals: ...}.",
        "type": ["integer", "object"],
        "properties": {
            **operators,
            "weights": {
                "description": "Weights of the signals, replacing the defaults named.",
                "type": "object",
                "properties": {
                    name: {"type": "integer", "description": f"Default {weight}."}
                    for name, weight in DEFAULT_WEIGHTS.items()
                },
                "additionalProperties": False,
                "x-kind": "signal",
            },
            "labels": {
                "description": "Label name -> weight, added to the default label weights.",
                "type": "object",
                "additionalProperties": {"type": "integer"},
            },
        },
        "additionalProperties": False,
        "minProperties": 1,
        "x-kind": "operator",
    }
