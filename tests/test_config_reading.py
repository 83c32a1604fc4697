"""Before YAML: a config that is too large, binary, UTF-16, not UTF-8 or a directory is refused with a
located, plain message, on both ways a config arrives (a file, and bytes read through GitHub's API)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from devflow_action.config.loader import load_bytes, load_file, load_text
from devflow_action.config.reading import MAX_BYTES
from devflow_action.diagnostics import ConfigError

VALID = "version: 1\nrules:\n  - name: r\n    on: issues\n    then: [{label: a}]\n"
Loader = Callable[[bytes, Path], object]


def _from_file(data: bytes, tmp_path: Path) -> object:
    path = tmp_path / ".devflow.yml"
    path.write_bytes(data)
    return load_file(path, ".devflow.yml")


def _from_api(data: bytes, tmp_path: Path) -> object:
    return load_bytes(data, ".devflow.yml")


BOTH = pytest.mark.parametrize("load", [_from_file, _from_api], ids=["file", "api-bytes"])


def messages(load: Loader, data: bytes, tmp_path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(data, tmp_path)
    return [d.text() for d in info.value.diagnostics]


@BOTH
def test_a_config_over_the_size_limit_is_refused_before_parsing(load: Loader, tmp_path: Path) -> None:
    data = (VALID + "# padding\n" * (MAX_BYTES // 10)).encode()
    started = time.perf_counter()
    assert messages(load, data, tmp_path) == [
        f".devflow.yml: the file is {len(data):,} bytes; a configuration may be at most 524,288 bytes (512 KiB): "
        "is this the right file?"
    ]
    assert time.perf_counter() - started < 0.5  # parsing it would take seconds


@BOTH
def test_a_config_at_the_size_limit_still_loads(load: Loader, tmp_path: Path) -> None:
    data = VALID.encode()
    data += b"#" * (MAX_BYTES - len(data) - 1) + b"\n"
    assert len(data) == MAX_BYTES
    load(data, tmp_path)


def test_load_text_applies_the_same_limit() -> None:
    with pytest.raises(ConfigError, match="may be at most 524,288 bytes"):
        load_text(VALID + "#" * MAX_BYTES)


@BOTH
def test_a_binary_file_is_named_as_such(load: Loader, tmp_path: Path) -> None:
    data = b"\x7fELF\x02\x01\x01\x00\x00\x00\xd0\xff\x00\x00"
    assert messages(load, data, tmp_path) == [
        ".devflow.yml: this is a binary file, not YAML text; name the configuration file"
    ]


@BOTH
def test_utf16_text_says_to_save_as_utf8(load: Loader, tmp_path: Path) -> None:
    assert messages(load, VALID.encode("utf-16"), tmp_path) == [
        ".devflow.yml:1:1: the file is UTF-16 text; save it as UTF-8"
    ]


@BOTH
def test_bytes_that_are_not_utf8_are_located_in_characters(load: Loader, tmp_path: Path) -> None:
    data = "version: 1\n# café ".encode() + b"\xe9\n"
    assert messages(load, data, tmp_path) == [
        ".devflow.yml:2:8: the file is not valid UTF-8 (byte 0xe9); save it as UTF-8"
    ]


def test_a_directory_is_not_a_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_file(tmp_path, "conf")
    assert [d.text() for d in info.value.diagnostics] == [
        "conf: this is a directory; name the configuration file itself (e.g. .devflow.yml)"
    ]


def test_a_missing_config_says_how_to_create_one_without_commands_that_do_not_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_file(tmp_path / "absent.yml", "absent.yml")
    assert [d.text() for d in info.value.diagnostics] == [
        f"absent.yml: no configuration file at {tmp_path / 'absent.yml'} (create one with `devflow init`; "
        "Devflow's docs/configuration.md describes the format, its examples/ folder has ready ones to copy)"
    ]


def test_the_create_hint_points_at_files_that_exist() -> None:
    root = Path(__file__).resolve().parents[1]
    assert (root / "docs" / "configuration.md").is_file() and (root / "examples" / "devflow.yml").is_file()
