"""Contract checks against GitHub's OpenAPI 3.0.3 subset (`shared/github/rest-openapi-subset.json`).

Routes, path/query parameters and JSON bodies of every request are checked; responses can be checked
too (the server uses that to test itself). OpenAPI 3.0 specifics handled here: `$ref`s into
`components` (resolved through a `referencing` registry), `nullable: true` (rewritten to
`anyOf [null, ...]`), and query strings (coerced to the parameter's declared type before validation).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SPEC_URI = "urn:github-rest-openapi-subset"
SPEC_FILE = "rest-openapi-subset.json"
# The spec only says "(max 100)" in the per_page description; GitHub clamps silently, we reject.
MAX_PER_PAGE = 100
HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
# Places where the subset's response schema is stricter than what GitHub actually sends; the server
# answers like GitHub, and the self-check skips these (operationId, regex on the problem text).
RESPONSE_SPEC_GAPS = [
    # issue-search-result-item.body is `type: string` (not nullable), but an issue without a
    # description has `"body": null` in search results exactly as in `GET /issues/{n}`.
    ("search/issues-and-pull-requests", re.compile(r"^body items/\d+/body: None is not of type 'string'$")),
]


def shared_dir() -> Path:
    """`shared/` next to the repository (CI layout), or `$DEVFLOW_SHARED_DIR`."""
    env = os.environ.get("DEVFLOW_SHARED_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared"


def github_dir() -> Path:
    return shared_dir() / "github"


_formats = FormatChecker(formats=())


def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True  # formats only constrain strings
    if "T" not in value.upper():
        return False
    datetime.fromisoformat(value.replace("z", "Z"))
    return True


_formats.checks("date-time", raises=ValueError)(_is_datetime)


def _openapi_to_jsonschema(node: Any) -> Any:
    """Rewrite `nullable` and make `$ref`s absolute (pointing into the registry resource)."""
    if isinstance(node, list):
        return [_openapi_to_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _openapi_to_jsonschema(value) for key, value in node.items()}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        out["$ref"] = SPEC_URI + ref
    if out.get("nullable") is True:
        del out["nullable"]
        return {"anyOf": [{"type": "null"}, out]}
    if out.get("nullable") is False:
        del out["nullable"]
    return out


@dataclass(frozen=True)
class Param:
    name: str
    location: str
    required: bool
    schema: dict[str, Any]


@dataclass
class Operation:
    method: str
    path: str
    operation_id: str
    pattern: re.Pattern[str]
    path_names: list[str]
    literal_segments: int
    params: dict[tuple[str, str], Param] = field(default_factory=dict)
    body_schema: dict[str, Any] | None = None
    body_required: bool = False
    responses: dict[str, dict[str, Any] | None] = field(default_factory=dict)


class Contract:
    """The parsed subset: route lookup plus request/response validation."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.raw = document
        converted = _openapi_to_jsonschema(document)
        self.registry: Registry = Registry().with_resource(
            SPEC_URI, Resource.from_contents(converted, default_specification=DRAFT7)
        )
        self._components = converted["components"]
        self.operations: list[Operation] = []
        for path, item in converted["paths"].items():
            shared = item.get("parameters", [])
            for method, op in item.items():
                if method in HTTP_METHODS:
                    self.operations.append(self._build(path, method.upper(), op, shared))
        self._validators: dict[int, Draft7Validator] = {}

    # -- construction -------------------------------------------------------------------------------
    def _deref(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            pointer = node["$ref"].split("#/", 1)[1].split("/")
            target: Any = {"components": self._components}
            for part in pointer:
                target = target[part]
            node = target
        return node

    def _build(self, path: str, method: str, op: dict[str, Any], shared: list[Any]) -> Operation:
        params: dict[tuple[str, str], Param] = {}
        for raw in [*shared, *op.get("parameters", [])]:
            p = self._deref(raw)
            params[(p["in"], p["name"])] = Param(
                p["name"], p["in"], bool(p.get("required")), p.get("schema", {"type": "string"})
            )
        regex, names, literals = "", [], 0
        for segment in path.strip("/").split("/"):
            m = re.fullmatch(r"\{(\w+)\}", segment)
            if m:
                name = m.group(1)
                multi = any(
                    q.name == name and q.location == "path" and self._multi(op, shared, name) for q in params.values()
                )
                regex += f"/(?P<{name}>.+)" if multi else f"/(?P<{name}>[^/]+)"
                names.append(name)
            else:
                regex += "/" + re.escape(segment)
                literals += 1
        body = op.get("requestBody")
        body_schema = None
        if body is not None:
            body_schema = body.get("content", {}).get("application/json", {}).get("schema")
        responses: dict[str, dict[str, Any] | None] = {}
        for code, resp in op.get("responses", {}).items():
            resp = self._deref(resp)
            responses[code] = resp.get("content", {}).get("application/json", {}).get("schema")
        return Operation(
            method=method,
            path=path,
            operation_id=op.get("operationId", ""),
            pattern=re.compile(regex + "/?"),
            path_names=names,
            literal_segments=literals,
            params=params,
            body_schema=body_schema,
            body_required=bool(body and body.get("required")),
            responses=responses,
        )

    def _multi(self, op: dict[str, Any], shared: list[Any], name: str) -> bool:
        for raw in [*shared, *op.get("parameters", [])]:
            p = self._deref(raw)
            if p["name"] == name and p["in"] == "path":
                return bool(p.get("x-multi-segment"))
        return False

    def validator(self, schema: dict[str, Any]) -> Draft7Validator:
        key = id(schema)
        found = self._validators.get(key)
        if found is None:
            found = Draft7Validator(schema, registry=self.registry, format_checker=_formats)
            self._validators[key] = found
        return found

    # -- lookup ------------------------------------------------------------------------------------
    def match(self, method: str, raw_path: str) -> tuple[Operation | None, dict[str, str], bool]:
        """Best route for `raw_path` (still percent-encoded): (operation, path params, path known)."""
        best: tuple[Operation, dict[str, str]] | None = None
        path_known = False
        for op in self.operations:
            m = op.pattern.fullmatch(raw_path)
            if not m:
                continue
            path_known = True
            if op.method != method:
                continue
            if best is None or op.literal_segments > best[0].literal_segments:
                best = (op, {k: unquote(v) for k, v in m.groupdict().items()})
        if best is None:
            return None, {}, path_known
        return best[0], best[1], True

    # -- validation --------------------------------------------------------------------------------
    def check_params(self, op: Operation, path_params: dict[str, str], query: str) -> tuple[dict[str, Any], list[str]]:
        """Coerce and validate path + query parameters; returns (values, problems)."""
        problems: list[str] = []
        values: dict[str, Any] = {}
        for name, raw in path_params.items():
            param = op.params.get(("path", name))
            if param is None:
                continue
            values[name] = self._coerce_and_check(param, raw, problems)
        parsed = parse_qs(query, keep_blank_values=True)
        for name, raws in parsed.items():
            param = op.params.get(("query", name))
            if param is None:
                problems.append(f"undeclared query parameter {name!r}")
                continue
            if len(raws) > 1:
                problems.append(f"query parameter {name!r} given {len(raws)} times")
            values[name] = self._coerce_and_check(param, raws[-1], problems)
        for (location, name), param in op.params.items():
            if location == "query" and param.required and name not in parsed:
                problems.append(f"missing required query parameter {name!r}")
        per_page = values.get("per_page")
        if isinstance(per_page, int) and not 1 <= per_page <= MAX_PER_PAGE:
            problems.append(f"per_page={per_page} outside 1..{MAX_PER_PAGE}")
        page = values.get("page")
        if isinstance(page, int) and page < 1:
            problems.append(f"page={page} must be >= 1")
        return values, problems

    def _coerce_and_check(self, param: Param, raw: str, problems: list[str]) -> Any:
        schema = param.schema
        kind = schema.get("type")
        value: Any = raw
        try:
            if kind == "integer":
                value = int(raw)
            elif kind == "number":
                value = float(raw)
            elif kind == "boolean":
                if raw not in ("true", "false"):
                    raise ValueError(raw)
                value = raw == "true"
        except ValueError:
            problems.append(f"{param.location} parameter {param.name!r}={raw!r} is not {kind}")
            return raw
        for error in self.validator(schema).iter_errors(value):
            problems.append(f"{param.location} parameter {param.name!r}={raw!r}: {error.message}")
        return value

    def check_body(self, op: Operation, body: Any, present: bool) -> list[str]:
        if op.body_schema is None:
            return ["request has a body but the operation takes none"] if present else []
        if not present:
            return ["missing required request body"] if op.body_required else []
        return [_describe(e) for e in self.validator(op.body_schema).iter_errors(body)]

    def check_response(self, op: Operation, status: int, body: Any) -> list[str]:
        schema = op.responses.get(str(status))
        if schema is None:
            if str(status) not in op.responses and 200 <= status < 300:
                return [f"status {status} not documented for {op.method} {op.path}"]
            return []
        problems = [_describe(e) for e in self.validator(schema).iter_errors(body)]
        gaps = [rx for op_id, rx in RESPONSE_SPEC_GAPS if op_id == op.operation_id]
        return [p for p in problems if not any(rx.match(p) for rx in gaps)]


def _describe(error: Any) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "<root>"
    detail = error.message
    if error.context:
        detail += " [" + "; ".join(sorted({c.message for c in error.context})[:4]) + "]"
    return f"body {where}: {detail}"[:600]


@cache
def load_contract(path: str | None = None) -> Contract:
    """The parsed subset, cached per process (parsing + conversion takes ~0.2 s)."""
    file = Path(path) if path else github_dir() / SPEC_FILE
    return Contract(json.loads(file.read_text(encoding="utf-8")))
