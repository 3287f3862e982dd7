"""torchrun + DDP on CPU with gloo: two half-batch steps equal one whole-batch step, and a short
distributed benchmark run trains."""

import json
import os
import socket
import subprocess
import sys
import warnings

import pytest
import torch
import torch.multiprocessing as mp
import torch.nn.functional as F

from cnnlab.training import distributed


def _network():
    torch.manual_seed(0)   # no BatchNorm: nothing per rank, so the two runs must agree exactly
    return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                               torch.nn.Flatten(), torch.nn.Linear(8 * 3 * 3, 4))


def _batch():
    g = torch.Generator().manual_seed(1)
    return torch.randn(8, 3, 8, 8, generator=g), torch.randint(0, 4, (8,), generator=g)


def _one_step(model, net, world, reduction):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=0.01)
    x, y = world.part(*_batch())
    for step in range(3):    # several steps: the momentum buffers must agree as well
        model[0].bias.requires_grad_(step < 2)    # stops learning, as the fast recipe's whitening bias
        optimizer.zero_grad()
        loss = F.cross_entropy(net(x), y, reduction=reduction)
        (loss * world.loss_scale(reduction)).backward()
        optimizer.step()
    return model.state_dict()


def _rank(rank, port, reduction, out):
    os.environ |= {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "RANK": str(rank),
                   "LOCAL_RANK": str(rank), "WORLD_SIZE": "2", "LOCAL_WORLD_SIZE": "2"}
    world, device = distributed.start()
    model = _network()
    state = _one_step(model, distributed.wrap(model, world, device, frozen_later=True), world, reduction)
    torch.save(state, f"{out}.{rank}")
    distributed.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_two_half_batches_step_like_one_whole_batch(tmp_path, reduction):
    mp.spawn(_rank, args=(_free_port(), reduction, str(tmp_path / "state")), nprocs=2)
    model = _network()
    alone = _one_step(model, model, distributed.ALONE, reduction)
    for rank in range(2):
        together = torch.load(tmp_path / f"state.{rank}")
        for name, value in alone.items():
            assert torch.allclose(together[name], value, atol=1e-6), (rank, name)


def test_a_batch_that_does_not_split_evenly_says_what_to_do():
    with pytest.raises(ValueError, match="divisible by --nproc_per_node"):
        distributed.World(0, 2).part(torch.zeros(5, 1), torch.zeros(5))


@pytest.mark.integration
@pytest.mark.slow   # make test-all: torchrun starts two processes that load CIFAR-10 and train
def test_a_short_torchrun_benchmark_trains(tmp_path):
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                           "-m", "cnnlab.bench.cifar", "mnist", "--recipe", "keras_mnist", "--subset", "3000",
                           "--epochs", "1", "--device", "cpu"],
                          capture_output=True, text=True, timeout=600,
                          env=os.environ | {"OMP_NUM_THREADS": "1", "PYTHONFAULTHANDLER": "1"})
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    report = f"exit {done.returncode}\nstdout:\n{done.stdout[-2000:]}\nstderr:\n{done.stderr[:2000]}\n...\n{done.stderr[-3000:]}"
    assert len(lines) == 1, report                           # rank 0 alone prints, after training and testing
    assert lines[0]["processes"] == 2 and lines[0]["batchnorm"] == "per-rank"
    assert lines[0]["test_accuracy"] > 0.8, lines[0]         # chance is 0.1
    if done.returncode != 0:
        # Twice in many CI runs under load (never reproduced alone), a rank aborted inside gloo's
        # teardown ("terminate called without an active exception") after the result was printed:
        # the training this test is about did happen, so the abort is reported, not failed on.
        assert "terminate called without an active exception" in done.stderr, report
        warnings.warn(f"torchrun: a rank aborted in gloo's teardown after the run finished\n{report}", stacklevel=1)


def test_sync_batchnorm_on_cpu_says_it_needs_gpus():
    from cnnlab.training.distributed import ALONE, wrap

    with pytest.raises(ValueError, match="needs GPUs"):
        wrap(torch.nn.Sequential(torch.nn.BatchNorm2d(3)), ALONE, torch.device("cpu"), sync_batchnorm=True)
