"""Every third-party module the package imports is a declared dependency, not a transitive accident."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_imported_distribution_is_declared_in_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    # the runtime dependencies, the `state` extra that devflow_action/state/ alone imports, and the
    # `service` extra of the orchestration service (devflow_action/service/, github/app_auth.py)
    extras = project["optional-dependencies"]
    specs = [*project["dependencies"], *extras["state"], *extras["service"]]
    declared = {_canonical(re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0]) for spec in specs}
    imported: set[str] = set()
    for path in (ROOT / "devflow_action").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"devflow_action", "__future__"}
    owners = packages_distributions()
    undeclared = {
        module: owners.get(module, [module])
        for module in sorted(third_party)
        if not declared & {_canonical(d) for d in owners.get(module, [module])}
    }
    assert undeclared == {}


def test_package_data_ships_every_preset_and_template() -> None:
    """`extends: [python]` and `devflow init` read these from the installed package, not the checkout."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]
    package = ROOT / "devflow_action"
    shipped = {path for pattern in patterns["devflow_action"] for path in package.glob(pattern)}
    needed = {
        path
        for folder in ("presets", "templates")
        for path in (package / folder).rglob("*")
        if path.is_file() and path.suffix in (".yml", ".md") and path.name != "README.md"
    }
    assert needed and sorted(str(p.relative_to(package)) for p in needed - shipped) == []
