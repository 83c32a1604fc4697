"""`POST /graphql` for the GitHub test server: every query is checked against GitHub's published schema
(`@octokit/graphql-schema`'s `schema.graphql`, see tests/githubdata.py) with graphql-core, then run by
graphql-core's executor over the same in-memory `State` as REST (resolvers in `graphql_resolvers.py`).

What GitHub would reject is recorded in `server.violations` (the fixtures fail the test) and answered
the way GitHub answers it: a syntax or schema error, a variable of the wrong type, a connection
without `first`/`last` or asking for more than 100 nodes. Each query's rate-limit cost is computed
with GitHub's published formula (requests per connection, / 100, at least 1) and kept in
`server.graphql_log`, with the operation's name, for the benchmarks.

Faults apply as for REST (latency is slept by the server before this runs): injected 502s, a 401 for
a wrong token, and past `Faults.rate_limit_after` GitHub's GraphQL rate limit: HTTP 200 with an
`errors` entry of type `RATE_LIMITED` and `x-ratelimit-remaining: 0`. `graphql_faults` adds what only
GraphQL does: `partial_every` answers every Nth query with its data plus a `SERVICE_UNAVAILABLE`
error, `error_type` answers every query with one error of that type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    execute,
    get_named_type,
    parse,
    validate,
    validate_schema,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values, get_variable_values
from graphql.type import GraphQLIncludeDirective, GraphQLSkipDirective

from ..githubdata import graphql_schema_path
from .graphql_resolvers import Resolvers, type_of

if TYPE_CHECKING:
    from .server import GitHubTestServer

MAX_NODES = 100  # GitHub: `first` / `last` between 1 and 100
# GitHub's schema marks some implementations deprecated where the interface's field is not (Project.id,
# PullRequest.databaseId...). graphql-core refuses such a schema; GitHub serves it. Only these are excused.
_EXCUSED_SCHEMA_PROBLEM = "is not deprecated, so implementation field"


class GraphQLRecord(NamedTuple):
    operation: str  # the operation's name
    mutation: bool
    variables: dict[str, Any]
    status: int
    cost: int  # GitHub's rate-limit points for it


@dataclass
class GraphQLFaults:
    partial_every: int = 0  # every Nth GraphQL query: data plus an error (GitHub's partial answers)
    error_type: str | None = None  # every query: one error of this type (FORBIDDEN, NOT_FOUND, ...)
    seen: int = field(default=0)


@cache
def load_schema() -> GraphQLSchema:
    """GitHub's schema. It defines two fields of `EnterpriseOwnerInfo` twice (the SDL check would stop
    there; the definitions are identical), and its deprecations trip one schema rule (above)."""
    schema = build_schema(graphql_schema_path().read_text(encoding="utf-8"), assume_valid_sdl=True)
    problems = [e.message for e in validate_schema(schema) if _EXCUSED_SCHEMA_PROBLEM not in e.message]
    if problems:
        raise RuntimeError("GitHub's GraphQL schema has unexpected problems: " + "; ".join(problems[:5]))
    schema._validation_errors = []
    return schema


class GraphQLEndpoint:
    def __init__(self, server: GitHubTestServer) -> None:
        self.server = server
        self.faults = GraphQLFaults()
        self.log: list[GraphQLRecord] = []
        self.points = 0

    def handle(self, index: int, headers: dict[str, str], body: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
        """(status, JSON body, extra headers) for one POST /graphql."""
        server = self.server
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() not in ("token", "bearer") or token.strip() != server.token:
            return 401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/graphql"}, {}
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            server.violations.append("POST /graphql: the body is not a JSON object with a `query` string")
            return 400, {"message": "Problems parsing JSON"}, {}
        limited = server.graphql_rate_limited()
        if limited is not None and limited.status == 429:  # a secondary limit: an HTTP answer, as for REST
            return limited.status, limited.body, limited.headers
        if limited is not None:  # the primary limit: GraphQL says it in a 200
            uid = server.state.user_id(server.state.actor)
            error = {"type": "RATE_LIMITED", "message": f"API rate limit exceeded for user ID {uid}."}
            return 200, {"errors": [error]}, {}
        f = server.faults
        if index in f.fail_at or (f.fail_every > 0 and (index + 1) % f.fail_every == 0):
            return 502, {"message": "Server Error"}, {}
        variables = body.get("variables") or {}
        return (200, *self._answer(body["query"], variables if isinstance(variables, dict) else {}))

    def _answer(self, query: str, variables: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        schema = load_schema()
        try:
            document = parse(query)
        except GraphQLError as exc:
            return self._rejected([exc], "syntax"), {}
        problems = validate(schema, document)
        if problems:
            return self._rejected(problems, "schema"), {}
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        coerced = get_variable_values(schema, operation.variable_definitions or [], variables)
        if isinstance(coerced, list):
            return self._rejected(coerced, "variables"), {}
        try:
            cost = Cost(schema, document, coerced).of(operation)
        except GraphQLError as exc:
            return self._rejected([exc], "pagination"), {}
        name = operation.name.value if operation.name else "anonymous"
        mutation = operation.operation.value == "mutation"
        self.points += cost
        resolvers = Resolvers(self.server, cost)
        result = execute(
            schema,
            document,
            variable_values=variables,
            field_resolver=resolvers.resolve,
            type_resolver=type_of,
        )
        assert isinstance(result, ExecutionResult)  # no async resolvers: never an awaitable
        answer: dict[str, Any] = {"data": result.data}
        errors = [_github_error(e) for e in result.errors or []]
        for e in result.errors or []:
            if e.original_error is not None and not isinstance(e.original_error, GraphQLError):
                self.server.errors.append(f"POST /graphql {name}: {e.original_error!r} at {e.path}")
        self.faults.seen += 1
        if self.faults.error_type:
            errors.append({"type": self.faults.error_type, "message": f"injected {self.faults.error_type}"})
        elif self.faults.partial_every and self.faults.seen % self.faults.partial_every == 0:
            errors.append(
                {"type": "SERVICE_UNAVAILABLE", "message": "Something went wrong while executing your query."}
            )
        if errors:
            answer["errors"] = errors
        self.log.append(GraphQLRecord(name, mutation, variables, 200, cost))
        rate = self.server.rate_snapshot()
        return answer, {"x-ratelimit-resource": "graphql", "x-ratelimit-used": str(rate["used"])}

    def _rejected(self, errors: list[GraphQLError], what: str) -> dict[str, Any]:
        for e in errors:
            self.server.violations.append(f"POST /graphql: GitHub would reject this query ({what}): {e.message}")
        return {"errors": [{"message": e.message, "extensions": {"code": what}} for e in errors]}


def _github_error(error: GraphQLError) -> dict[str, Any]:
    """GitHub puts the error's `type` beside its message, not in `extensions`."""
    out: dict[str, Any] = {"message": error.message, "path": error.path}
    kind = (error.extensions or {}).get("type")
    if kind:
        out["type"] = kind
    return out


