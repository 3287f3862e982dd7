"""Every exercise: its worked solution passes its own check, the student's stub is "not answered",
typical mistakes get feedback naming the case (never a traceback), and the notebooks hold exactly
the generated student cells."""

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torchvision

import cnnlab
import cnnlab.concepts.explain
import cnnlab.exercises  # noqa: F401  (registers every exercise)
from cnnlab.concepts import xo
from cnnlab.exercises import EXERCISES, check, solution, student_cell
from cnnlab.exercises.core import answer_name, strip_markers
from cnnlab.training import models

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
CLASSES = ["plane", "car", "bird"]


def _confusions():
    return torch.tensor([[50, 3, 9], [2, 40, 1], [12, 4, 30]])


def _resnet():
    net = torchvision.models.resnet18(weights=None)
    net.fc = torch.nn.Linear(512, 3)
    return net


def _overfit():
    losses = [(2.0, 1.9), (1.5, 1.6), (1.0, 1.4), (0.6, 1.5), (0.3, 1.8)]
    return {"none": {"history": [dict(epoch=e + 1, train_loss=t, val_loss=v) for e, (t, v) in enumerate(losses)]}}


def _ladder_rows():
    return [dict(row="tutorial", accuracy=0.40, images_per_second=500.0),
            dict(row="+ batchnorm", accuracy=0.43, images_per_second=480.0),
            dict(row="+ airbench network", accuracy=0.55, images_per_second=700.0),
            dict(row="+ channels last", accuracy=0.60, images_per_second=1800.0)]


def _exercise_map():   # notebook 05's map, pooled by hand (05.1) and differentiated (05.3)
    return np.array([[1, 5, 0, 2], [3, 2, 4, 1], [7, 0, 1, 1], [2, 6, 3, 8]])


# What each check is called with in its notebook, besides the answer: (namespace, context names).
CONTEXT = {
    "04.1": (lambda: {"before": xo.feature_maps(xo.X)[0]}, ["before"]),
    "05.1": (lambda: {"exercise_map": _exercise_map()}, ["exercise_map"]),
    "05.3": (lambda: {"exercise_map": _exercise_map()}, ["exercise_map"]),
    "06.1": (lambda: {"x": (x := torch.tensor([0.5, 1.0, 1.5, 2.0])), "y": 2 * x,
                      "gradient": lambda w: float((2 * (w * x - 2 * x) * x).mean())}, ["x", "y"]),
    "07.1": (lambda: {"model": models.keras_mnist_net()}, ["model"]),
    "07.2": (lambda: {"model": models.keras_mnist_net()}, ["model"]),
    "07.3": (lambda: {"matrix": _confusions(), "test": SimpleNamespace(classes=CLASSES)}, ["matrix", "test.classes"]),
    "08.3": (lambda: {"matrix": _confusions(), "test": SimpleNamespace(classes=CLASSES)}, ["matrix", "test.classes"]),
    "08.4": (lambda: {"overfit": _overfit()}, ["overfit"]),
    "09.2": (lambda: {"model": models.pytorch_tutorial_net(), "target": "3", "image": torch.zeros(3, 32, 32),
                      "cnnlab": cnnlab}, ["model", "target"]),
    "10.1": (lambda: {"scratch": models.small_cnn(3), "IMAGE_SIZE": 64}, ["scratch", "IMAGE_SIZE"]),
    "10.2": (lambda: {"resnet": _resnet(), "data": SimpleNamespace(classes=CLASSES)}, ["resnet"]),
    "11.2": (lambda: {"rows": _ladder_rows()}, ["rows"]),
    "11.3": (lambda: {"rows": _ladder_rows()}, ["rows"]),
}


def _namespace(exercise_id):
    make, names = CONTEXT.get(exercise_id, (dict, []))
    namespace = {"np": np, "torch": torch, "F": F} | make()
    return namespace, names


def _run(exercise_id, cell, strict):
    namespace, names = _namespace(exercise_id)
    exec(cell, namespace)
    check(exercise_id, namespace[answer_name(exercise_id)], *(eval(n, namespace) for n in names), strict=strict)


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_the_worked_solution_passes_and_the_stub_is_unanswered(exercise_id, capsys):
    _run(exercise_id, strip_markers(EXERCISES[exercise_id].solution), strict=True)
    assert capsys.readouterr().out.startswith(f"✓ {exercise_id}")
    _run(exercise_id, student_cell(exercise_id), strict=False)
    assert "not answered yet" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="not answered"):
        _run(exercise_id, student_cell(exercise_id), strict=True)


