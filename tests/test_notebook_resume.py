"""An interrupted training run of the CIFAR-10 notebook resumes where it stopped, and ends on the
weights of a run that was never interrupted.

The notebook is run as a student runs it, in a kernel, up to its training loop; the test presses
"interrupt" (SIGINT to the kernel, as JupyterLab's stop button does) once the first epoch's
checkpoint exists, then runs the two cells again, as a student would. The uninterrupted run is
train_recipe's; tests/test_notebook_recipe.py ties it to the notebook's straight run.
"""

import os
import signal
import threading
import time
from dataclasses import replace

import pytest
import torch
from test_notebook_recipe import assert_trained_alike

from cnnlab.bench.notebook import find_notebook
from cnnlab.data import data_root, load_dataset
from cnnlab.training.loop import train_recipe
from cnnlab.training.recipe import RECIPES
from cnnlab.training.runtime import bf16_autocast_is_fast

pytestmark = [pytest.mark.integration, pytest.mark.slow]   # make test-all: trains the fast network twice
CPU = torch.device("cpu")
EPOCHS, SUBSET, SEED = 3, 1500, 3


def _press_interrupt_after_first_epoch(last, kernel_pid, pressed: list) -> None:
    deadline = time.monotonic() + 600
    while not last.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    if last.exists():
        os.kill(kernel_pid, signal.SIGINT)
        pressed.append(time.monotonic())


def test_an_interrupted_run_resumes_and_ends_on_the_uninterrupted_weights(tmp_path, monkeypatch):
    nbclient = pytest.importorskip("nbclient")
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    monkeypatch.setenv("CNNLAB_DATA", str(data_root().resolve()))   # the kernel runs in tmp_path
    checkpoint = tmp_path / "notebook.pt"
    last = tmp_path / "notebook.pt.last"
    parameters = dict(MODEL="fast", TIME_BUDGET=0, MAX_EPOCHS=EPOCHS, TRAIN_SUBSET=SUBSET,
                      EXPERIMENT_SECONDS=0, OVERFIT_EPOCHS=0, CHECKPOINT=str(checkpoint), SEED=SEED)
    notebook = parameterize_notebook(load_notebook_node(str(find_notebook("cifar10_classifier"))), parameters)
    sources = [cell.source for cell in notebook.cells]
    building = next(i for i, s in enumerate(sources) if "if RESUME and last.exists()" in s)
    training = next(i for i, s in enumerate(sources) if "while not clock.done() and not PRETRAINED" in s)

    client = nbclient.NotebookClient(notebook, kernel_name="python3", timeout=900,
                                     resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel():
        for index in range(training):
            client.execute_cell(notebook.cells[index], index)
        pressed = []
        presser = threading.Thread(target=_press_interrupt_after_first_epoch,
                                   args=(last, client.km.provisioner.process.pid, pressed))
        presser.start()
        with pytest.raises(nbclient.exceptions.CellExecutionError, match="KeyboardInterrupt"):
            client.execute_cell(notebook.cells[training], training)
        presser.join()
        assert pressed, "the first epoch's checkpoint never appeared"
        stopped_after = len(torch.load(last, map_location="cpu", weights_only=False)["history"])
        assert 1 <= stopped_after < EPOCHS, "the interrupt came too late to interrupt anything"

        client.execute_cell(notebook.cells[building], building)        # the student runs both cells again
        resumed = "".join(o.get("text", "") for o in notebook.cells[building].outputs)
        assert f"Resuming after epoch {stopped_after}" in resumed, resumed
        client.execute_cell(notebook.cells[training], training)
    saved = torch.load(last, map_location="cpu", weights_only=False)

    train, val = load_dataset("cifar10", "train").take(SUBSET, seed=SEED).split(0.2, seed=SEED)
    amp_dtype = torch.bfloat16 if bf16_autocast_is_fast(CPU) else None
    straight = train_recipe(replace(RECIPES["fast"].on(CPU), keep_best=False), train, val, CPU, epochs=EPOCHS,
                            amp_dtype=amp_dtype, seed=SEED, channels_last=True)   # the last weights, like .last
    assert_trained_alike(saved, straight, epochs=EPOCHS)
