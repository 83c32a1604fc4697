"""Shared fixtures: the real GitHub data in ../shared/github (a copy lies beside every clone in CI)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["tests.ghserver.fixtures", "tests.state_fixtures"]

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DEVFLOW_SHARED_DIR", ROOT.parent / "shared"))
GITHUB_DATA = SHARED / "github"
PAYLOADS = GITHUB_DATA / "webhook-payloads"


def payload_files() -> list[Path]:
    return sorted(p for p in PAYLOADS.rglob("*.json") if p.name != "manifest.json")


def load_payload(relative: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / relative).read_text(encoding="utf-8"))
    return data


def event_name_of(path: Path) -> str:
    """webhook-payloads/<event>/[variants/]<action>.json -> <event>"""
    rel = path.relative_to(PAYLOADS)
    return rel.parts[0]


@pytest.fixture(scope="session", autouse=True)
def _shared_data_present() -> None:
    if not PAYLOADS.is_dir():
        pytest.exit(f"GitHub reference data not found at {PAYLOADS} (set DEVFLOW_SHARED_DIR)", returncode=3)
