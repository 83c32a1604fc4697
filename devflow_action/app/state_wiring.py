"""Which state store a run uses, opening it, and what the summary says about it.

The URL comes from the ``orchestration-url`` input, else from the environment variable that
``orchestration.url_env`` in ``.devflow.yml`` names (the file never holds the URL: it has a
password). Empty: no state, nothing imported, nothing sent anywhere. The entry point prints; this
module only decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config.model import Config
from ..diagnostics import escape_markdown
from ..ledger import StateUnavailable
from ..state.url import StateURL, parse

if TYPE_CHECKING:  # loaded only when a URL is set: the default path stays as light as before
    from ..state.guard import Guarded


@dataclass(frozen=True)
class StateChoice:
    url: StateURL | None
    required: bool
    source: str = ""  # where the URL came from, for messages


def secrets_of(url: str, token: str) -> list[str]:
    """What the entry point masks first: the URL's password (and the URL), the orchestration token.
    A URL that does not parse is masked whole."""
    found = [token] if token else []
    try:
        parsed = parse(url)
    except Exception:  # a malformed URL may still hold a password: hide all of it
        return [*found, url.strip()]
    return [*found, *(parsed.secrets if parsed else [])]


def choose(url_input: str, required_input: bool, config: Config, env: Mapping[str, str]) -> StateChoice:
    """The input wins over ``.devflow.yml``; ``state-required`` holds if either says so."""
    orchestration = config.orchestration
    required = required_input or (orchestration is not None and orchestration.state_required)
    if url_input.strip():
        return StateChoice(parse(url_input), required, "the orchestration-url input")
    if orchestration is not None and orchestration.url_env:
        name = orchestration.url_env
        return StateChoice(parse(env.get(name, "")), required, f"${name} (orchestration.url_env)")
    return StateChoice(None, required)


def open_state(url: StateURL, required: bool) -> Guarded:
    """The run's guarded store. Unreachable: when required, ``StateUnavailable`` (exit 2, before
    anything is written); otherwise a guard that records nothing and says why."""
    from ..state import open_store
    from ..state.guard import Guarded

    try:
        store = open_store(url)
    except StateUnavailable as exc:
        if required:
            raise
        return Guarded(None, url.shown, problems=[str(exc)])
    assert store is not None
    return Guarded(store, url.shown, required)


def open_for_reading(url: StateURL) -> Guarded:
    """A store to read from only (``devflow digest --state-url``): no migration, nothing written. A
    store that cannot be reached, or whose schema is behind, is a guard that reads nothing and says why."""
    from ..state import open_store
    from ..state.guard import Guarded

    try:
        store = open_store(url, migrate=False)
    except StateUnavailable as exc:
        return Guarded(None, url.shown, problems=[str(exc)])
    assert store is not None
    if store.backend == "postgresql":
        from ..state.migrate import pending

        behind = pending(getattr(store, "conn"))  # noqa: B009  (PostgresStore's connection)
        if behind:
            store.close()
            why = f"its schema is behind ({len(behind)} migration(s) pending: run `devflow state migrate`)"
            return Guarded(None, url.shown, problems=[why])
    return Guarded(store, url.shown)


def state_required_failed(state: Guarded) -> bool:
    """The state is required and something was not recorded: the run exits 2."""
    return state.required and bool(state.problems)


def failure_text(state: Guarded) -> str | None:
    """One line for a ``::warning`` (or an ``::error`` when the state is required), or None."""
    if not state.problems:
        return None
    lost = "; ".join(dict.fromkeys(state.unrecorded)) or "nothing yet"
    return f"the state store failed ({state.problems[0]}); not recorded: {lost}"


def summary_markdown(state: Guarded) -> str:
    if not state.problems:
        done = "; ".join(state.recorded) or "nothing to record"
        return f"State: recorded in {escape_markdown(state.where)} ({escape_markdown(done)})."
    lines = [f"**State not recorded**: {escape_markdown(state.problems[0])}", ""]
    lines += [f"- not recorded: {escape_markdown(item)}" for item in dict.fromkeys(state.unrecorded)]
    lines += [f"- recorded: {escape_markdown(item)}" for item in state.recorded]
    if state.required:
        lines += [
            "",
            "`state-required` is set: Devflow made no write it could not claim in the ledger first, and the run "
            "exits 2; re-run the job once the state store is back.",
        ]
    else:
        lines += ["", "The GitHub work above did not depend on it and was done."]
    return "\n".join(lines)
