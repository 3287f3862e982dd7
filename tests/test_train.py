"""Training plumbing: the script loop learns, checkpoints are atomic, a NaN loss stops training with
a message."""

from dataclasses import replace
from functools import partial

import pytest
import torch

from cnnlab.data import Batches, ImageDataset, eval_batch_size
from cnnlab.training import models
from cnnlab.training.averaging import Lookahead
from cnnlab.training.checkpoint import load_checkpoint, save_checkpoint
from cnnlab.training.evaluation import (
    confusion_matrix,
    evaluate,
    per_class_accuracy,
    predict,
    report,
    time_evaluation,
    tta_accuracy,
)
from cnnlab.training.loop import train_recipe
from cnnlab.training.meters import TrainingDiverged
from cnnlab.training.optimizers import Optimizer
from cnnlab.training.recipe import RECIPES
from cnnlab.training.schedule import lr_factor

CPU = torch.device("cpu")


def tiny_images(count=64, size=32, channels=3, seed=0) -> ImageDataset:
    """Two classes a CNN can tell apart (even mirrored): a bright square at the top or the bottom."""
    g = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 60, (count, channels, size, size), generator=g, dtype=torch.uint8)
    labels = torch.arange(count) % 2
    for i, label in enumerate(labels):
        top = 2 if label == 0 else size // 2 + 2
        images[i, :, top:top + 8, 8:16] = 250
    return ImageDataset(images, labels, ["top", "bottom"], name="tiny")


@pytest.mark.parametrize("factory", [models.pytorch_tutorial_net, models.tf_tutorial_net])
def test_overfits_a_small_batch(factory):
    recipe = replace(RECIPES["pytorch_tutorial"], network=partial(factory, classes=2), batch_size=16, augment={})
    run = train_recipe(recipe, tiny_images(16), None, CPU, epochs=40)
    last = run["history"][-1]
    assert run["steps"] == 40 and last["train_accuracy"] == 1.0 and last["train_loss"] < 0.05


def test_keras_mnist_net_shapes():
    model = models.keras_mnist_net()
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert models.count_parameters(model) == 1_111_946  # 832 + 51,264 + 1,049,600 + 10,250: Keras's summary
    assert model[:7](torch.zeros(1, 1, 28, 28)).shape == (1, 1024)  # flatten: 4 x 4 x 64, no padding


def test_fast_net_learns_and_whitening_decorrelates():
    torch.manual_seed(0)
    net = models.fast_net((16, 16, 16), classes=2)
    x = torch.randn(64, 3, 16, 16) * torch.tensor([1.0, 3.0, 0.5]).view(1, 3, 1, 1)
    models.init_whitening(net[0], x)
    out = net[0](x)[:, :12]  # (B, 12, 15, 15): the +eigenvector half
    flat = out.permute(1, 0, 2, 3).reshape(12, -1)
    flat = flat - flat.mean(1, keepdim=True)
    cov = flat @ flat.T / flat.shape[1]
    assert torch.allclose(cov.diag(), torch.ones(12), atol=0.1)
    assert (cov - torch.diag(cov.diag())).abs().max() < 0.1
    recipe = replace(RECIPES["fast"], widths=(16, 16, 16), batch_size=32)
    run = train_recipe(recipe, tiny_images(128), None, CPU, epochs=8)
    assert tta_accuracy(run["model"], tiny_images(32, seed=1), CPU) >= 0.9


def test_evaluation_is_timed_without_leaving_eval_mode():
    model = models.fast_net((8, 8, 8), classes=2).to(memory_format=torch.channels_last)
    seconds = time_evaluation(model, tiny_images(40), CPU, tta=1, sample=20)
    assert 0 < seconds < 5 and model.training


