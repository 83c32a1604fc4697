"""`devflow validate`: exit 0 valid (warnings printed), 1 invalid, 2 usage; text, json and github formats."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from devflow_action.cli import COMMANDS, main

BROKEN = "version: 1\nrules:\n  - name: r\n    on: issues.opened\n    then:\n      - lable: bug\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".devflow.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_config_exits_0_and_prints_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path,
        "version: 1\nlabels:\n  b: {}\nrules:\n  - name: r\n    on: issues\n    then: [{label: a}]\n",
    )
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert f"{path}:7:20: warning: rules[0].then[0].label: label 'a' is not declared under `labels`" in out
    assert "valid (1 rules, 1 warning(s))" in err


def test_invalid_config_exits_1_with_located_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, BROKEN)
    assert main(["validate", str(path)]) == 1
    out, _ = capsys.readouterr()
    assert out.strip() == f"{path}:6:9: rules[0].then[0]: unknown action 'lable' (did you mean 'label'?)"


def test_missing_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "absent.yml")]) == 1
    assert "no configuration file at" in capsys.readouterr().out


def test_usage_error_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["validate", "--format", "xml"])
    assert info.value.code == 1  # usage errors share exit 1 with invalid input (exits.py)


def test_json_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, BROKEN)
    assert main(["validate", str(path), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data == [
        {
            "line": 6,
            "col": 9,
            "path": "rules[0].then[0]",
            "message": "unknown action 'lable' (did you mean 'label'?)",
            "severity": "error",
            "file": str(path),
        }
    ]


def test_github_format_escapes_user_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hostile = 'version: 1\nrules:\n  - name: r\n    on: issues\n    then:\n      - "x%0A::add-mask::y\\n::set-output name=a::b": 1\n'
    path = write(tmp_path, hostile)
    assert main(["validate", str(path), "--format", "github"]) == 1
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"::error file={path},line=6,col=9::rules[0].then[0]: unknown action 'x%250A::add-mask::y%0A")
    assert "\n" not in out  # one command: the newline in the key cannot start a new workflow command


def test_tabs_for_indentation_say_use_spaces(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "version: 1\nrules:\n  - name: r\n\ton: issues\n")
    assert main(["validate", str(path)]) == 1
    out, _ = capsys.readouterr()
    assert out == f"{path}:4:1: a tab indents this line; YAML allows only spaces: use spaces for indentation\n"


def test_a_directory_is_a_plain_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path)]) == 1
    out, _ = capsys.readouterr()
    assert out == f"{tmp_path}: this is a directory; name the configuration file itself (e.g. .devflow.yml)\n"


def test_a_binary_file_is_a_plain_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.out"
    path.write_bytes(bytes(range(256)))
    assert main(["validate", str(path)]) == 1
    out, _ = capsys.readouterr()
    assert out == f"{path}: this is a binary file, not YAML text; name the configuration file\n"


def test_messages_recommend_no_command_that_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "absent.yml")]) == 1
    out, _ = capsys.readouterr()
    assert "examples/" in out and "docs/configuration.md" in out
    package = Path(__file__).resolve().parents[1] / "devflow_action"
    named = {
        (path.name, name)
        for path in package.rglob("*.py")
        for name in re.findall(r"devflow (\w+)`", path.read_text(encoding="utf-8"))
    }
    assert {(file, name) for file, name in named if name not in COMMANDS} == set()
