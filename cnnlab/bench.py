"""Benchmarks: python -m cnnlab.bench DATASET --budget SECONDS --recipe NAME [--recipe NAME ...]

Prints one JSON line per run: recipe, device, seconds, epochs, test accuracy. Give several
--recipe options to compare them in one run (e.g. fast against pytorch_tutorial).
"""

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

import cnnlab
from cnnlab import models
from cnnlab.checkpoint import load_checkpoint
from cnnlab.data import Batches, load_dataset
from cnnlab.evaluate import evaluate
from cnnlab.fast import train_fast
from cnnlab.runtime import bf16_autocast_is_fast
from cnnlab.train import TimeBudget, fit, train_one_epoch


@dataclass
class Recipe:
    dataset: str
    build: Callable
    batch_size: int
    augment: dict
    max_epochs: int
    validation: bool = True  # hold out 20 % and test the best-by-validation-loss checkpoint
    schedule: bool = False   # TimeBudget warm-up/decay instead of a constant learning rate


TUTORIALS = {
    # The tutorials' own recipes: Adam 1e-3 at a constant rate.
    "pytorch_tutorial": Recipe("cifar10", models.pytorch_tutorial_net, 30, dict(flip="random", rotate=20), 60),
    "tf_tutorial": Recipe("cifar10", models.tf_tutorial_net, 64, dict(flip="random", crop=2), 60),
    # The Keras MNIST network on all 60,000 images, its Adam rate shaped to the budget.
    "keras_mnist": Recipe("mnist", models.keras_mnist_net, 128, {}, 3, validation=False, schedule=True),
}


def run_tutorial(name: str, device, budget: float | None, epochs: int | None, subset) -> dict:
    """Adam 1e-3; with a validation split, the best checkpoint by validation loss is tested."""
    recipe = TUTORIALS[name]
    started = time.monotonic()
    train = load_dataset(recipe.dataset, "train").take(subset)
    train, val = train.split(0.2, seed=1) if recipe.validation else (train, None)
    test = load_dataset(recipe.dataset, "test")
    torch.manual_seed(0)
    channels_last = device.type in ("cpu", "cuda")
    model = recipe.build().to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    train_batches = Batches(train, recipe.batch_size, device, shuffle=True, seed=0,
                            channels_last=channels_last, **recipe.augment)
    test_batches = Batches(test, 1000, device, channels_last=channels_last)
    remaining = budget - (time.monotonic() - started) - 30 if budget else None  # keep time to test
    if recipe.validation:
        with tempfile.TemporaryDirectory() as folder:
            best = Path(folder) / "best.pt"
            history = fit(model, train_batches, Batches(val, 1000, device, channels_last=channels_last),
                          optimizer, device, epochs=epochs or recipe.max_epochs, checkpoint=str(best),
                          resume=False, time_budget=remaining, progress=False)
            load_checkpoint(best, model, restore_rng=False)
        epochs_done = len(history)
    else:
        clock = TimeBudget(optimizer, remaining) if recipe.schedule and remaining else None
        epochs_done = 0
        for _ in range(epochs or recipe.max_epochs if not clock else 10_000):
            train_one_epoch(model, train_batches, optimizer, device, scheduler=clock,
                            deadline=clock.deadline if clock else None, progress=False)
            epochs_done += 1
            if clock and clock.over():
                break
    result = evaluate(model, test_batches, device, prefix="test")
    return {"epochs": epochs_done, "test_accuracy": result["test_accuracy"],
            "seconds": time.monotonic() - started}


def run_fast(device, budget, epochs, widths, batch_size, amp, subset, sizes=()) -> dict:
    started = time.monotonic()
    train = load_dataset("cifar10", "train").take(subset)
    test = load_dataset("cifar10", "test")
    amp_dtype = torch.bfloat16 if amp and bf16_autocast_is_fast(device) else None
    tta = 2 if device.type == "cuda" else 1  # the shifted passes cost 3x more on a CPU
    out = train_fast(train, test, device, budget=budget, epochs=epochs, widths=widths,
                     batch_size=batch_size, amp_dtype=amp_dtype, started=started, tta=tta,
                     sizes=sizes)
    return {"epochs": round(out["epochs"], 2), "test_accuracy": out["test_accuracy"],
            "seconds": time.monotonic() - started, "train_seconds": round(out["train_seconds"], 1),
            "widths": list(widths), "batch_size": batch_size,
            "precision": "bfloat16" if amp_dtype else "float32", "tta": tta,
            "sizes": [list(s) for s in sizes]}


def parse_sizes(text: str) -> tuple:
    """'20:0.35,24:0.6' -> ((20, 0.35), (24, 0.6)); 'none' or '' -> ()."""
    if text.strip().lower() in ("", "none"):
        return ()
    return tuple((int(size), float(until)) for size, until in
                 (part.split(":") for part in text.split(",")))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", choices=["cifar10", "mnist"])
    parser.add_argument("--recipe", action="append", help="fast, pytorch_tutorial, tf_tutorial, keras_mnist")
    parser.add_argument("--budget", type=float, help="wall seconds per run, data loading included")
    parser.add_argument("--epochs", type=float, help="a fixed number of epochs instead of a budget")
    parser.add_argument("--device", help="cpu, cuda or mps (default: the best available)")
    parser.add_argument("--widths", default=None, help="fast recipe widths, e.g. 64,128,128")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--sizes", default=None,
                        help="progressive resizing as SIZE:UNTIL,... e.g. 20:0.35,24:0.6 (none: off)")
    parser.add_argument("--no-amp", action="store_true", help="float32 even where bfloat16 is fast")
    parser.add_argument("--subset", type=int, default=None, help="train on a stratified subset")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    if args.budget is None and args.epochs is None:
        parser.error("give --budget SECONDS or --epochs N")
    device = cnnlab.device(args.device)
    recipes = args.recipe or (["fast"] if args.dataset == "cifar10" else ["keras_mnist"])
    gpu = device.type == "cuda"
    widths = tuple(int(w) for w in args.widths.split(",")) if args.widths else (
        (64, 256, 256) if gpu else (32, 96, 192))
    batch_size = args.batch_size or (1024 if gpu else 256)
    sizes = parse_sizes(args.sizes) if args.sizes is not None else ()
    for recipe in recipes:
        for _ in range(args.repeat):
            if recipe == "fast":
                result = run_fast(device, args.budget, args.epochs, widths, batch_size,
                                  not args.no_amp, args.subset, sizes)
            elif recipe in TUTORIALS:
                epochs = int(args.epochs) if args.epochs else None
                result = run_tutorial(recipe, device, args.budget, epochs, args.subset)
            else:
                parser.error(f"unknown recipe {recipe!r}")
            name = torch.cuda.get_device_name() if gpu else device.type
            print(json.dumps({"recipe": recipe, "device": name, "budget": args.budget,
                              "seconds": round(result.pop("seconds"), 1), "epochs": result.pop("epochs"),
                              "test_accuracy": round(result.pop("test_accuracy"), 4), **result}),
                  flush=True)


if __name__ == "__main__":
    main()