def test_judging_batch_size_follows_the_device_and_changes_no_prediction():
    assert eval_batch_size("cpu") == 250 and eval_batch_size(CPU) == 250
    assert eval_batch_size("cuda") == 1000 and eval_batch_size(torch.device("mps")) == 1000
    torch.manual_seed(0)
    model = models.fast_net((8, 8, 8), classes=2).to(memory_format=torch.channels_last).eval()
    data = tiny_images(600)   # 3 batches of 250 (the last one short) against one of 600
    small, _ = predict(model, Batches(data, eval_batch_size(CPU), CPU, channels_last=True), CPU, tta=2)
    whole, _ = predict(model, Batches(data, 600, CPU, channels_last=True), CPU, tta=2)
    assert torch.allclose(small, whole, atol=1e-5) and small.std() > 0


def test_fast_schedule_and_lookahead():
    assert lr_factor(0) == pytest.approx(0.2) and lr_factor(0.23) == pytest.approx(1.0)
    assert lr_factor(1.0) == pytest.approx(0.07)
    model = torch.nn.Linear(2, 1)
    state = Lookahead(model)
    with torch.no_grad():
        model.weight.add_(1.0)
    before = state.slow["weight"].clone()
    state.update(model, decay=0.75)
    assert torch.allclose(model.weight, before + 0.25)


def test_checkpoint_round_trip(tmp_path):
    torch.manual_seed(0)
    model = models.tf_tutorial_net()
    optimizer = torch.optim.Adam(model.parameters())
    images, labels = next(iter(Batches(tiny_images(8), 8)))
    torch.nn.functional.cross_entropy(model(images), labels).backward()
    optimizer.step()
    path = save_checkpoint(tmp_path / "best.pt", model, optimizer, epoch=3, history=[{"val_loss": 1.0}])
    expected = torch.rand(3)
    other = models.tf_tutorial_net()
    other_optimizer = torch.optim.Adam(other.parameters())
    state = load_checkpoint(path, other, other_optimizer)
    assert state["epoch"] == 3 and state["history"] == [{"val_loss": 1.0}]
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), other.state_dict().values()))
    assert other_optimizer.state_dict()["state"][0]["step"] == 1
    assert torch.equal(torch.rand(3), expected)  # RNG restored to the moment of saving
    with pytest.raises(RuntimeError, match="different architecture"):
        load_checkpoint(path, models.pytorch_tutorial_net())
    with pytest.raises(FileNotFoundError, match="Train first"):
        load_checkpoint(tmp_path / "nope.pt", model)


def test_crash_while_saving_keeps_previous_checkpoint(tmp_path, monkeypatch):
    model = models.tf_tutorial_net()
    path = save_checkpoint(tmp_path / "best.pt", model, epoch=1)

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash)
    with torch.no_grad():
        model[0].weight.zero_()
    with pytest.raises(OSError):
        save_checkpoint(path, model, epoch=2)
    monkeypatch.undo()
    state = torch.load(path, weights_only=False)
    assert state["epoch"] == 1 and state["model"]["0.weight"].abs().sum() > 0
    assert [p.name for p in tmp_path.iterdir()] == ["best.pt"]


def test_nan_loss_stops_with_a_clear_message():
    sgd = Optimizer("sgd", lambda model, batch_size, lr: torch.optim.SGD(model.parameters(), lr=lr))
    recipe = replace(RECIPES["tf_tutorial"], network=partial(models.tf_tutorial_net, classes=2),
                     optimizer=sgd, batch_size=8, augment={})
    with pytest.raises(TrainingDiverged, match="Lower the learning rate"):
        train_recipe(recipe, tiny_images(32), None, CPU, epochs=5, lr=1e12)


def test_evaluation_helpers():
    predicted = torch.tensor([0, 1, 1, 2, 2, 2])
    actual = torch.tensor([0, 1, 2, 2, 2, 0])
    matrix = confusion_matrix(predicted, actual, 3)
    assert matrix.tolist() == [[1, 0, 1], [0, 1, 0], [0, 1, 2]]
    assert per_class_accuracy(matrix).tolist() == pytest.approx([0.5, 1.0, 2 / 3])
    assert "(overall): 66.67% (4/6)" in report(matrix, ["a", "b", "c"])
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 32 * 32, 2))
    stats = evaluate(model, Batches(tiny_images(8), 4))
    assert set(stats) == {"val_loss", "val_accuracy"}


