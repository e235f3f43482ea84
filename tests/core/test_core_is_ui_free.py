"""dl_core must stay importable and testable without a browser: it imports neither streamlit nor ui."""

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import dl_core

CORE = Path(__file__).resolve().parents[2] / "dl_core"
UI_PACKAGES = {"streamlit", "ui", "pages"}


def test_no_module_in_dl_core_imports_streamlit_or_ui():
    offenders = []
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in UI_PACKAGES]
    assert offenders == []


def test_importing_every_dl_core_module_loads_no_streamlit_or_ui():
    modules = [m.name for m in pkgutil.walk_packages(dl_core.__path__, "dl_core.")]
    assert len(modules) > 20
    code = (f"import sys, importlib\nfor m in {modules!r}: importlib.import_module(m)\n"
            f"print(sorted(set({sorted(UI_PACKAGES)!r}) & {{name.split('.')[0] for name in sys.modules}}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
