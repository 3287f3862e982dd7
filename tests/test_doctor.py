"""`cnnlab doctor`: each check is shown failing for real, and says what to do."""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from cnnlab.setup import doctor
from cnnlab.setup.doctor import FAIL, OK, WARN
from cnnlab.widgets.frontend import frontend

ROOT = Path(__file__).resolve().parent.parent
ARCHIVES = ROOT.parent / "shared" / "datasets"


def _in_kernel(source: str, env: dict) -> str:
    """Run `source` in a real IPython kernel started with `env`; return what it printed."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    NotebookClient(nb, kernel_name="python3", timeout=120).execute(env=env)   # as JupyterLab hands on its own
    return "".join(o.get("text", "") for o in nb.cells[0].outputs)


def test_a_kernel_told_agg_is_told_it_will_draw_nothing():
    source = "from cnnlab.setup.doctor import check_backend\nf = check_backend()\nprint(f.status, '|', f.found, '|', f.fix)"
    agg = _in_kernel(source, {**os.environ, "MPLBACKEND": "Agg"})
    assert agg.startswith(FAIL) and "unset MPLBACKEND" in agg, agg
    clean = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    inline = _in_kernel(source, clean)
    assert inline.startswith(OK) and "inline" in inline, inline


def test_missing_ipycanvas_is_reported_and_the_digit_board_falls_back_to_the_grid():
    script = ("import sys; sys.modules['ipycanvas'] = None\n"   # as if it were not installed
              "from cnnlab.setup.doctor import check_canvas\n"
              "from cnnlab.widgets.sketch import DigitCanvas\n"
              "f = check_canvas(); board = DigitCanvas()\n"
              "print(f.status, board.canvas is None, hasattr(board, 'grid'), f.fix)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.startswith(f"{WARN} True True") and "pip install" in out, out


def test_ipycanvas_without_its_frontend_extension(tmp_path):
    finding = doctor.check_canvas(dirs=[tmp_path], where="jupyter")
    assert finding.status == WARN and "extension" in finding.found and "reinstall" in finding.fix
    assert doctor.check_canvas(where="jupyter").status == OK   # this environment has it


def test_widget_manager_missing_or_of_another_generation(tmp_path):
    assert doctor.check_widgets(where="jupyter").status == OK
    missing = doctor.check_widgets(dirs=[tmp_path], where="jupyter")
    assert missing.status == FAIL and "jupyterlab_widgets" in missing.fix
    old = tmp_path / "@jupyter-widgets" / "jupyterlab-manager"
    old.mkdir(parents=True)
    (old / "package.json").write_text(json.dumps({"version": "3.1.0"}))   # ipywidgets 7's manager
    mismatch = doctor.check_widgets(dirs=[tmp_path], where="jupyter")
    assert mismatch.status == FAIL and "do not match" in mismatch.found and "3.1.0" in mismatch.found


def test_frontends_are_told_apart():
    assert frontend({"COLAB_RELEASE_TAG": "release-colab"}, {}) == "colab"
    assert frontend({}, {"google.colab": object()}) == "colab"
    assert frontend({"KAGGLE_KERNEL_RUN_TYPE": "Interactive"}, {}) == "kaggle"
    assert frontend({"VSCODE_PID": "1"}, {"ipykernel": object()}) == "vscode"
    assert frontend({}, {"ipykernel": object()}) == "jupyter"
    assert frontend({}, {}) == "terminal"
    assert doctor.check_widgets(dirs=[], where="colab").status == OK   # Colab brings its own manager


def test_a_removed_dataset_folder_says_which_file_goes_where(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNLAB_OFFLINE", "1")
    monkeypatch.delenv("CNNLAB_ARCHIVES", raising=False)
    (finding,) = doctor.check_datasets(tmp_path, names=["mnist"], where="jupyter")
    assert finding.status == FAIL and "mnist-png.tar.gz" in finding.fix and str(tmp_path) in finding.fix
    if not ARCHIVES.is_dir():
        pytest.skip("the offline archives are not beside the checkout")
    monkeypatch.setenv("CNNLAB_ARCHIVES", str(ARCHIVES))
    (finding,) = doctor.check_datasets(tmp_path, names=["mnist"], where="jupyter")
    assert finding.status == OK and "first use" in finding.found
    from cnnlab.data import prepare

    prepare("mnist", tmp_path, download=False)
    (finding,) = doctor.check_datasets(tmp_path, names=["mnist"], where="jupyter")
    assert finding.status == OK and "prepared" in finding.found


def test_little_free_disk_is_a_warning(tmp_path):
    assert doctor.check_disk(tmp_path, needed_gb=1e9).status == WARN   # a billion GB: never free
    assert doctor.check_disk(tmp_path, needed_gb=0).status == OK


def test_cnnlab_doctor_exits_1_and_prints_the_fix_when_data_is_missing(tmp_path):
    env = {**os.environ, "CNNLAB_DATA": str(tmp_path), "CNNLAB_OFFLINE": "1", "CNNLAB_ARCHIVES": ""}
    run = subprocess.run([sys.executable, "-m", "cnnlab", "doctor"], capture_output=True, text=True, env=env)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "✗ cifar10" in run.stdout and "cifar10-jpg.tar.gz" in run.stdout and "problem(s)" in run.stdout
