"""The layout holds: the import-linter contracts of pyproject.toml (layers
tui -> store -> billing, billing pure, store without screens, no import
circle in any room), no source file over 400 lines, no module imported
under the alias `store`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROOMS = ("billing", "store", "tui", "bench", "stress")
MAX_LINES = 400
#: The one file allowed past MAX_LINES (a Line-API table is long by nature).
LONG_FILES: set[str] = set()


def sources() -> list[Path]:
    return sorted(p for room in ROOMS for p in (ROOT / room).rglob("*.py"))


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout and result.stdout.count("KEPT") >= 4


def test_no_source_file_is_over_400_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in sources()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert set(long) <= LONG_FILES, long


def test_no_module_is_imported_as_store():
    alias = re.compile(r"^\s*(from\s+\S+\s+)?import\s+.*\bas\s+store\b", re.M)
    found = [str(p.relative_to(ROOT)) for p in sources() + sorted((ROOT / "tests").rglob("*.py")) if alias.search(p.read_text(encoding="utf-8"))]
    assert found == []
