"""The action's process imports only what the event needs: on the startup benchmark's scenario (a PR
with 250 files, 5 path rules, a valid config) neither jsonschema nor ghapi is loaded (docs/startup.md).
The run is the benchmark's own (benchmarks/startup.py), so the benchmark cannot rot either."""

from __future__ import annotations

from pathlib import Path

from benchmarks.startup import import_breakdown, run_once

NOT_NEEDED = {"jsonschema", "jsonschema_specifications", "referencing", "rpds", "ghapi", "fastcore", "fastspec"}


def imported(importtime: str) -> set[str]:
    return {name for name, _ in import_breakdown(importtime, top=100_000)}


def test_pull_request_run_with_a_valid_config_imports_neither_jsonschema_nor_ghapi(tmp_path: Path) -> None:
    packages = imported(run_once(tmp_path, ("-X", "importtime")).stderr)
    assert {"devflow_action", "httpx2", "yaml", "pathspec"} <= packages  # the breakdown saw the run
    assert packages & NOT_NEEDED == set()
