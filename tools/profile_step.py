"""Where one training step of the fast recipe spends its time on this CPU, per batch size.

    python tools/profile_step.py [BATCH_SIZE ...]          (default: 64 128 256)

Prefix `ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2` to see an AVX2-only CPU. Uses random
images (the step's cost does not depend on them), float32 or bfloat16 as `cnnlab.bench.cifar` would
choose, channels-last. Prints one JSON line per batch size: training images per second (best of
three runs of ten steps) and, from torch.profiler, the share of the step spent in each kind of
work: convolutions, BatchNorm, activations (GELU), pooling (and its backward's zero-filling), the
optimizer step (Muon's matrix products included) and the rest. The shares say what fusing would
be worth: BatchNorm and GELU together are the most a fused BatchNorm+activation could save.
"""

import json
import sys
import time

import torch
from torch.profiler import ProfilerActivity, profile

from cnnlab.training.recipe import RECIPES
from cnnlab.training.runtime import autocast, bf16_autocast_is_fast, cpu_capabilities

CPU = torch.device("cpu")


def measure(batch_size: int, steps: int = 10) -> dict:
    amp_dtype = torch.bfloat16 if bf16_autocast_is_fast(CPU) else None
    recipe = RECIPES["fast"].on(CPU, bfloat16=amp_dtype is not None)
    model = recipe.network(recipe.widths).to(memory_format=torch.channels_last)
    optimizer = recipe.optimizer(model, batch_size)
    x = torch.randn(batch_size, 3, 32, 32).contiguous(memory_format=torch.channels_last)  # (B, 3, 32, 32)
    y = torch.randint(0, 10, (batch_size,))

    def step():
        with autocast(CPU, amp_dtype):
            logits = model(x)
        loss = recipe.loss(logits.float(), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    for _ in range(3):                     # oneDNN picks its kernels for these shapes first
        step()
    seconds = []
    for _ in range(3):                     # best of three: two cores are shared with the system
        begin = time.monotonic()
        for _ in range(steps):
            step()
        seconds.append(time.monotonic() - begin)
    per_second = steps * batch_size / min(seconds)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(3):
            step()
    return {"batch_size": batch_size, "widths": list(recipe.widths), "cpu": cpu_capabilities(),
            "precision": "bfloat16" if amp_dtype else "float32", "threads": torch.get_num_threads(),
            "images_per_second": round(per_second), **shares(prof.key_averages())}


KINDS = {"convolution": ("convolution",), "batchnorm": ("batch_norm",), "activation": ("gelu",),
         "pooling": ("max_pool", "fill_")}


def shares(events) -> dict:
    """{"convolution_share": …, …, "other_share": …}: each kind's part of the step's own CPU time."""
    total = sum(e.self_cpu_time_total for e in events)
    # everything under optimizer.step() (its own record_function), whatever ops it calls
    optimizer = sum(e.cpu_time_total for e in events if e.key.startswith("Optimizer.step#"))
    parts = {kind: sum(e.self_cpu_time_total for e in events if any(word in e.key for word in words))
             for kind, words in KINDS.items()}
    parts["optimizer"] = optimizer
    parts["other"] = max(total - sum(parts.values()), 0)
    return {f"{kind}_share": round(part / total, 3) for kind, part in parts.items()}


if __name__ == "__main__":
    for size in [int(a) for a in sys.argv[1:]] or [64, 128, 256]:
        print(json.dumps(measure(size)), flush=True)
