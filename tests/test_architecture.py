"""The import rules, in code (the contracts in ``pyproject.toml``): ``simulation`` stays plain
Python (no Django, Channels or clusterviz import), so components and the API server run the
same in memory and in Django; its floors stay layered, so a new controller or add-on cannot
reach around the API server; and each Django app imports only the apps below it."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if lint is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken." in result.stdout
