"""The .pyi stubs match the native module (stubtest) and type-check real use (mypy --strict)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=HERE.parent)


def test_stubs_match_the_native_module() -> None:
    result = mypy("mypy.stubtest", "natskit._native")
    assert result.returncode == 0, result.stdout + result.stderr


def test_package_and_sample_pass_mypy_strict() -> None:
    result = mypy("mypy", "--strict", "--no-incremental", "python/natskit", str(HERE / "typing_sample.py"))
    assert result.returncode == 0, result.stdout + result.stderr
