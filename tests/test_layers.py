"""The package's folders form layers: each may import only the folders below it, and no module
imports itself round a circle. Read from the source (every import, inside functions too), so a
new upward import fails here with the edge named."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "cnnlab"

# folder -> the folders its modules may import (besides their own). `atomic` and `workbook` import nothing.
MAY_IMPORT = {
    "atomic": set(),
    "workbook": set(),
    "concepts": set(),
    "draw": {"concepts"},
    "widgets": {"concepts", "draw"},
    "data": {"atomic"},
    "training": {"data", "concepts", "atomic"},
    "exercises": {"concepts", "draw", "data", "training", "atomic"},
    "bench": {"concepts", "draw", "widgets", "data", "training", "atomic", "workbook"},
    "setup": {"concepts", "draw", "widgets", "data", "training", "exercises", "atomic", "workbook"},
    "": {"training", "setup"},   # cnnlab/__init__ (cnnlab.device) and cnnlab/__main__
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def folder(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] != "__main__" else ""


def imported(source: str, module: str, is_package: bool = False) -> set[str]:
    """The cnnlab modules that `source` (the text of `module`) imports, anywhere in it."""
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source, module)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            # `from cnnlab.training import models` imports the module cnnlab.training.models
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        found.update(n for n in names if n == "cnnlab" or n.startswith("cnnlab."))
    found.discard(module)
    return {n if n in MODULES else n.rpartition(".")[0] for n in found}


GRAPH = {module: imported(path.read_text(), module, path.name == "__init__.py")
         for module, path in MODULES.items()}


def test_every_folder_imports_only_the_folders_below_it():
    assert set(MAY_IMPORT) >= {folder(m) for m in MODULES}, "a new folder needs its row in MAY_IMPORT"
    upward = [f"{module} imports {target}" for module, targets in sorted(GRAPH.items()) for target in sorted(targets)
              if folder(target) != folder(module) and folder(target) not in MAY_IMPORT[folder(module)]]
    assert not upward, "imports against the layers (see MAY_IMPORT):\n" + "\n".join(upward)


def test_no_module_imports_itself_round_a_circle():
    circles, state = [], {}

    def visit(module, path):
        state[module] = "open"
        for target in sorted(GRAPH.get(module, ())):
            if state.get(target) == "open":
                circles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert not circles, "import circles:\n" + "\n".join(circles)


def test_the_layer_check_sees_function_level_and_module_imports():
    late = "import torch\n\ndef late():\n    from cnnlab.training.recipe import RECIPES\n"
    assert imported(late, "cnnlab.concepts.conv") == {"cnnlab.training.recipe"}
    assert imported("from cnnlab.training import models\n", "cnnlab.concepts.conv") == {"cnnlab.training.models"}
    assert imported("from . import xo\n", "cnnlab.concepts.conv") == {"cnnlab.concepts.xo"}
    assert imported("from cnnlab.data import load_dataset\n", "cnnlab.draw.plots") == {"cnnlab.data"}
