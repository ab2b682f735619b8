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



#: Heavy libraries most commands do not need: a module may import them, or a neurocast module
#: that imports one of them at its top, inside a function (docs/architecture.md, "Imports").
HEAVY = {"torch", "brian2", "nest", "mpi4py", "dask", "distributed", "pynwb", "neurolib",
         "matplotlib", "h5py", "pyarrow", "scipy", "sklearn", "networkx", "cect", "scoringrules", "tqdm",
         "importlib.metadata"}


def _top_level(tree) -> list:
    """The statements run on import: the module body, into if/try/with blocks, not into
    functions or classes."""
    import ast

    out, todo = [], list(tree.body)
    while todo:
        node = todo.pop()
        out.append(node)
        if isinstance(node, (ast.If, ast.Try, ast.With)):
            todo += [*node.body, *getattr(node, "orelse", []), *getattr(node, "finalbody", []),
                     *[s for h in getattr(node, "handlers", []) for s in h.body]]
    return out


def _imported(node, module: str, is_package: bool) -> list[str]:
    """The full module names an import statement in ``module`` names (relative ones resolved;
    ``from pkg import sub`` names ``pkg.sub``, and ``pkg`` for each name that is no module)."""
    import ast

    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[:len(package) - node.level + 1] if node.level else []
    stem = ".".join(base + ([node.module] if node.module else []))
    return [stem] + [f"{stem}.{a.name}" for a in node.names]


def late_imports(src) -> list[str]:
    """'module.py:line -> imported' for every import of a neurocast module that is not at the top
    of a module of the package under ``src`` (inside a function or a class), unless the imported
    module imports a heavy library (``HEAVY``) at its top: anything else imported late hides an
    import cycle."""
    import ast
    from pathlib import Path

    src = Path(src)

    def source(name: str):
        path = src.joinpath(*name.split("."))
        for candidate in (path / "__init__.py", path.with_suffix(".py")):
            if candidate.is_file():
                return candidate
        return None

    def imports_heavy(path) -> bool:
        names = [a.name if isinstance(node, ast.Import) else f"{node.module}.{a.name}"
                 for node in _top_level(ast.parse(path.read_text()))
                 if isinstance(node, (ast.Import, ast.ImportFrom)) for a in node.names]
        return any(n == h or n.startswith(h + ".") for n in names for h in HEAVY)

    found = []
    for path in sorted(src.rglob("*.py")):
        rel = path.relative_to(src)
        module = ".".join(rel.with_suffix("").parts).removesuffix(".__init__")
        tree = ast.parse(path.read_text())
        top = {id(node) for node in _top_level(tree)}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)) or id(node) in top:
                continue
            names = [n for n in _imported(node, module, path.name == "__init__.py")
                     if n.split(".")[0] == "neurocast"]
            if isinstance(node, ast.ImportFrom) and names:  # the submodules, else the module
                names = [n for n in names[1:] if source(n)] or names[:1]
            for name in names:
                if source(name) is None:
                    found.append(f"{rel.as_posix()}:{node.lineno} -> {name} (no such module)")
                elif not imports_heavy(source(name)):
                    found.append(f"{rel.as_posix()}:{node.lineno} -> {name}")
    return sorted(found)


def test_neurocast_modules_are_imported_at_the_top():
    from pathlib import Path

    assert late_imports(Path(__file__).parents[1] / "src") == []


def test_the_late_import_check_sees_them(tmp_path):
    pkg = tmp_path / "neurocast"
    (pkg / "deep").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "deep/__init__.py": "",
        "deep/_net.py": "try:\n    import torch.nn as nn\nexcept ImportError:\n    nn = None\n",
        "_plain.py": "X = 1\n",
        "user.py": ("import typing\nif typing.TYPE_CHECKING:\n    from neurocast._plain import X\n"
                    "def f():\n    from neurocast.deep import _net\n    from neurocast._plain import X\n"
                    "    def g():\n        import neurocast._plain as p\n    return _net, X, g\n"
                    "class C:\n    from neurocast import _plain\n"),
        "deep/rel.py": "def f():\n    from .._plain import X\n    from . import _net\n    return X, _net\n",
    }
    for name, text in files.items():
        (pkg / name).write_text(text)
    assert late_imports(tmp_path) == [
        "neurocast/deep/rel.py:2 -> neurocast._plain",
        "neurocast/user.py:11 -> neurocast._plain",  # sorted as text
        "neurocast/user.py:6 -> neurocast._plain",
        "neurocast/user.py:8 -> neurocast._plain",
    ]
