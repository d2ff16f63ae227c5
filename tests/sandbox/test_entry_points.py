"""The sandbox's commands reach people two ways: `mmsp-sandbox` and `mmsp-bot sandbox`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def _commands(*argv: str) -> list[str]:
    shown = subprocess.run([*argv, "--help"], capture_output=True, text=True, check=True).stdout
    listed = shown.split("Commands:", 1)[1].splitlines()
    return [line.split()[0] for line in listed if line.startswith("  ") and line.split()]


def test_the_sandbox_has_its_own_command_with_the_same_subcommands_as_mmsp_bot_sandbox():
    own = _commands(str(BIN / "mmsp-sandbox"))
    assert "serve" in own and "follow" in own
    assert own == _commands(str(BIN / "mmsp-bot"), "sandbox")


def test_mmsp_bot_finds_the_sandbox_through_its_package_entry_point():
    assert "sandbox" in _commands(str(BIN / "mmsp-bot"))
