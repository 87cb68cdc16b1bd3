import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_core_imports_no_qt_and_no_tensorflow_at_import():
    """Importing every core module pulls in neither Qt nor the GUI, nor TensorFlow (it is lazy).

    Kept beside import-linter's contracts (tests/test_import_contracts.py): those see only first-party
    imports, not what a third-party package imports in turn, and not whether an import runs at load time;
    this checks what actually loads."""
    import core

    modules = [m.name for m in pkgutil.walk_packages(core.__path__, "core.")]
    assert "core.analysis" in modules and "core.models.bundle" in modules
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph', 'gui'))\n"
        "print('QT:' + ','.join(bad))\n"
        "print('TF:' + str('tensorflow' in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "QT:\n" in out.stdout, out.stdout
    # zoo modules may import keras lazily only; TensorFlow must not load just by importing core
    assert "TF:False" in out.stdout, out.stdout
