"""One recipe, one implementation: the CIFAR-10 notebook, executed as a student runs it (papermill),
trains exactly the weights that the benchmark's train_recipe trains from the same pieces.

Non-default BATCH_SIZE, LEARNING_RATE and MAX_EPOCHS are injected, so this also shows that each of
those notebook parameters reaches the piece it names.
"""

import pytest
import torch

from cnnlab.bench.notebook import find_notebook
from cnnlab.data import data_root, load_dataset
from cnnlab.training.loop import train_recipe
from cnnlab.training.recipe import RECIPES
from cnnlab.training.runtime import bf16_autocast_is_fast

pytestmark = pytest.mark.integration
CPU = torch.device("cpu")


def assert_trained_alike(saved: dict, run: dict, epochs: int) -> None:
    """A notebook checkpoint and a train_recipe run: the same losses every epoch, the same weights."""
    assert len(saved["history"]) == len(run["history"]) == epochs
    for ours, theirs in zip(saved["history"], run["history"]):
        assert ours["train_loss"] == pytest.approx(theirs["train_loss"], rel=1e-4)
        assert ours["val_loss"] == pytest.approx(theirs["val_loss"], rel=1e-4)
    trained = run["model"].state_dict()
    for name, value in saved["model"].items():
        assert torch.allclose(value.float(), trained[name].float(), atol=1e-4), name


@pytest.mark.parametrize("model_name, batch_size, lr", [("fast", 64, 8.0), ("pytorch_tutorial", 32, 2e-3)])
def test_notebook_and_benchmark_train_the_same_weights(tmp_path, monkeypatch, model_name, batch_size, lr):
    papermill = pytest.importorskip("papermill")
    monkeypatch.setenv("CNNLAB_DATA", str(data_root().resolve()))  # the kernel runs in tmp_path
    checkpoint = tmp_path / "notebook.pt"
    parameters = dict(MODEL=model_name, TIME_BUDGET=0, MAX_EPOCHS=2, BATCH_SIZE=batch_size,
                      LEARNING_RATE=lr, TRAIN_SUBSET=600, EXPERIMENT_SECONDS=0, OVERFIT_EPOCHS=0,
                      CHECKPOINT=str(checkpoint), SEED=3)
    notebook = find_notebook("cifar10_classifier")
    papermill.execute_notebook(str(notebook), str(tmp_path / "run.ipynb"), parameters=parameters,
                               kernel_name="python3", cwd=str(tmp_path), progress_bar=False)
    saved = torch.load(checkpoint, map_location="cpu", weights_only=False)

    train, val = load_dataset("cifar10", "train").take(600, seed=3).split(0.2, seed=3)
    amp_dtype = torch.bfloat16 if bf16_autocast_is_fast(CPU) else None
    run = train_recipe(RECIPES[model_name].on(CPU), train, val, CPU, epochs=2, batch_size=batch_size, lr=lr,
                       amp_dtype=amp_dtype, seed=3, channels_last=True)

    assert saved["model_name"] == model_name and saved["batch_size"] == batch_size
    assert_trained_alike(saved, run, epochs=2)
    sgd = saved["optimizer"][0] if isinstance(saved["optimizer"], list) else saved["optimizer"]   # fast: [SGD, Muon]
    group = sgd["param_groups"][-1]
    assert group["base_lr"] == pytest.approx(lr if model_name != "fast" else lr / (1024 * (1 + 1 / 0.15)))
