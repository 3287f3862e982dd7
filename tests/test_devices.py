"""The device choices of the training code paths, with GPUs mocked where none is present.

What runs on a real Apple GPU (mps) or NVIDIA GPU is not tested here: these tests check that
each choice (device, mixed precision, memory layout, batch sizes, recipe widths, optimizer
precision) is made by device type, without assuming a CPU or CUDA.
"""

import torch

import cnnlab
from cnnlab.data import eval_batch_size
from cnnlab.training.optimizers import orthogonalize
from cnnlab.training.recipe import BF16_CPU_WIDTHS, GPU_WIDTHS, RECIPES
from cnnlab.training.runtime import (
    autocast,
    bf16_autocast_is_fast,
    channels_last_pays,
    mixed_precision,
)

MPS, CUDA = torch.device("mps"), torch.device("cuda")


def test_the_device_is_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.delenv("CNNLAB_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert cnnlab.device() == MPS
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert cnnlab.device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert cnnlab.device() == torch.device("cpu")
    monkeypatch.setenv("CNNLAB_DEVICE", "mps")
    assert cnnlab.device() == MPS   # forced, as on a Mac whose check says otherwise


def test_an_apple_gpu_trains_in_float32_with_the_default_layout(monkeypatch):
    assert not bf16_autocast_is_fast(MPS) and mixed_precision(MPS) is None
    assert not channels_last_pays(MPS)
    assert isinstance(autocast(MPS, mixed_precision(MPS)), type(autocast(MPS, None)))   # no autocast
    assert eval_batch_size(MPS) == 1000
    recipe = RECIPES["fast"].on(MPS)
    assert recipe == RECIPES["fast"] and recipe.widths not in (GPU_WIDTHS, BF16_CPU_WIDTHS)


def test_an_nvidia_gpu_gets_bfloat16_channels_last_and_the_gpu_recipe(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert mixed_precision(CUDA) is torch.bfloat16 and channels_last_pays(CUDA)
    recipe = RECIPES["fast"].on(CUDA)
    assert recipe.widths == GPU_WIDTHS and recipe.batch_size == 1024
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)   # an older GPU
    assert mixed_precision(CUDA) is None


def test_the_cpu_choice_follows_its_bfloat16(monkeypatch):
    cpu = torch.device("cpu")
    assert channels_last_pays(cpu) and eval_batch_size(cpu) == 250
    assert RECIPES["fast"].on(cpu, bfloat16=True).widths == BF16_CPU_WIDTHS
    assert RECIPES["fast"].on(cpu, bfloat16=False) == RECIPES["fast"]


def test_muon_orthogonalises_in_float32_off_cuda():
    g = torch.randn(16, 32)
    assert orthogonalize(g).dtype == g.dtype   # its products run in bfloat16 only on CUDA tensors
