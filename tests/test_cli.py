"""`cnnlab lab` and `cnnlab data`, called as the README says: the data step and the server."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from cnnlab.setup import cli

ROOT = Path(__file__).resolve().parent.parent
ARCHIVES = ROOT.parent / "shared" / "datasets"
COMMAND = Path(sys.executable).parent / ("cnnlab.exe" if os.name == "nt" else "cnnlab")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_console_script_is_installed():
    assert COMMAND.exists(), f"{COMMAND} is missing: pip install -e . makes it"


def test_cnnlab_data_prepares_a_dataset_or_says_what_to_put_where(tmp_path):
    env = {**os.environ, "CNNLAB_DATA": str(tmp_path), "CNNLAB_OFFLINE": "1", "CNNLAB_ARCHIVES": ""}
    missing = subprocess.run([str(COMMAND), "data", "mnist"], capture_output=True, text=True, env=env)
    assert missing.returncode == 1 and "mnist-png.tar.gz" in missing.stderr, missing.stderr
    optional = subprocess.run([str(COMMAND), "data", "mnist", "--optional"], capture_output=True, env=env)
    assert optional.returncode == 0
    if not ARCHIVES.is_dir():
        pytest.skip("the offline archives are not beside the checkout")
    env["CNNLAB_ARCHIVES"] = str(ARCHIVES)
    # Fashion-MNIST: its archives are the original IDX files, read in a second (MNIST's 70,000 PNGs take 40 s)
    ready = subprocess.run([str(COMMAND), "data", "fashion_mnist"], capture_output=True, text=True, env=env)
    assert ready.returncode == 0 and "ready" in ready.stdout, ready.stderr
    assert (tmp_path / "cache" / "fashion_mnist-train.pt").is_file()


def test_cnnlab_lab_reports_missing_data_starts_jupyterlab_and_stops(tmp_path):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks, ignore=shutil.ignore_patterns("checkpoints"))
    port, token = _free_port(), "cli-test"
    env = {**os.environ, "CNNLAB_DATA": str(tmp_path / "data"), "CNNLAB_OFFLINE": "1", "CNNLAB_ARCHIVES": "",
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    log = open(tmp_path / "lab.log", "w")   # a file, not a pipe: a full pipe would stall the server
    server = subprocess.Popen([str(COMMAND), "lab", "--headless", f"--port={port}", f"--token={token}",
                               f"--notebook-dir={notebooks}"], env=env, stdout=log, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        status = None
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2) as r:
                    status = r.status
                    break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.5)
        assert status == 200, (tmp_path / "lab.log").read_text()[-3000:] if server.poll() is not None else "no answer in 60 s"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/00_start_here.ipynb?token={token}",
                                    timeout=5) as r:
            assert r.status == 200   # the server's root is the notebooks folder
    finally:
        server.terminate()   # SIGTERM to `cnnlab lab` alone (a terminal's Ctrl-C reaches both
        # processes, but a background job ignores SIGINT): it must stop JupyterLab too
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            raise
        finally:
            log.close()
    assert server.returncode is not None
    output = (tmp_path / "lab.log").read_text()
    assert "cifar10-jpg.tar.gz" in output and "Opening the workbook" in output, output[-3000:]
    assert "received signal 15, stopping" in output, output[-3000:]   # passed on to JupyterLab, which stopped


def test_lab_without_notebooks_says_where_to_run_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match="notebook-dir"):
        cli.notebook_folder(str(tmp_path))


def test_the_jupyterlab_command_is_plain_python():
    command = cli.lab_command(ROOT / "notebooks", headless=True, port=9999, token="t")
    assert command[:4] == [sys.executable, "-m", "jupyter", "lab"]
    assert "--port=9999" in command and "--IdentityProvider.token=t" in command and "--no-browser" in command
    assert command[-1].endswith("00_start_here.ipynb")