def test_small_cnn_any_size_and_offline_resnet(monkeypatch):
    from cnnlab.training.transfer import freeze_backbone, resnet18_for

    model = models.small_cnn(3)
    for size in (32, 64, 50):
        assert model(torch.zeros(2, 3, size, size)).shape == (2, 3)
    monkeypatch.setenv("CNNLAB_OFFLINE", "1")
    resnet, pretrained, message = resnet18_for(3, weights_file="/nonexistent/resnet18.pth")
    assert not pretrained and "could not use" in message and "WEIGHTS_FILE" in message
    assert resnet(torch.zeros(1, 3, 64, 64)).shape == (1, 3)
    assert freeze_backbone(resnet) == 512 * 3 + 3


def test_frozen_backbone_keeps_its_batchnorm_statistics():
    from cnnlab.training.transfer import freeze_backbone, resnet18_for

    resnet, _, _ = resnet18_for(3, weights_file="/nonexistent/resnet18.pth", timeout=0.01)
    freeze_backbone(resnet)
    resnet.train()
    norms = [m for m in resnet.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    before = [m.running_mean.clone() for m in norms]
    optimizer = torch.optim.SGD([p for p in resnet.parameters() if p.requires_grad], lr=0.1)
    loss = resnet(torch.randn(4, 3, 64, 64) * 3 + 1).sum()
    loss.backward()
    optimizer.step()
    assert resnet.training and resnet.fc.training and not any(m.training for m in norms)
    assert all(torch.equal(b, m.running_mean) for b, m in zip(before, norms))
    import copy
    twin = copy.deepcopy(resnet).train()  # a copy keeps its own frozen backbone
    assert not twin.layer1[0].bn1.training and twin.fc.training and twin.layer1[0].bn1 is not norms[1]
    freeze_backbone(resnet, frozen=False)   # fine-tuning: everything trains again
    resnet.train()
    assert all(m.training for m in norms)
    resnet(torch.randn(4, 3, 64, 64) * 3 + 1)
    assert not all(torch.equal(b, m.running_mean) for b, m in zip(before, norms))


def test_a_muon_checkpoint_resumes_and_an_sgd_one_is_refused_clearly(tmp_path):
    """The fast recipe's optimizer is two (SGD and Muon): its state round-trips whole, and a
    checkpoint saved by the SGD-only recipe gets an error that says what to do, not a traceback."""
    from cnnlab.training.optimizers import muon_sgd, summed_loss_sgd

    recipe = replace(RECIPES["fast"], widths=(8, 8, 8), batch_size=16)
    assert recipe.optimizer is muon_sgd and RECIPES["fast"].on("cuda").optimizer is summed_loss_sgd
    model = recipe.build(tiny_images(32), CPU)
    optimizer = muon_sgd(model, 16)
    for p in model.parameters():
        p.grad = torch.ones_like(p) if p.requires_grad else None
    optimizer.step()
    path = save_checkpoint(tmp_path / "fast.pt", model, optimizer)
    again = muon_sgd(model, 16)
    load_checkpoint(path, model, again)
    buffers = [s["momentum_buffer"] for o in again.optimizers for s in o.state_dict()["state"].values()]
    assert len(buffers) == sum(p.requires_grad for p in model.parameters())
    old = save_checkpoint(tmp_path / "sgd.pt", model, summed_loss_sgd(model, 16))
    with pytest.raises(RuntimeError, match="different optimizer"):
        load_checkpoint(old, model, muon_sgd(model, 16))
    with pytest.raises(RuntimeError, match="different optimizer"):
        load_checkpoint(path, model, summed_loss_sgd(model, 16))
