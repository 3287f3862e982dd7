"""The recipes' pieces: each notebook parameter reaches the piece it names, the schedule ends when
training ends, a summed-loss optimizer refuses an averaged loss, and the CIFAR-10 notebook trains
exactly what the benchmark's train_recipe trains."""

import time
from dataclasses import replace

import pytest
import torch
from test_train import tiny_images

from cnnlab.data import Batches
from cnnlab.training import models
from cnnlab.training.evaluation import evaluate
from cnnlab.training.loop import train_recipe
from cnnlab.training.loss import CrossEntropy
from cnnlab.training.meters import Meter, TrainingDiverged
from cnnlab.training.optimizers import adam, adamw, summed_loss_sgd
from cnnlab.training.recipe import BF16_CPU_WIDTHS, GPU_WIDTHS, RECIPES, Recipe
from cnnlab.training.schedule import Clock, lr_factor

CPU = torch.device("cpu")
SMALL_FAST = replace(RECIPES["fast"], widths=(8, 8, 8), batch_size=16)


def test_clock_ends_at_whichever_runs_out_first():
    by_steps = Clock(seconds=1000, steps=10)
    for _ in range(5):
        by_steps.tick()
    assert by_steps.fraction() == pytest.approx(0.5, abs=1e-3) and not by_steps.done()
    for _ in range(5):
        by_steps.tick()
    assert by_steps.done()
    by_time = Clock(seconds=0.05, steps=10_000)
    time.sleep(0.06)
    assert by_time.done() and by_time.steps == 0
    assert Clock(seconds=100, elapsed=50).fraction() == pytest.approx(0.5, abs=0.01)  # resumed
    assert Clock(steps=4, step=2).fraction() == 0.5
    with pytest.raises(ValueError, match="time budget"):
        Clock()


