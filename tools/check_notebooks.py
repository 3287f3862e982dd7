"""Enforce the notebook conventions (see README, "Contributing").

    python tools/check_notebooks.py notebooks             report problems, exit 1 if any
    python tools/check_notebooks.py --fix notebooks       strip outputs and widget state
    python tools/check_notebooks.py --record DIR notebooks
        copy the outputs of `# NBVAL_CHECK_OUTPUT` cells from executed copies in DIR

Rules: kernel `python3`; the first code cell is the setup cell for Colab and Kaggle, exactly as
`cnnlab.setup.hosted.setup_cell()` writes it (`--fix` puts it there); the second is tagged `parameters`
and holds plain constants; no outputs, execution counts or widget state, except the outputs of
cells marked `# NBVAL_CHECK_OUTPUT`, which nbval compares.
"""

import ast
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from cnnlab.setup.hosted import SETUP_TAG, setup_cell  # noqa: E402 - the checkout's own package

KEEP = "# NBVAL_CHECK_OUTPUT"


def problems(nb) -> list[str]:
    found = []
    if nb.metadata.get("kernelspec", {}).get("name") != "python3":
        found.append("kernel name is not python3")
    if "widgets" in nb.metadata:
        found.append("widget state is stored in the metadata")
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = bool(code) and SETUP_TAG in code[0].metadata.get("tags", [])
    if not tagged or code[0].source != setup_cell():
        found.append("the first code cell is not cnnlab.setup.hosted.setup_cell() tagged 'setup' "
                     "(make clean-notebooks puts it there)")
    code = code[1:] if tagged else code
    if not code or "parameters" not in code[0].metadata.get("tags", []):
        found.append("the code cell after the setup cell is not tagged 'parameters'")
    elif not all(isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant | ast.UnaryOp)
                 for node in ast.parse(code[0].source).body):
        found.append("the parameters cell must hold plain constants only (NAME = value)")
    elif len(_papermill_parameters(code[0].source)) != len(ast.parse(code[0].source).body):
        found.append("papermill cannot read every line of the parameters cell "
                     "(avoid quotes and semicolons in its comments)")
    for i, cell in enumerate(code):
        kept = KEEP in cell.source
        if cell.outputs and not kept:
            found.append(f"code cell {i} has stored outputs")
        if cell.execution_count is not None and not kept:
            found.append(f"code cell {i} has an execution count")
        if kept and not cell.outputs:
            found.append(f"code cell {i} is marked {KEEP} but has no stored output")
    return found


def _papermill_parameters(source: str) -> list:
    import logging

    from papermill.translators import PythonTranslator

    logging.getLogger("papermill").setLevel(logging.ERROR)
    return PythonTranslator.inspect({"source": source})


def place_setup_cell(nb) -> None:
    """Put (or refresh) the setup cell as the first code cell."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    if code and SETUP_TAG in code[0].metadata.get("tags", []):
        code[0].source = setup_cell()
        return
    first = nb.cells.index(code[0]) if code else len(nb.cells)
    cell = nbformat.v4.new_code_cell(setup_cell(), metadata={"tags": [SETUP_TAG]})
    cell.id = SETUP_TAG   # a stable id: the diff of a re-run shows no churn
    nb.cells.insert(first, cell)


def clean(nb) -> None:
    place_setup_cell(nb)
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for cell in nb.cells:
        if cell.cell_type == "code":
            kept = KEEP in cell.source and cell.outputs
            cell.execution_count = 1 if kept else None  # nbval skips reference cells never run
            if not kept:
                cell.outputs = []
            for output in cell.outputs:
                if output.get("output_type") == "execute_result":
                    output["execution_count"] = 1
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)


def record(nb, executed) -> None:
    by_id = {c.get("id"): c for c in executed.cells}
    for cell in nb.cells:
        if cell.cell_type == "code" and KEEP in cell.source and cell.get("id") in by_id:
            cell.outputs = by_id[cell.id].outputs


def main(argv: list[str]) -> int:
    fix = "--fix" in argv
    record_dir = Path(argv[argv.index("--record") + 1]) if "--record" in argv else None
    folders = [a for a in argv if not a.startswith("--") and (record_dir is None or Path(a) != record_dir)]
    failed = 0
    for path in sorted(p for folder in folders for p in Path(folder).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        if record_dir is not None and (record_dir / path.name).exists():
            record(nb, nbformat.read(record_dir / path.name, as_version=4))
        if fix or record_dir is not None:
            clean(nb)
            nbformat.write(nb, path)
        for problem in problems(nb):
            failed += 1
            print(f"{path}: {problem}")
    if failed:
        print(f"\n{failed} problem(s). Clear outputs with `make clean-notebooks`, then commit.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
