"""Check the recorded cassettes: each belongs to a test that still exists, and none holds a secret.

python scripts/check_cassettes.py        (exit 1 on a problem; run by ./scripts/test)
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "tests" / "cassettes"
# Authorization headers, the test server's token, and GitHub token shapes (classic, fine-grained, app).
SECRET = re.compile(r"(?i)authorization|test-token|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}")


def vcr_tests(module: Path) -> set[str]:
    """Names of the test functions marked @pytest.mark.vcr in a test module."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and any("vcr" in ast.unparse(d) for d in node.decorator_list):
            names.add(node.name)
    return names


def main() -> int:
    problems = []
    found = 0
    for folder in sorted(p for p in CASSETTES.iterdir() if p.is_dir()) if CASSETTES.is_dir() else []:
        module = ROOT / "tests" / f"{folder.name}.py"
        tests = vcr_tests(module) if module.is_file() else set()
        for cassette in sorted(folder.glob("*.yaml")):
            found += 1
            if cassette.stem not in tests:
                problems.append(
                    f"{cassette.relative_to(ROOT)}: no @pytest.mark.vcr test '{cassette.stem}' in {module.name}"
                )
            if match := SECRET.search(cassette.read_text(encoding="utf-8")):
                problems.append(f"{cassette.relative_to(ROOT)}: holds a secret-like string ({match.group(0)[:12]}...)")
        for name in sorted(tests - {c.stem for c in folder.glob("*.yaml")}):
            problems.append(f"tests/{folder.name}.py::{name}: marked vcr but has no cassette")
    for line in problems:
        print(line)
    print(f"cassettes: {found} checked, {len(problems)} problem(s)")
    return 1 if problems or not found else 0


if __name__ == "__main__":
    sys.exit(main())