def test_solutions_are_revealed_only_on_request(capsys):
    solution("03.3")
    out = capsys.readouterr().out
    assert "for r in range(rows)" in out and "BEGIN SOLUTION" not in out
    assert "range(rows)" not in student_cell("03.3")
    with pytest.raises(KeyError, match="03.3"):
        solution("3.3")


def test_wrong_code_gets_the_case_the_shapes_and_a_hint_without_a_traceback(capsys):
    check("03.3", lambda image, kernel, stride=1, padding=0, dilation=1:
          F.conv2d(image[None, None], kernel[None, None])[0, 0])          # ignores stride and padding
    out = capsys.readouterr().out
    assert out.startswith("✗ 03.3") and "case 2" in out and "stride 2" in out and "expected shape" in out
    assert "Hint:" in out and 'solution("03.3")' in out

    def crashes(x, window, stride, mode="max"):
        return x[:, :, 99]
    check("05.2", crashes)
    out = capsys.readouterr().out
    assert "IndexError" in out and "line" in out and "Traceback" not in out

    check("04.2", lambda x: x.clamp_(min=0))                              # changes its input
    assert "changed its input" in capsys.readouterr().out
    check("08.1", lambda p, t, k: torch.bincount(p * k + t, minlength=k * k).view(k, k))   # transposed
    assert "swapped" in capsys.readouterr().out
    check("06.4", lambda x, m, v, g, b, eps=1e-5: F.batch_norm(x, None, None, g, b, training=True))
    assert "training mode" in capsys.readouterr().out


def test_a_shifted_map_prediction_must_leave_the_new_columns_unknown(capsys):
    def rolled(feature_map, right):
        return np.roll(feature_map, right, axis=1)                      # wraps the last columns round
    check("02.3", rolled)
    out = capsys.readouterr().out
    assert out.startswith("✗ 02.3") and "np.nan" in out and "Traceback" not in out

    def unmoved(feature_map, right):
        return feature_map
    check("02.3", unmoved)
    assert "differ" in capsys.readouterr().out


def test_label_smoothing_check_names_the_case_of_a_row_that_does_not_add_up(capsys):
    def smooth_targets(labels, classes, smoothing):
        return (1 - smoothing) * F.one_hot(labels, classes).float()     # forgot the share of every class

    check("11.1", smooth_targets)
    out = capsys.readouterr().out
    assert out.startswith("✗ 11.1") and "case 1" in out and "Traceback" not in out


def _stale_gradients_step(model, optimizer, images, labels):
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    return loss.item()


def test_the_training_step_check_catches_a_missing_zero_grad(capsys):
    check("06.3", _stale_gradients_step)
    out = capsys.readouterr().out
    assert out.startswith("✗ 06.3") and "step 2" in out and "old gradients" in out


@pytest.mark.parametrize("exercise_id, wrong, needle", [
    ("01.1", 200 * 200, "every pixel once"), ("03.1", 5 * 5 * 16 * 32, "biases"),
    ("03.4", 1, "30x30"), ("02.1", 4 / 9, "agreeing pixels only"),
    ("11.2", 500 / 1800, "turn it round"), ("11.3", "+ channels last", "highest accuracy"),
    ("11.3", "+ batchnorm", "+3.0 points"), ("11.3", "tutorial", "starting point"),
    ("01.5", "lower", "convolutional network"), ("01.5", "maybe", "one of the words"),
    ("03.5", ((3, 8, 5, 5), (16, 8, 16, 16)), "filters first"),
    ("03.5", ((8, 3, 5, 5), (16, 8, 32, 32)), "ignores the stride"),
    ("03.6", 5 * 5 * 16 * 32, "number of weights"), ("04.4", 0.5 ** 10, "value at 0"),
    ("04.5", 3, "scales the input"), ("05.3", [[0.25] * 4] * 4, "average pooling"),
    ("06.6", 3, "make the filters differ")])
def test_typical_wrong_numbers_get_a_reason(exercise_id, wrong, needle, capsys):
    namespace, names = _namespace(exercise_id)
    check(exercise_id, wrong, *(eval(n, namespace) for n in names))
    out = capsys.readouterr().out
    assert out.startswith(f"✗ {exercise_id}") and needle in out


def test_no_notebook_cell_a_student_opens_holds_a_solution():
    by_id = {}
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        text = path.read_text()
        for cell in json.loads(text)["cells"]:
            tag = cell["metadata"].get("cnnlab", {})
            if tag.get("role") == "answer":
                assert "".join(cell["source"]) == student_cell(tag["exercise"]), (path.name, tag)
                by_id[tag["exercise"]] = path.name
        assert "BEGIN SOLUTION" not in text and "checks.check_" not in text
    assert sorted(by_id) == sorted(EXERCISES)
    for exercise_id, name in by_id.items():
        assert name.startswith(exercise_id[:2]), (exercise_id, name)
