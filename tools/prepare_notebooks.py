"""Inject CI's small parameters into copies of the notebooks (papermill --prepare-only).

    python tools/prepare_notebooks.py SOURCE_DIR OUT_DIR PARAMETERS_JSON

nbval then executes the copies; the committed notebooks keep their full-size defaults.
"""

import json
import sys
from pathlib import Path

import papermill


def main(source: str, out: str, parameters_file: str) -> int:
    parameters = json.loads(Path(parameters_file).read_text())
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.ipynb"):
        stale.unlink()
    for path in sorted(Path(source).glob("*.ipynb")):
        papermill.execute_notebook(str(path), str(out_dir / path.name), kernel_name="python3",
                                   parameters=parameters.get(path.stem, {}), prepare_only=True,
                                   progress_bar=False, log_output=False)
        print(f"prepared {path.name} with {parameters.get(path.stem, {})}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
