"""Where the workbook's notebooks are: given, in the working folder (or the one above), or in the
checkout cnnlab was installed from (pip install -e .). Imports nothing from cnnlab."""

import os
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]   # an editable install: the cloned folder
FIRST = "00_start_here.ipynb"


def notebook_folder(given: str | Path | None = None) -> Path:
    """The folder holding 00_start_here.ipynb: `given`, else $CNNLAB_NOTEBOOKS, else ./notebooks,
    the working folder itself, ../notebooks, then the checkout's notebooks/."""
    if given:
        candidates = [Path(given)]
    else:
        here = Path.cwd()
        candidates = [Path(p) for p in [os.environ.get("CNNLAB_NOTEBOOKS")] if p]
        candidates += [here / "notebooks", here, here.parent / "notebooks", CHECKOUT / "notebooks"]
    for folder in candidates:
        if (folder / FIRST).is_file():
            return folder.resolve()
    raise FileNotFoundError(
        f"No {FIRST} in {given or ', '.join(str(c) for c in candidates)}. The notebooks come with "
        "the workbook's folder (git clone, then pip install -e \".[notebooks]\"): run this inside "
        "it, or name the folder (--notebook-dir, or CNNLAB_NOTEBOOKS).")
