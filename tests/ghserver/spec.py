"""Contract checks against GitHub's whole REST API description (OpenAPI 3.0.3, 811 paths).

The description is `generated/api.github.com.json` of the pinned npm package @octokit/openapi (see
tests/githubdata.py), GitHub's file as redistributed by Octokit. Routes, path/query parameters and
JSON bodies of every request are checked; responses can be checked too (the server uses that to test
itself). OpenAPI 3.0 specifics handled here: `$ref`s into `components` (resolved through a
`referencing` registry), `nullable: true` (rewritten to `anyOf [null, ...]`), and query strings
(coerced to the parameter's declared type before validation).

The 13 MB file is parsed once per process (`load_contract`, ~0.4 s); routes are looked up through an
index, and a JSON Schema validator is only built for the schemas of the requests and responses
actually seen, then kept.
"""

from __future__ import annotations

import copy
import json
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

from .. import githubdata

SPEC_URI = "urn:github-rest-openapi"
# The spec only says "(max 100)" in the per_page description; GitHub clamps silently, we reject.
MAX_PER_PAGE = 100
HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
# Places where the description's response schema is stricter than what GitHub actually sends; the
# server answers like GitHub, and the self-check skips these (operationId, regex on the problem text).
RESPONSE_SPEC_GAPS = [
    # issue-search-result-item.body is `type: string` (not nullable), but an issue without a
    # description has `"body": null` in search results exactly as in `GET /issues/{n}`.
    ("search/issues-and-pull-requests", re.compile(r"^body items/\d+/body: None is not of type 'string'$")),
]

# The raw description is adapted before use, in two ways (each change asserts the text it expects,
# so a new pin of @octokit/openapi that changes these operations stops the tests until re-checked):
#
# 1. Undo the changes Octokit makes to GitHub's file (octokit/openapi scripts/build.mjs and
#    scripts/overrides/) where they touch operations this server implements, so requests are checked
#    against GitHub's own text (transcribed from github/rest-api-description,
#    descriptions/api.github.com/api.github.com.json): Octokit drops the non-object alternatives of
#    top-level `oneOf` request bodies (`issues/add-labels`, `issues/set-labels`: GitHub also takes a
#    bare array of labels, or one label as a string), makes the `issues/remove-assignees` body
#    required, and drops the "reviewers or team_reviewers" `anyOf` of `pulls/request-reviewers`.
# 2. Requests GitHub accepts that its schema rejects (request spec gaps): `issues/set-labels` with
#    `{"labels": []}`. The schema says `minItems: 1`, its own description says "You can pass an empty
#    array to remove all labels", and GitHub does; `minItems` is dropped from the string-list form.
_STRINGS: dict[str, Any] = {"type": "string"}
_ADD_LABELS_GITHUB = [
    {"type": "array", "items": _STRINGS},
    {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "name": _STRINGS,
                "rationale": {"type": "string", "description": "Optional reasoning for adding this label."},
                "suggest": {
                    "type": "boolean",
                    "description": "If `true`, the label is stored as a pending suggestion for human review rather "
                    "than applied directly.",
                },
                "confidence": {
                    "type": "string",
                    "description": "The confidence level for this label choice.",
                    "enum": ["low", "medium", "high"],
                },
            },
            "required": ["name"],
        },
    },
]
_SET_LABELS_ARRAY_OF_STRINGS = {"type": "array", "minItems": 1, "items": _STRINGS}
_SET_LABELS_ARRAY_OF_OBJECTS = {
    "type": "array",
    "minItems": 1,
    "items": {"type": "object", "properties": {"name": _STRINGS}, "required": ["name"]},
}


def adapt(document: dict[str, Any]) -> None:
    """Apply the changes described above to the raw description, in place."""

    def body(path: str, method: str) -> dict[str, Any]:
        request: dict[str, Any] = document["paths"][path][method]["requestBody"]
        return request

    def schema(path: str, method: str) -> dict[str, Any]:
        found: dict[str, Any] = body(path, method)["content"]["application/json"]["schema"]
        return found

    def expect(condition: bool, what: str) -> None:
        if not condition:
            raise ValueError(f"{what}: not the text tests/ghserver/spec.py expects; re-check its adapt()")

    labels = "/repos/{owner}/{repo}/issues/{issue_number}/labels"
    add = schema(labels, "post")["oneOf"]
    expect(len(add) == 1 and add[0]["type"] == "object", "issues/add-labels")
    add.extend(copy.deepcopy(_ADD_LABELS_GITHUB))

    set_labels = schema(labels, "put")
    strings, objects = set_labels["oneOf"]
    expect(strings["properties"]["labels"].get("minItems") == 1, "issues/set-labels")
    expect(objects["properties"]["labels"]["items"]["type"] == "object", "issues/set-labels")
    set_labels["oneOf"] = [
        strings,
        copy.deepcopy(_SET_LABELS_ARRAY_OF_STRINGS),
        objects,
        copy.deepcopy(_SET_LABELS_ARRAY_OF_OBJECTS),
        dict(_STRINGS),
    ]
    del strings["properties"]["labels"]["minItems"]  # the request spec gap: {"labels": []}

    assignees = "/repos/{owner}/{repo}/issues/{issue_number}/assignees"
    remove = body(assignees, "delete")
    expect(remove.get("required") is True and schema(assignees, "delete").get("required") == ["assignees"],
           "issues/remove-assignees")  # fmt: skip
    del remove["required"], schema(assignees, "delete")["required"]

    reviewers = schema("/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", "post")
    expect("anyOf" not in reviewers and set(reviewers["properties"]) == {"reviewers", "team_reviewers"},
           "pulls/request-reviewers")  # fmt: skip
    reviewers["anyOf"] = [{"required": ["reviewers"]}, {"required": ["team_reviewers"]}]


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
    """The parsed description: route lookup plus request/response validation."""

    def __init__(self, document: dict[str, Any]) -> None:
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
        # Route index: (first segment, segment count) for fixed-length routes; first segment alone
        # for routes with a multi-segment parameter (`{path}` of contents, `{ref}`, `{branch}`).
        self._fixed_routes: dict[tuple[str, int], list[Operation]] = {}
        self._multi_routes: dict[str, list[Operation]] = {}
        for op in self.operations:
            first = op.path.strip("/").split("/")[0]
            if ".+" in op.pattern.pattern:
                self._multi_routes.setdefault(first, []).append(op)
            else:
                self._fixed_routes.setdefault((first, op.path.count("/")), []).append(op)

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
        trimmed = raw_path.rstrip("/")
        first = trimmed.lstrip("/").split("/")[0]
        candidates = [*self._fixed_routes.get((first, trimmed.count("/")), []), *self._multi_routes.get(first, [])]
        for op in candidates:
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
    """The parsed description (`githubdata.openapi_path()` unless given), cached per process."""
    file = Path(path) if path else githubdata.openapi_path()
    document = json.loads(file.read_text(encoding="utf-8"))
    adapt(document)
    return Contract(document)