class Cost:
    """GitHub's rate-limit cost of a query, checking `first`/`last` on every connection on the way.

    Each connection costs one request per parent it is asked for (a nested `comments(first: 10)` under
    `issues(first: 100)` costs 100); the total / 100, rounded, at least 1."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: VariableValues) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}

    def of(self, operation: OperationDefinitionNode) -> int:
        root = self.schema.mutation_type if operation.operation.value == "mutation" else self.schema.query_type
        assert root is not None
        if operation.operation.value == "mutation":
            return 1
        return max(1, round(self._walk(operation.selection_set, root, 1) / 100))

    def _included(self, node: Any) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (skip and skip["if"]) and not (include is not None and not include["if"])

    def _walk(self, selection_set: SelectionSetNode, parent: Any, multiplier: int) -> int:
        requests = 0
        for node in selection_set.selections:
            if not self._included(node):
                continue
            if isinstance(node, InlineFragmentNode):
                kind = self.schema.get_type(node.type_condition.name.value) if node.type_condition else parent
                requests += self._walk(node.selection_set, kind, multiplier)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.fragments[node.name.value]
                kind = self.schema.get_type(fragment.type_condition.name.value)
                requests += self._walk(fragment.selection_set, kind, multiplier)
            elif isinstance(node, FieldNode) and not node.name.value.startswith("__"):
                definition = parent.fields[node.name.value]
                returned = get_named_type(definition.type)
                inner = multiplier
                if returned.name.endswith("Connection"):
                    args = get_argument_values(definition, node, self.variables)
                    count = args.get("first") or args.get("last")
                    if count is None:
                        raise GraphQLError(
                            f"You must provide a `first` or `last` value to properly paginate the "
                            f"`{node.name.value}` connection."
                        )
                    if not 1 <= count <= MAX_NODES:
                        raise GraphQLError(
                            f"Requesting {count} records on the `{node.name.value}` connection exceeds the "
                            f"`first` limit of {MAX_NODES} records."
                        )
                    requests += multiplier
                    inner = multiplier * count
                if node.selection_set is not None:
                    requests += self._walk(node.selection_set, returned, inner)
        return requests
