"""The top-level package: every public name and subpackage resolves (lazily)."""

from __future__ import annotations

import importlib
import sys

import pytest


def test_every_public_name_resolves():
    import neurocast

    for name in neurocast.__all__:
        assert getattr(neurocast, name) is not None
    assert neurocast.simulate is importlib.import_module("neurocast.sim").simulate
    assert set(neurocast.__all__) <= set(dir(neurocast))


def test_subpackages_are_attributes():
    import neurocast

    assert neurocast.sim.neuron_model("shiu") == neurocast.ShiuParams()
    assert neurocast.record.get_plan("fly-zap").model == "shiu-adapt"


def test_unknown_attribute():
    import neurocast

    with pytest.raises(AttributeError, match="no attribute 'simulator'"):
        neurocast.simulator  # noqa: B018


def private_imports_across_packages() -> list[str]:
    """'importer -> imported' for every import of a private module (a name starting with '_')
    from outside the package that holds it: other packages must use its public names."""
    grimp = pytest.importorskip("grimp")  # import-linter's import graph (the test extra)
    graph = grimp.build_graph("neurocast", cache_dir=None)  # no cache folder written
    found = []
    for imported in sorted(graph.modules):
        parts = imported.split(".")
        private = [k for k, part in enumerate(parts)
                   if part.startswith("_") and not part.startswith("__")]
        if not private:
            continue
        owner = ".".join(parts[:private[0]])  # the package whose insides the module is
        for importer in sorted(graph.find_modules_that_directly_import(imported)):
            if importer != owner and not importer.startswith(owner + "."):
                found.append(f"{importer} -> {imported}")
    return found


def test_private_modules_are_imported_only_inside_their_package():
    assert private_imports_across_packages() == []


def test_the_private_import_check_sees_one(tmp_path, monkeypatch):
    (tmp_path / "neurocast").mkdir()
    for path, text in {"__init__.py": "", "a/__init__.py": "", "a/_inner.py": "X = 1\n",
                       "b/__init__.py": "", "b/user.py": "from neurocast.a._inner import X\n",
                       "a/ok.py": "from neurocast.a._inner import X\n"}.items():
        (tmp_path / "neurocast" / path).parent.mkdir(exist_ok=True)
        (tmp_path / "neurocast" / path).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m == "neurocast" or m.startswith("neurocast.")]:
        monkeypatch.delitem(sys.modules, name)
    assert private_imports_across_packages() == ["neurocast.b.user -> neurocast.a._inner"]


def late_imports(src) -> list[str]:
    """'module:line -> imported' for every neurocast import inside a function of the package
    under ``src`` whose target does not import torch at its top (torch is an optional extra,
    so torch modules are imported on use; any other late import hides an import cycle)."""
    import ast
    from pathlib import Path

    src = Path(src)

    def imports_torch(name: str) -> bool:
        path = src.joinpath(*name.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        tree = ast.parse(path.read_text())
        return any(isinstance(node, ast.Import) and any(a.name == "torch" for a in node.names)
                   for node in tree.body)

    found = []
    for path in sorted(src.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                names = ([node.module] if isinstance(node, ast.ImportFrom) and node.module
                         else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
                for name in names:
                    if name.split(".")[0] == "neurocast" and not imports_torch(name):
                        found.append(f"{path.relative_to(src).as_posix()}:{node.lineno} -> {name}")
    return found


def test_neurocast_modules_are_imported_at_the_top():
    from pathlib import Path

    assert late_imports(Path(__file__).parents[1] / "src") == []


def test_the_late_import_check_sees_one(tmp_path):
    pkg = tmp_path / "neurocast"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "_net.py").write_text("import torch\n")
    (pkg / "_plain.py").write_text("X = 1\n")
    (pkg / "user.py").write_text("def f():\n    from neurocast._net import N\n"
                                 "    from neurocast._plain import X\n    return N, X\n")
    assert late_imports(tmp_path) == ["neurocast/user.py:3 -> neurocast._plain"]
