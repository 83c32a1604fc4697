"""Is a document valid against the config schema? A fast answer that never needs jsonschema.

Importing jsonschema (with referencing, attrs and rpds) costs more than a whole action run spends on
anything else but HTTP, and nearly every run loads a valid configuration. So ``validate.py`` asks
this module first: ``True`` only when the document certainly satisfies the schema, exactly as
jsonschema's Draft 2020-12 validator judges it; ``False`` when it does not, or when the check meets
something it does not know (a keyword, a Python type). On ``False`` jsonschema runs as before and
produces the diagnostics, so they are the same whichever path a valid or invalid document takes.

It implements the keywords the generated schema uses, with jsonschema's rules: what a type is
(``2.0`` is an integer, ``true`` is not a number), code-point lengths, ``re.search`` for
``pattern``, and assertions that apply only to values of their own type. Where jsonschema's
equality is looser than Python's (``enum``/``const``: ``1 == 1.0``), this check is stricter: the
document then takes the slow path, never a wrong verdict. ``tests/test_fastcheck.py`` compares both
on every bundled and broken config, on every one-step mutation of a config that uses every keyword
site, and on documents generated from the schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

Schema = dict[str, Any]

# Keywords that only annotate: they never make a document invalid.
ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples", "deprecated"}
)


class _Unknown(Exception):
    """The schema uses something this check does not implement: let jsonschema decide."""


def conforms(schema: Schema, instance: Any) -> bool:
    """True only if ``instance`` is valid against ``schema`` (a Draft 2020-12 schema with local
    ``$ref``s into ``$defs``); False if it is not, or if this check cannot tell."""
    try:
        return _valid(schema, instance, schema)
    except _Unknown:
        return False


def _is_type(value: Any, name: str) -> bool:
    """jsonschema's Draft 2020-12 type checker, for the plain types YAML produces."""
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if isinstance(value, bool):
        return False
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, int | float)
    raise _Unknown(f"type {name}")


_PLAIN = (dict, list, str, bool, int, float, type(None))


def _same(value: Any, choice: Any) -> bool:
    """Equal scalars of one type: stricter than jsonschema's ``equal`` (which has ``1 == 1.0``).
    A list or mapping never equals a scalar; a list or mapping in the schema is not decided here
    (Python compares their items with ``True == 1``)."""
    if isinstance(choice, list | dict):
        raise _Unknown("a list or mapping in enum or const")
    if isinstance(value, list | dict):
        return False
    return type(value) is type(choice) and value == choice


@cache
def _pattern(source: str) -> re.Pattern[str]:
    return re.compile(source)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _valid(schema: Any, value: Any, root: Schema) -> bool:
    if schema is True:
        return True
    if schema is False:
        return False
    if not isinstance(schema, dict):
        raise _Unknown("a schema that is not a mapping")
    if not isinstance(value, _PLAIN):
        raise _Unknown(f"a {type(value).__name__} value")  # a YAML timestamp, say
    if isinstance(value, dict) and not all(isinstance(key, str) for key in value):
        raise _Unknown("a mapping key that is not a string")
    for keyword, argument in schema.items():
        if keyword in ANNOTATIONS or keyword.startswith("x-"):
            continue
        check = _KEYWORDS.get(keyword)
        if check is None:
            raise _Unknown(f"keyword {keyword}")
        if not check(argument, value, schema, root):
            return False
    return True


def _ref(target: Any, value: Any, schema: Schema, root: Schema) -> bool:
    if not isinstance(target, str) or not target.startswith("#/$defs/") or "~" in target or "%" in target:
        raise _Unknown(f"$ref {target}")
    definitions = root.get("$defs", {})
    name = target.removeprefix("#/$defs/")
    if "/" in name or name not in definitions:
        raise _Unknown(f"$ref {target}")
    return _valid(definitions[name], value, root)


def _type(names: Any, value: Any, schema: Schema, root: Schema) -> bool:
    return any(_is_type(value, n) for n in (names if isinstance(names, list) else [names]))


def _properties(props: Schema, value: Any, schema: Schema, root: Schema) -> bool:
    if not isinstance(value, dict):
        return True
    return all(_valid(sub, value[name], root) for name, sub in props.items() if name in value)


def _additional(sub: Any, value: Any, schema: Schema, root: Schema) -> bool:
    if not isinstance(value, dict):
        return True
    if "patternProperties" in schema:
        raise _Unknown("patternProperties")
    known = schema.get("properties", {})
    return all(_valid(sub, item, root) for key, item in value.items() if key not in known)


def _items(sub: Any, value: Any, schema: Schema, root: Schema) -> bool:
    if not isinstance(value, list):
        return True
    if "prefixItems" in schema:
        raise _Unknown("prefixItems")
    return all(_valid(sub, item, root) for item in value)


def _any_of(branches: list[Any], value: Any, schema: Schema, root: Schema) -> bool:
    return any(_valid(branch, value, root) for branch in branches)


def _required(names: list[str], value: Any, schema: Schema, root: Schema) -> bool:
    return not isinstance(value, dict) or all(name in value for name in names)


def _pattern_ok(source: str, value: Any, schema: Schema, root: Schema) -> bool:
    return not isinstance(value, str) or _pattern(source).search(value) is not None


_KEYWORDS: dict[str, Callable[[Any, Any, Schema, Schema], bool]] = {
    "$ref": _ref,
    "type": _type,
    "properties": _properties,
    "additionalProperties": _additional,
    "items": _items,
    "anyOf": _any_of,
    "required": _required,
    "enum": lambda choices, v, s, r: any(_same(v, c) for c in choices),
    "const": lambda expected, v, s, r: _same(v, expected),
    "pattern": _pattern_ok,
    "minimum": lambda bound, v, s, r: not _number(v) or v >= bound,
    "minLength": lambda n, v, s, r: not isinstance(v, str) or len(v) >= n,
    "maxLength": lambda n, v, s, r: not isinstance(v, str) or len(v) <= n,
    "minItems": lambda n, v, s, r: not isinstance(v, list) or len(v) >= n,
    "minProperties": lambda n, v, s, r: not isinstance(v, dict) or len(v) >= n,
    "maxProperties": lambda n, v, s, r: not isinstance(v, dict) or len(v) <= n,
}
