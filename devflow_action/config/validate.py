"""JSON Schema errors → located, human diagnostics with fix hints.

jsonschema's own messages ("Additional properties are not allowed ('lable' was unexpected)") are
rewritten here: an unknown key is named as what it is (action, condition, operator, event) with the
closest valid spelling, types are named in YAML terms, and ``anyOf`` branches are chosen by the
value's type so the user sees the error of the branch they meant.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..diagnostics import Diagnostic
from ..suggest import did_you_mean
from .fastcheck import conforms
from .schema import Schema, build_schema
from .yamlpos import Document, Path, format_path

if TYPE_CHECKING:
    import jsonschema
    from jsonschema import Draft202012Validator

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}


def _yaml_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


@functools.cache
def _schema() -> Schema:
    return build_schema()


@functools.cache
def validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator  # only for a document the fast check does not pass

    return Draft202012Validator(_schema())


def schema_diagnostics(doc: Document, filename: str) -> list[Diagnostic]:
    # A valid document (nearly every run) needs no diagnostics, and then no jsonschema import: the
    # fast check says True only when jsonschema would find no error (fastcheck.py).
    if conforms(_schema(), doc.data):
        return []
    out: list[Diagnostic] = []
    for error in validator().iter_errors(doc.data):
        out.extend(_translate(error, doc, filename, tuple(error.absolute_path)))
    return out


def _diag(doc: Document, filename: str, path: Path, message: str, *, at: Path | None = None) -> Diagnostic:
    """A diagnostic about ``path``, located at the key ``at`` when given (else at the value)."""
    line, col = doc.where(at, key=True) if at is not None else doc.where(path)
    return Diagnostic(line, col, format_path(path), message, file=filename)


def _translate(error: jsonschema.ValidationError, doc: Document, filename: str, path: Path) -> Iterator[Diagnostic]:
    kind, schema, value = error.validator, error.schema, error.instance
    assert isinstance(schema, dict)
    if kind == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        what = schema.get("x-kind", "key")
        forbidden = schema.get("x-forbidden", {})
        for key in value:
            if key in forbidden:
                yield _diag(doc, filename, (*path, key), forbidden[key], at=(*path, key))
            elif key not in allowed:
                hint = did_you_mean(key, allowed) or (f"; expected one of: {', '.join(allowed)}" if allowed else "")
                yield _diag(doc, filename, path, f"unknown {what} '{key}'{hint}", at=(*path, key))
        return
    if kind == "anyOf":
        yield from _any_of(error, doc, filename, path)
        return
    if kind == "type":
        expected = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        want = " or ".join(_TYPE_NAMES[t] for t in expected)
        got = _yaml_type(value)
        hint = ""
        if got == "boolean" and "string" in expected:
            hint = " (YAML reads yes/no/on/off/true/false as booleans: quote the text)"
        elif schema.get("x-kind") == "action" or (path and path[-1] == "then"):
            hint = " (write each action as `- label: bug`)"
        yield _diag(doc, filename, path, f"expected {want}, got {_TYPE_NAMES[got]}{hint}")
        return
    if kind == "enum":
        choices = [str(c) for c in schema["enum"]]
        what = schema.get("x-kind", "value")
        hint = did_you_mean(str(value), choices)
        if what == "event" and str(value).startswith("pull_request_target"):
            hint = " (rules see pull_request_target runs as pull_request: write pull_request" + str(value)[19:] + ")"
        elif not hint and len(choices) <= 8:
            hint = f"; expected one of: {', '.join(choices)}"
        yield _diag(doc, filename, path, f"unknown {what} {value!r}{hint}")
        return
    if kind == "required":
        key = str(error.message).split("'")[1] if error.message.count("'") >= 2 else "?"
        hint = " (start the file with `version: 1`)" if key == "version" and not path else ""
        yield _diag(doc, filename, path, f"missing required key '{key}'{hint}")
        return
    if kind == "maxProperties" and schema.get("x-kind") == "action":
        names = ", ".join(value)
        yield _diag(doc, filename, path, f"each action is its own list item (`- label: bug`); found several: {names}")
        return
    if kind in ("minItems", "minProperties", "minLength"):
        yield _diag(doc, filename, path, "must not be empty")
        return
    if kind == "pattern":
        hint = schema.get("x-hint", f"must match {schema['pattern']}")
        yield _diag(doc, filename, path, f"invalid value {value!r}: {hint}")
        return
    if kind == "const" and schema["const"] is True:
        yield _diag(doc, filename, path, "expected true or a mapping of options (to not act, remove the action)")
        return
    if kind in ("minimum", "maximum"):
        bound = schema[kind]
        yield _diag(doc, filename, path, f"must be {'at least' if kind == 'minimum' else 'at most'} {bound}")
        return
    if kind == "maxLength":
        yield _diag(doc, filename, path, f"is too long (at most {schema['maxLength']} characters)")
        return
    yield _diag(doc, filename, path, error.message)


def _any_of(error: jsonschema.ValidationError, doc: Document, filename: str, path: Path) -> Iterator[Diagnostic]:
    """Pick the branch whose type fits the value and report that branch's errors."""
    value = error.instance
    got = _yaml_type(value)
    branches = error.schema["anyOf"] if isinstance(error.schema, dict) else []
    for branch in branches:
        types = branch.get("type")
        types = types if isinstance(types, list) else [types] if types else []
        fits = got in types or (got == "integer" and "number" in types) or ("const" in branch and not types)
        if fits and not ("const" in branch and _yaml_type(branch["const"]) != got):
            from jsonschema import Draft202012Validator

            for sub in Draft202012Validator(branch).iter_errors(value):
                yield from _translate(sub, doc, filename, (*path, *sub.absolute_path))
            return
    expected: list[str] = []
    for branch in branches:
        if "const" in branch:
            expected.append(repr(branch["const"]).lower())
        else:
            t = branch.get("type")
            expected += [_TYPE_NAMES[x] for x in (t if isinstance(t, list) else [t])]
    want = " or ".join(dict.fromkeys(expected))
    yield _diag(doc, filename, path, f"expected {want}, got {_TYPE_NAMES[got]}")
