"""The architecture contracts: import-linter's (pyproject.toml [tool.importlinter], run by .ci/run) hold on
this tree and fail on a violation; and the lazy-TensorFlow rule, which import-linter cannot express (it sees
an import inside a function the same as one at module level), checked here on the syntax tree."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
needs_lint = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed (the dev extra)")

# Packages that load TensorFlow when imported; core.keras_env's functions load it when called.
TF_PACKAGES = {"tensorflow", "keras", "tf_keras", "mtcnn"}
KERAS_ENV_LOADERS = {"keras", "tf", "device_name"}


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """lint-imports with the pyproject.toml in ``cwd``, on the packages there (cwd comes first on its path)."""
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120)


@needs_lint
def test_contracts_hold_on_this_tree():
    out = lint_imports(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout, out.stdout


# A miniature of the tree with every module the contracts name, in the shape the real one has: the lazy
# imports are inside functions, the one allowed gui import of cli is the PDF printer.
MINI = {
    "core/__init__.py": "",
    "core/keras_env.py": "def keras():\n    import keras\n    return keras\n\n\n"
                         "def tf():\n    keras()\n    import tensorflow\n    return tensorflow\n",
    "core/faces.py": "def detector():\n    from core.keras_env import tf\n    tf()\n    from mtcnn import MTCNN\n"
                     "    return MTCNN()\n",
    "core/analysis.py": "from core import faces\n",
    "gui/__init__.py": "",
    "gui/report_pdf.py": "from PySide6.QtGui import QPdfWriter\n\nfrom core import analysis\n",
    "gui/workers.py": "from PySide6.QtCore import QThread\n\n\ndef warm_up():\n"
                      "    from core.keras_env import tf\n    tf()\n    import mtcnn\n",
    "gui/player.py": "import pyqtgraph\n\nfrom gui import workers\n",
    "cli/__init__.py": "",
    "cli/forensic.py": "def export(pdf):\n    if pdf:\n        from gui.report_pdf import export_pdf\n"
                       "        return export_pdf\n",
    "cli/analyze.py": "from cli import forensic\nfrom core import analysis\n",
}


def write_mini(tmp_path: Path, **changed: str) -> Path:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for rel, text in {**MINI, **changed}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


@needs_lint
def test_a_violation_breaks_its_contract(tmp_path):
    """The same contracts on a miniature tree: kept as it is, broken with the engine importing the window,
    the command line importing a window module other than the PDF printer, and the window importing
    TensorFlow itself (the exit status is what fails .ci/run)."""
    mini = write_mini(tmp_path)
    kept = lint_imports(mini)
    assert kept.returncode == 0, kept.stdout + kept.stderr  # the miniature is what was analysed, and is clean

    broken = lint_imports(write_mini(
        tmp_path,
        **{"core/analysis.py": "from core import faces\nfrom gui import player\n",
           "cli/analyze.py": "from cli import forensic\nfrom core import analysis\nfrom gui.workers import warm_up\n",
           "gui/timeline.py": "def curve():\n    import tensorflow\n"}))
    text = broken.stdout + broken.stderr
    assert broken.returncode == 1, text
    assert "3 broken" in text, text
    assert "core.analysis -> gui.player" in text, text
    assert "cli.analyze -> gui.workers" in text, text
    assert "gui.timeline -> tensorflow" in text, text
    assert "cli.forensic -> gui.report_pdf" not in text, text  # the named exception stays allowed


def module_level_tf_loads(source: str) -> list[str]:
    """Imports of a TensorFlow-loading package, and calls of core.keras_env's loaders, that run when the
    module is imported: at module level or in a class body, a decorator or a default value; not inside a
    function (or lambda) body, nor under ``if TYPE_CHECKING:``."""
    found, loaders, modules = [], set(), set()  # loaders: keras_env's functions; modules: keras_env itself

    class Visitor(ast.NodeVisitor):
        def visit_Import(self, node):
            for a in node.names:
                if a.name.split(".")[0] in TF_PACKAGES:
                    found.append(f"line {node.lineno}: import {a.name}")
                if a.name == "core.keras_env":
                    modules.add(a.asname or "core.keras_env")

        def visit_ImportFrom(self, node):
            mod = node.module or ""
            if node.level == 0 and mod.split(".")[0] in TF_PACKAGES:
                found.append(f"line {node.lineno}: from {mod} import ...")
            if mod == "core.keras_env":
                loaders.update(a.asname or a.name for a in node.names if a.name in KERAS_ENV_LOADERS)
            if mod == "core":
                modules.update(a.asname or a.name for a in node.names if a.name == "keras_env")

        def visit_Call(self, node):
            f = node.func
            if (isinstance(f, ast.Name) and f.id in loaders) or (
                    isinstance(f, ast.Attribute) and f.attr in KERAS_ENV_LOADERS and ast.unparse(f.value) in modules):
                found.append(f"line {node.lineno}: {ast.unparse(f)}() called at import")
            self.generic_visit(node)

        def visit_FunctionDef(self, node):
            for n in [*node.decorator_list, *node.args.defaults, *(d for d in node.args.kw_defaults if d)]:
                self.visit(n)

        visit_AsyncFunctionDef = visit_FunctionDef

        def visit_Lambda(self, node):
            for n in [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]:
                self.visit(n)

        def visit_If(self, node):
            if ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
                for n in node.orelse:
                    self.visit(n)
            else:
                self.generic_visit(node)

    Visitor().visit(ast.parse(source))
    return found


def test_tensorflow_loads_only_inside_functions():
    """The window opens in a second and the command line answers --help without TensorFlow's seconds:
    nothing in gui/, cli/, core/ or main.py loads it when imported."""
    files = [ROOT / "main.py", *(p for pkg in ("gui", "cli", "core") for p in sorted((ROOT / pkg).rglob("*.py")))]
    assert len(files) > 50
    bad = {str(p.relative_to(ROOT)): hits for p in files if (hits := module_level_tf_loads(p.read_text()))}
    assert not bad, bad


def test_the_lazy_rule_catches_module_level_loads():
    assert module_level_tf_loads("import tensorflow as tf\n") == ["line 1: import tensorflow"]
    assert module_level_tf_loads("from keras import layers\n")
    assert module_level_tf_loads("class A:\n    import mtcnn\n")
    assert module_level_tf_loads("from core.keras_env import keras\nLAYERS = keras().layers\n")
    assert module_level_tf_loads("from core import keras_env\nTF = keras_env.tf()\n")
    assert module_level_tf_loads("from core.keras_env import tf\n\n\ndef f(t=tf()):\n    pass\n")
    # lazy: allowed
    assert not module_level_tf_loads("from core.keras_env import keras, tf\n\n\ndef f():\n    import mtcnn\n"
                                     "    return keras(), tf()\n")
    assert not module_level_tf_loads("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import keras\n")
    assert not module_level_tf_loads("f = lambda: __import__('x')\nclass A:\n    def m(self):\n"
                                     "        import tensorflow\n")
