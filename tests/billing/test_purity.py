"""billing/ is pure: importing it (every submodule) pulls in no UI or database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("textual", "peewee", "store", "tui")
KNOWN = {"billing", "billing.money", "billing.schedule", "billing.charges", "billing.catalogue", "billing.summary"}

PROBE = r"""
import importlib, json, pkgutil, sys
sys.path.insert(0, sys.argv[1])
import billing
names = ["billing"] + [m.name for m in pkgutil.walk_packages(billing.__path__, prefix="billing.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"file": billing.__file__, "names": names, "modules": sorted(sys.modules)}))
"""


def test_billing_imports_no_ui_or_database():
    # -I: a fresh, isolated interpreter (no PYTHONPATH, no user site, no cwd on sys.path)
    result = subprocess.run(
        [sys.executable, "-I", "-c", PROBE, str(ROOT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert Path(report["file"]).resolve().is_relative_to(ROOT / "billing")
    assert KNOWN <= set(report["names"])
    leaked = sorted(
        m for m in report["modules"] if any(m == bad or m.startswith(bad + ".") for bad in FORBIDDEN)
    )
    assert leaked == []
