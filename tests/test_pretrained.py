"""The network shipped in cnnlab/assets/: its card is true, a damaged file is refused, the tool
that made it runs, and notebook 08 can start from it."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import papermill
import pytest
import torch

from cnnlab.data import load_dataset
from cnnlab.data.sources import sha256_of
from cnnlab.training.evaluation import tta_accuracy
from cnnlab.training.pretrained import ASSETS, PretrainedCorrupt, card, load_pretrained

ROOT = Path(__file__).resolve().parent.parent


def test_the_card_matches_the_file_and_the_file_is_small():
    info = card()
    weights = ASSETS / info["file"]
    assert sha256_of(weights) == info["sha256"] and weights.stat().st_size == info["bytes"]
    assert info["bytes"] < 5e6, "a few MB at most: it ships inside the package"
    assert (ROOT / "tools" / "train_pretrained.py").is_file() and info["command"].startswith("python tools/train_pretrained.py")
    assert info["test_accuracy_1_look"] > 0.85


def test_the_shipped_network_classifies_as_its_card_says():
    model, info = load_pretrained()
    assert not model.training and next(model.parameters()).dtype == torch.float32
    test = load_dataset("cifar10", "test").take(1000, seed=0)
    accuracy = tta_accuracy(model, test, torch.device("cpu"), tta=0)
    assert abs(accuracy - info["test_accuracy_1_look"]) < 0.04, (accuracy, info["test_accuracy_1_look"])


def test_a_damaged_file_gets_a_clear_error(tmp_path):
    shutil.copytree(ASSETS, tmp_path / "assets")
    weights = tmp_path / "assets" / "cifar10_fast.pt"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(PretrainedCorrupt, match="damaged.*git checkout"):
        load_pretrained(assets=tmp_path / "assets")
    weights.write_bytes(bytes(data[:1000]))   # truncated, as an interrupted download leaves it
    with pytest.raises(PretrainedCorrupt):
        load_pretrained(assets=tmp_path / "assets")
    weights.unlink()
    with pytest.raises(FileNotFoundError, match="notebook 08"):
        load_pretrained(assets=tmp_path / "assets")
    with pytest.raises(ValueError, match="cifar10_fast"):
        card("imagenet")


def test_the_tool_that_made_it_runs_and_writes_a_loadable_card(tmp_path):
    run = subprocess.run([sys.executable, "tools/train_pretrained.py", "--epochs", "1", "--subset", "1000",
                          "--test-images", "200", "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    info = json.loads((tmp_path / "cifar10_fast.json").read_text())
    assert info["epochs"] == 1 and info["test_images"] == 200 and info["widths"] == card()["widths"]
    model, _ = load_pretrained(assets=tmp_path)
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


def test_notebook_08_starts_from_the_shipped_network(tmp_path):
    out = tmp_path / "08.ipynb"
    papermill.execute_notebook(str(ROOT / "notebooks" / "08_cifar10_classifier.ipynb"), str(out), cwd=str(tmp_path),
                               kernel_name="python3", progress_bar=False,
                               parameters=dict(PRETRAINED=True, TRAIN_SUBSET=2000, EXPERIMENT_SECONDS=0,
                                               OVERFIT_EPOCHS=0, CHECKPOINT="checkpoints/ci_pretrained.pt"))
    text = "".join("".join(o.get("text", "")) for c in json.loads(out.read_text())["cells"] for o in c.get("outputs", []))
    assert "Loaded the shipped fast network" in text and "No curves" in text
    assert not (tmp_path / "checkpoints" / "ci_pretrained.pt").exists()   # nothing of the student's is overwritten
    accuracy = float(text.split("Test accuracy (overall):")[1].split("%")[0])
    assert accuracy > 85, text[-2000:]   # the whole test set, judged as section 5 judges a trained one
