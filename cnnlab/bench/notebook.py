"""Run a workbook notebook as a student would (papermill, default parameters) and read what it printed."""

import re
import time
from pathlib import Path

from cnnlab.workbook import notebook_folder

ACCURACY = re.compile(r"Test accuracy \(overall\):\s*([\d.]+)%")
TRAINED = re.compile(r"trained .*")


def find_notebook(stem: str, folder: str | Path | None = None) -> Path:
    """NN_<stem>.ipynb in the workbook's notebook folder (`workbook.notebook_folder`), whatever its number."""
    folder = notebook_folder(folder)
    found = sorted(folder.glob(f"*_{stem}.ipynb"))
    if not found:
        raise FileNotFoundError(f"no notebook *_{stem}.ipynb in {folder}")
    return found[0]


def printed_text(notebook) -> str:
    """All stream output of an executed notebook (an nbformat node), in order."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                parts.append(output.get("text", ""))
    return "".join(parts)


def run_notebook(stem: str, parameters: dict | None = None, output_folder: str | Path = "build/bench",
                 notebooks: str | Path | None = None) -> dict:
    """Execute the notebook with its defaults plus `parameters`; return what it reports.

    Its checkpoint goes to `output_folder`, so a benchmark never overwrites a student's own.
    """
    import nbformat
    import papermill

    source = find_notebook(stem, notebooks)
    output_folder = Path(output_folder).resolve()
    output_folder.mkdir(parents=True, exist_ok=True)
    label = "-".join(f"{k}={v}" for k, v in (parameters or {}).items())
    target = output_folder / f"{source.stem}{'-' + label if label else ''}.ipynb"
    injected = {"CHECKPOINT": str(output_folder / f"{source.stem}-{label}-best.pt"), **(parameters or {})}
    began = time.monotonic()
    papermill.execute_notebook(str(source), str(target), parameters=injected, kernel_name="python3",
                               cwd=str(source.parent), progress_bar=False)
    seconds = time.monotonic() - began
    text = printed_text(nbformat.read(target, as_version=4))
    accuracy = ACCURACY.findall(text)
    trained = TRAINED.findall(text)
    return {"notebook": source.name, "parameters": parameters or {}, "seconds": round(seconds, 1),
            "test_accuracy": float(accuracy[-1]) / 100 if accuracy else None,
            "trained": trained[-1] if trained else None, "output": str(target)}
