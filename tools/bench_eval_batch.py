"""How fast the fast recipe's final test runs on this CPU, per evaluation batch size.

    python tools/bench_eval_batch.py [BATCH_SIZE ...]          (default: 1000 250)

Prefix `ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2` to see an AVX2-only CPU. Builds the
network `cnnlab.bench.cifar` would train here (widths, precision and test-time looks as the recipe picks
them; the weights don't change the cost) and times its test on 2,000 random images with the
benchmark's own estimate (`cnnlab.training.evaluation.time_evaluation`: `tta_accuracy`, best of two).
Prints one JSON line per batch size, with the ratio to the first size, measured in the same run.
This is the measurement behind `cnnlab.data.eval_batch_size`.
"""

import json
import sys

import torch

from cnnlab.data import ImageDataset
from cnnlab.training.evaluation import time_evaluation
from cnnlab.training.recipe import RECIPES
from cnnlab.training.runtime import bf16_autocast_is_fast, cpu_capabilities

CPU = torch.device("cpu")


def main(sizes: list[int], images: int = 2000) -> list[dict]:
    amp_dtype = torch.bfloat16 if bf16_autocast_is_fast(CPU) else None
    recipe = RECIPES["fast"].on(CPU, bfloat16=amp_dtype is not None)
    torch.manual_seed(0)
    model = recipe.network(recipe.widths).to(memory_format=torch.channels_last)
    data = ImageDataset(torch.randint(0, 256, (images, 3, 32, 32), dtype=torch.uint8),  # (N, 3, 32, 32)
                        torch.zeros(images, dtype=torch.long), [str(i) for i in range(10)], name="random")
    lines = []
    for size in sizes:
        # the benchmark's own estimate of its test (tta_accuracy, best of two), on all `images`
        s = time_evaluation(model, data, CPU, amp_dtype, recipe.tta, sample=images, batch_size=size)
        lines.append({"batch_size": size, "seconds": round(s, 3), "images": images, "tta": recipe.tta,
                      "ratio_to_first": round(s / lines[0]["seconds"], 3) if lines else 1.0,
                      "precision": "bfloat16" if amp_dtype else "float32", "widths": list(recipe.widths),
                      "cpu": cpu_capabilities(), "threads": torch.get_num_threads()})
        print(json.dumps(lines[-1]), flush=True)
    return lines


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 250])