def test_schedule_reaches_its_end_when_max_epochs_stops_training():
    """On a fast machine MAX_EPOCHS stops training long before TIME_BUDGET: the rate must still decay."""
    rates = []
    run = train_recipe(_Recording(SMALL_FAST, rates), tiny_images(64), None, CPU, seconds=3600, epochs=3)
    assert run["steps"] == 3 * (64 // 16) == len(rates)
    assert rates[0] == pytest.approx(lr_factor(0.0), rel=1e-3)
    assert rates[-1] == pytest.approx(lr_factor((run["steps"] - 1) / run["steps"]), rel=1e-3)
    assert rates[-1] < 0.2  # decayed, not stuck at the peak


class _Recording(Recipe):
    """A recipe that records the learning-rate factor it sets at every step."""

    def __init__(self, recipe, rates):
        super().__init__(**{f: getattr(recipe, f) for f in recipe.__dataclass_fields__})
        object.__setattr__(self, "rates", rates)

    def adjust(self, model, optimizer, fraction):
        super().adjust(model, optimizer, fraction)
        self.rates.append(optimizer.param_groups[-1]["lr"] / optimizer.param_groups[-1]["base_lr"])


def test_learning_rate_parameter_changes_the_rate():
    model = replace(RECIPES["fast"], widths=(8, 8, 8)).build(tiny_images(16), CPU)
    default = summed_loss_sgd(model, 256)
    doubled = summed_loss_sgd(model, 256, lr=23.0)
    assert [g["base_lr"] for g in doubled.param_groups] == pytest.approx(
        [2 * g["base_lr"] for g in default.param_groups])
    tutorial = RECIPES["pytorch_tutorial"].build(tiny_images(4), CPU)
    assert adam(tutorial, 30).param_groups[0]["base_lr"] == 1e-3
    assert adam(tutorial, 30, lr=3e-3).param_groups[0]["base_lr"] == 3e-3
    optimizer = adam(tutorial, 30, lr=3e-3)
    RECIPES["pytorch_tutorial"].adjust(tutorial, optimizer, 0.9)  # constant schedule
    assert optimizer.param_groups[0]["lr"] == 3e-3


def test_batch_size_parameter_changes_the_batches_and_the_weight_decay():
    recipe = RECIPES["fast"]
    assert len(recipe.batches(tiny_images(64), CPU, batch_size=16)) == 4
    assert len(recipe.batches(tiny_images(64), CPU, batch_size=32)) == 2
    model = replace(recipe, widths=(8, 8, 8)).build(tiny_images(16), CPU)
    small, large = summed_loss_sgd(model, 128), summed_loss_sgd(model, 256)
    assert large.param_groups[1]["weight_decay"] == pytest.approx(2 * small.param_groups[1]["weight_decay"])


def test_a_summed_loss_optimizer_refuses_an_averaged_loss():
    with pytest.raises(ValueError, match="summed over the batch"):
        replace(RECIPES["fast"], loss=CrossEntropy("mean", 0.2))
    with pytest.raises(ValueError, match="reduction"):
        CrossEntropy("average")


def test_recipes_train_and_tutorials_keep_the_best_validation_checkpoint():
    recipe = replace(RECIPES["fast"], widths=(16, 16, 16), batch_size=32)
    run = train_recipe(recipe, tiny_images(128), tiny_images(32, seed=1), CPU, epochs=8, seed=0)
    history = run["history"]
    assert len(history) == 8 and history[-1]["val_accuracy"] >= 0.7  # chance: 0.5
    assert run["model"][0].bias.requires_grad is False  # the whitening bias stopped learning at 30 %
    tutorial = replace(RECIPES["tf_tutorial"], batch_size=16)
    run = train_recipe(tutorial, tiny_images(64), tiny_images(32, seed=1), CPU, epochs=3, seed=0)
    best = min(h["val_loss"] for h in run["history"])
    assert evaluate(run["model"], Batches(tiny_images(32, seed=1), 32))["val_loss"] == pytest.approx(best, rel=1e-4)


def test_meter_reports_per_image_loss_and_stops_on_nan():
    meter = Meter(CrossEntropy("sum"))
    logits = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
    labels = torch.tensor([0, 0])
    meter.add(CrossEntropy("sum")(logits, labels), logits, labels)
    assert meter.result()["train_loss"] == pytest.approx(CrossEntropy("mean")(logits, labels).item())
    assert meter.result()["train_accuracy"] == 0.5
    meter.add(torch.tensor(float("nan")), logits, labels)
    with pytest.raises(TrainingDiverged, match="Lower the learning rate"):
        meter.result()


def test_adamw_decays_weights_without_any_gradient_signal():
    layer = torch.nn.Linear(4, 3)
    before = layer.weight.detach().clone()
    optimizer = adamw(0.5)(layer, batch_size=8, lr=0.1)
    assert optimizer.param_groups[0]["base_lr"] == 0.1 and adamw(0.5).reduction == "mean"
    (0.0 * layer(torch.ones(2, 4)).sum()).backward()      # gradient exactly 0: only the decay acts
    optimizer.step()
    assert torch.allclose(layer.weight, before * (1 - 0.1 * 0.5))


def test_probe_measures_along_the_way_off_the_clock():
    """A Probe's evaluations are not counted in the budget, and come at evenly spaced points."""
    from cnnlab.training.meters import Probe

    data = tiny_images(400)
    recipe = replace(RECIPES["fast"], widths=(8, 8, 8), batch_size=50)
    probe = Probe(data, CPU, points=4)
    run = train_recipe(recipe, data, None, CPU, epochs=3, on_step=probe)
    assert len(probe.curve) == 3 and run["steps"] == 3 * 8
    seconds = [s for s, _ in probe.curve]
    assert seconds == sorted(seconds) and all(0 <= a <= 1 for _, a in probe.curve)
    clock = Clock(seconds=100)
    with clock.paused():
        time.sleep(0.2)
    assert clock.elapsed < 0.1


def test_without_whitening_the_first_layer_learns_and_the_tutorial_net_takes_batchnorm():
    data = tiny_images(200)
    plain = replace(RECIPES["fast"], whitening=False, widths=(8, 8, 8)).build(data, CPU)
    assert plain[0].weight.requires_grad
    assert not RECIPES["fast"].build(data, CPU)[0].weight.requires_grad
    with_bn = models.pytorch_tutorial_net_bn()
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in with_bn) == 4
    assert [type(m) for m in models.pytorch_tutorial_net() if not isinstance(m, torch.nn.BatchNorm2d)] == \
        [type(m) for m in with_bn if not isinstance(m, torch.nn.BatchNorm2d)]


