"""The container's entry point never imports code from the (possibly untrusted) workspace."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MALICIOUS = "import pathlib\npathlib.Path('PWNED').write_text('workspace code ran')\nraise SystemExit(99)\n"


def _workspace(tmp_path: Path) -> Path:
    """A pull request's checkout that ships its own `devflow_action` package."""
    pkg = tmp_path / "devflow_action"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(MALICIOUS)
    (pkg / "__main__.py").write_text(MALICIOUS)
    return tmp_path


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    env.pop("PYTHONPATH", None)
    return env


def test_entrypoint_with_P_ignores_a_devflow_action_folder_in_the_workspace(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-P", "-m", "devflow_action"], cwd=ws, env=_env(), capture_output=True, text=True
    )
    assert not (ws / "PWNED").exists()
    assert proc.returncode == 1  # our own usage error: no runner environment
    assert "GITHUB_EVENT_NAME is not set" in proc.stdout


def test_without_P_the_workspace_would_win(tmp_path: Path) -> None:
    """The control: shows the attack the -P flag (used by the Dockerfile) prevents is real."""
    ws = _workspace(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "devflow_action"], cwd=ws, env=_env(), capture_output=True, text=True)
    assert (ws / "PWNED").exists() and proc.returncode == 99


def test_dockerfile_entrypoint_uses_P() -> None:
    dockerfile = (Path(__file__).resolve().parents[1] / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["python", "-P", "-m", "devflow_action"]' in dockerfile
