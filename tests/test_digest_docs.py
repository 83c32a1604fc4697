"""docs/digest.md shows a digest the real code made: its copy is what scripts/digest_example.py prints."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_example_in_the_digest_doc_is_what_the_code_makes() -> None:
    spec = importlib.util.spec_from_file_location("digest_example", ROOT / "scripts" / "digest_example.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    doc = (ROOT / "docs" / "digest.md").read_text(encoding="utf-8")
    assert module.replace(doc, module.example()) == doc, "run: python scripts/digest_example.py --write"