@pytest.mark.slow   # make test-all: torch.compile on a CPU compiles for minutes
def test_compiled_training_trains_the_eager_weights():
    """`train_recipe(compile=True)` (bench --compile, notebook 11's last row) changes how the steps
    run, not what they compute: the same weights to float tolerance, recompiling when the whitening
    bias stops learning included."""
    torch._dynamo.reset()
    # SGD, not the CPU default Muon: Muon's orthogonalisation scales the smallest directions of a
    # step up, and with them compiled and eager kernels' last-bit rounding differences.
    recipe = replace(SMALL_FAST, optimizer=summed_loss_sgd)
    runs = [train_recipe(recipe, tiny_images(128), None, CPU, epochs=2, seed=0, compile=compile)
            for compile in (False, True)]
    eager, compiled = (run["model"].state_dict() for run in runs)
    from torch._dynamo.utils import counters
    assert counters["stats"]["unique_graphs"] >= 2, dict(counters["stats"])   # compiled, and again for the bias
    assert runs[1]["steps"] == runs[0]["steps"] and runs[1]["model"][0].bias.requires_grad is False
    for name, value in eager.items():
        assert torch.allclose(compiled[name].float(), value.float(), atol=1e-4, rtol=1e-3), name


def test_the_fast_recipe_changes_per_device_only_what_was_measured_there():
    fast, tutorial = RECIPES["fast"], RECIPES["pytorch_tutorial"]
    assert fast.on(CPU, bfloat16=False) == fast
    wide = fast.on(CPU, bfloat16=True)
    assert wide.widths == BF16_CPU_WIDTHS and wide.tta == 1 and replace(wide, widths=fast.widths, tta=fast.tta) == fast
    assert fast.tta == 2                                    # float32: flips and shifts at test time
    gpu = fast.on("cuda")                                   # a torch.device needs no GPU to exist
    assert gpu.widths == GPU_WIDTHS and gpu.tta == 2
    assert tutorial.on(CPU, bfloat16=True) == tutorial == tutorial.on("cuda")


def test_orthogonalize_gives_every_direction_a_step_of_about_the_same_size():
    from cnnlab.training.optimizers import orthogonalize

    g = torch.Generator().manual_seed(0)
    for shape in [(32, 216), (192, 96)]:                    # wide and tall filter banks
        grad = torch.randn(*shape, generator=g) * torch.logspace(-1, 0, shape[1])   # unequal directions
        out = orthogonalize(grad)
        singular = torch.linalg.svdvals(out)
        assert out.shape == grad.shape and singular.max() < 1.6 and singular.min() > 0.2, singular
        u, _, vh = torch.linalg.svd(grad, full_matrices=False)
        assert torch.nn.functional.cosine_similarity(out.flatten(), (u @ vh).flatten(), dim=0) > 0.8


def test_muon_sgd_splits_the_parameters_and_trains_the_fast_net():
    from cnnlab.training.optimizers import Muon, muon_sgd

    recipe = replace(RECIPES["fast"], optimizer=muon_sgd, widths=(16, 16, 16), batch_size=32)
    model = recipe.build(tiny_images(64), CPU)
    optimizer = muon_sgd(model, 32)
    sgd, muon = (o.param_groups for o in optimizer.optimizers)
    trained = [p for p in model.parameters() if p.requires_grad]
    assert isinstance(optimizer.optimizers[1], Muon)
    assert {id(p) for g in muon for p in g["params"]} == {id(p) for p in trained if p.ndim == 4}
    assert sorted(id(p) for g in optimizer.param_groups for p in g["params"]) == sorted(id(p) for p in trained)
    assert all(p.ndim < 4 for g in sgd for p in g["params"])
    run = train_recipe(recipe, tiny_images(128), tiny_images(32, seed=1), CPU, epochs=6, seed=0)
    assert run["history"][-1]["val_accuracy"] >= 0.7                              # chance: 0.5
    for layer in run["model"].modules():                                       # Muon keeps filter norms
        if isinstance(layer, torch.nn.Conv2d) and layer.weight.requires_grad:
            assert layer.weight.norm().item() == pytest.approx(len(layer.weight) ** 0.5, rel=0.2)
    state = optimizer.state_dict()
    optimizer.load_state_dict(state)                                           # checkpoints take it whole
