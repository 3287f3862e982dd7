"""Colab and Kaggle: every notebook's setup cell installs cnnlab where it is missing.

Colab and Kaggle cannot be reached from here, so the mechanism is tested: a fresh virtual
environment without cnnlab, whose kernel runs notebook 00 with CNNLAB_INSTALL_FROM naming this
checkout. The setup cell installs cnnlab from it (as it installs from the repository in Colab),
then the notebook runs top to bottom; run again, the cell installs nothing.
"""

import json
import re
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import nbformat
import papermill

from cnnlab.setup.hosted import REPOSITORY, SETUP_TAG, install_source, notebook_link, setup_cell

ROOT = Path(__file__).resolve().parent.parent


def _printed(path: Path) -> list[str]:
    cells = json.loads(path.read_text())["cells"]
    return ["".join("".join(o.get("text", "")) for o in c.get("outputs", [])) for c in cells if c["cell_type"] == "code"]


def test_every_notebook_opens_with_the_same_setup_cell():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        first = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        assert first.source == setup_cell() and SETUP_TAG in first.metadata.tags, path.name
    assert install_source() in setup_cell() and REPOSITORY in install_source()


def test_the_links_to_colab_and_kaggle_name_the_repository_and_real_notebooks():
    start = nbformat.read(ROOT / "notebooks" / "00_start_here.ipynb", as_version=4).cells[0].source
    readme = (ROOT / "README.md").read_text()
    for service in ("colab", "kaggle"):
        assert notebook_link(service, "00_start_here") in start
        assert notebook_link(service, "00_start_here") in readme, f"the README's Open in {service} link"
    for link in re.findall(r"https://(?:colab\.research\.google\.com|kaggle\.com)\S+?\.ipynb", readme + start):
        assert (ROOT / "notebooks" / link.rsplit("/", 1)[1]).is_file(), link


def test_the_setup_cell_installs_cnnlab_into_a_fresh_environment(tmp_path, monkeypatch):
    fresh = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=True).create(fresh)
    python = fresh / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    # Borrow torch, JupyterLab's kernel and the rest from this environment (a fresh torch is
    # gigabytes), but not cnnlab: its editable hook is a .pth file, which a borrowed folder does not run.
    (purelib / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    check = subprocess.run([str(python), "-c", "import cnnlab"], cwd=tmp_path, capture_output=True)
    assert check.returncode != 0, "the fresh environment must start without cnnlab"
    kernels = tmp_path / "jupyter" / "kernels" / "fresh"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "fresh", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("CNNLAB_INSTALL_FROM", str(ROOT))
    monkeypatch.setenv("CNNLAB_DATA", str(ROOT / "data"))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    out = tmp_path / "00.ipynb"
    for run in ("first", "again"):
        papermill.execute_notebook(str(ROOT / "notebooks" / "00_start_here.ipynb"), str(out), kernel_name="fresh",
                                   cwd=str(tmp_path), progress_bar=False)
        printed = _printed(out)
        installing = f"installing cnnlab from {ROOT}" in printed[0]
        assert installing == (run == "first"), (run, printed[0])
        assert "cnnlab       0.1.0" in "".join(printed)
    where = subprocess.run([str(python), "-c", "import cnnlab.training.pretrained as p; print(p.ASSETS)"], cwd=tmp_path,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(fresh), where            # installed there, not borrowed
    assert (Path(where) / "cifar10_fast.pt").is_file()         # with the shipped network
