"""Benchmarks: python -m cnnlab.bench.cifar DATASET --budget SECONDS --recipe NAME [--recipe NAME ...]

Prints one JSON line per run: recipe, device, CPU features, precision, seconds, epochs, test
accuracy. Every recipe trains through recipes.train_recipe, the loop the notebooks write out.
`--notebook` also runs the notebook a student runs (papermill, its default parameters, MODEL set
to the recipe) and prints the test accuracy it printed, so both figures sit side by side.

`--recipe airbench94` (GPU only) runs Keller Jordan's airbench94 itself, from its PyPI package, on the
same offline copy, beside ours: see cnnlab.bench.airbench. It trains its own 9.9 epochs (or --epochs).

Several GPUs (or CPU processes, with gloo): `torchrun --standalone --nproc_per_node=N -m cnnlab.bench.cifar
cifar10 --recipe fast --epochs 10`; see cnnlab.training.distributed. Rank 0 tests and prints.
"""

import argparse
import json
import time
from dataclasses import replace

import torch

from cnnlab.bench.airbench import run_airbench94
from cnnlab.bench.notebook import run_notebook
from cnnlab.data import load_dataset
from cnnlab.training import distributed, runtime
from cnnlab.training.evaluation import time_evaluation, tta_accuracy
from cnnlab.training.loop import train_recipe
from cnnlab.training.optimizers import muon_sgd, summed_loss_sgd
from cnnlab.training.recipe import RECIPES
from cnnlab.training.runtime import bf16_autocast_is_fast, channels_last_pays, cpu_capabilities

NOTEBOOKS = {"cifar10": "cifar10_classifier", "mnist": "first_cnn_mnist"}
OPTIMIZERS = {"sgd": summed_loss_sgd, "muon": muon_sgd}  # --optimizer: the fast recipe's two, compared


def run_recipe(name: str, device, budget: float | None, epochs: float | None, widths=None,
               batch_size: int | None = None, amp: bool = True, subset: int | None = None,
               world: distributed.World = distributed.ALONE, sync_batchnorm: bool = False,
               compile: bool = False, tta: int | None = None, optimizer: str | None = None) -> dict:
    """Load, train and test one recipe; `budget` counts everything from here to the test result.

    The tutorials hold out `recipe.holdout` of the training images for validation, as their
    notebooks do; the fast recipe trains on all 50,000 (its notebook holds out 20 %: `--notebook`
    measures what that costs). `compile`: torch.compile, its compiling paid out of the budget.
    `optimizer`: "sgd" or "muon" instead of the recipe's own for the device (see OPTIMIZERS).
    """
    started = time.monotonic()
    amp_dtype = torch.bfloat16 if amp and bf16_autocast_is_fast(device) else None
    recipe = RECIPES[name].on(device, bfloat16=amp_dtype is not None)
    recipe = recipe if tta is None else replace(recipe, tta=tta)
    recipe = replace(recipe, optimizer=OPTIMIZERS[optimizer]) if optimizer else recipe
    recipe = replace(recipe, widths=tuple(widths)) if widths else recipe
    train = load_dataset(recipe.dataset, "train").take(subset)
    train, val = train.split(recipe.holdout, seed=1) if name != "fast" else (train, None)
    test = load_dataset(recipe.dataset, "test")
    channels_last = channels_last_pays(device)
    seconds = 0.0
    if budget:  # keep back the time the final test (and the last validation pass) will take
        probe = recipe.build(train, device, channels_last=channels_last)
        reserve = time_evaluation(probe, test, device, amp_dtype, recipe.tta)
        if val is not None:
            reserve += time_evaluation(probe, test, device, amp_dtype, 0) * len(val) / len(test)
        # 1.5x: two cores' speed drifts within a run; with 1.25x a 600 s run once ended at 600.5 s
        # (the test, timed at 29 s before training, took 39 s after it)
        seconds = budget - 1.5 * reserve - 2.0  # counted from `started`
    run = train_recipe(recipe, train, val, device, seconds=seconds, epochs=epochs or recipe.max_epochs,
                       batch_size=batch_size, amp_dtype=amp_dtype,
                       channels_last=channels_last, started=started if budget else None, world=world,
                       sync_batchnorm=sync_batchnorm, compile=compile)
    accuracy = tta_accuracy(run["model"], test, device, amp_dtype, tta=recipe.tta) if world.main else None
    return {"epochs": round(run["epochs"], 2), "test_accuracy": accuracy,
            "seconds": time.monotonic() - started, "train_seconds": round(run["seconds"], 1),
            "widths": list(recipe.widths) or None,
            "batch_size": batch_size or recipe.batch_size,
            "precision": "bfloat16" if amp_dtype else "float32", "tta": recipe.tta, "compile": compile,
            "optimizer": recipe.optimizer.name}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", choices=["cifar10", "mnist"])
    parser.add_argument("--recipe", action="append", help=", ".join([*RECIPES, "airbench94 (GPU only)"]))
    parser.add_argument("--budget", type=float, help="wall seconds per run, data loading included")
    parser.add_argument("--epochs", type=float, help="a fixed number of epochs instead of a budget")
    parser.add_argument("--device", help="cpu, cuda or mps (default: the best available)")
    parser.add_argument("--widths", default=None, help="fast recipe widths, e.g. 64,128,128")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--tta", type=int, default=None,
                        help="test-time augmentation level: 0 none, 1 flips, 2 flips and shifts")
    parser.add_argument("--no-amp", action="store_true", help="float32 even where bfloat16 is fast")
    parser.add_argument("--subset", type=int, default=None, help="train on a stratified subset")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--sync-batchnorm", action="store_true",
                        help="under torchrun: BatchNorm statistics over all ranks (default: per rank)")
    parser.add_argument("--compile", action="store_true",
                        help="train through torch.compile (compile time counts in the budget)")
    parser.add_argument("--optimizer", choices=list(OPTIMIZERS),
                        help="fast recipe: muon (Muon for the filters, SGD for the rest) or sgd (SGD for all); "
                             "default: the recipe's own for the device")
    parser.add_argument("--notebook", action="store_true",
                        help="also run the dataset's notebook with its defaults and MODEL=recipe")
    parser.add_argument("--notebook-only", action="store_true", help="run only the notebook")
    args = parser.parse_args(argv)
    if args.budget is None and args.epochs is None and not args.notebook_only:
        parser.error("give --budget SECONDS or --epochs N")
    world, ranked_device = distributed.start()     # (World(), None) outside torchrun
    device = ranked_device or runtime.device(args.device)
    if args.sync_batchnorm and device.type != "cuda":
        parser.error("--sync-batchnorm needs GPUs (torch's SyncBatchNorm runs on CUDA only); "
                     "on CPU processes BatchNorm is per rank: leave the flag off")
    names = args.recipe or (["fast"] if args.dataset == "cifar10" else ["keras_mnist"])
    widths = tuple(int(w) for w in args.widths.split(",")) if args.widths else None
    machine = {"device": torch.cuda.get_device_name() if device.type == "cuda" else device.type,
               "cpu": cpu_capabilities(), "threads": torch.get_num_threads()}
    if world.size > 1:
        machine |= {"processes": world.size, "batchnorm": "sync" if args.sync_batchnorm else "per-rank"}
    if args.optimizer and set(names) != {"fast"}:
        parser.error("--optimizer changes the fast recipe's optimizer only: run it with --recipe fast alone")
    if "airbench94" in names and (args.dataset != "cifar10" or device.type != "cuda" or world.size > 1):
        parser.error("airbench94 trains on CIFAR-10 on one GPU only (float16 weights made with .cuda()); "
                     f"this run is {args.dataset} on {device.type}"
                     f"{' with several processes' if world.size > 1 else ''}: leave out --recipe airbench94")
    for name in names:
        if name == "airbench94":
            for _ in range(args.repeat):              # its own schedule: --epochs, else its 9.9; no budget
                result = run_airbench94(device, args.epochs)
                print(json.dumps({"recipe": name, **machine, "budget": None,
                                  "seconds": round(result.pop("seconds"), 1), "epochs": result.pop("epochs"),
                                  "test_accuracy": round(result.pop("test_accuracy"), 4), **result}), flush=True)
            continue
        if name not in RECIPES or RECIPES[name].dataset != args.dataset:
            parser.error(f"no {args.dataset} recipe {name!r}; choose from "
                         f"{[n for n, r in RECIPES.items() if r.dataset == args.dataset]}")
        for _ in range(args.repeat):
            if not args.notebook_only:
                result = run_recipe(name, device, args.budget, args.epochs, widths, args.batch_size,
                                    not args.no_amp, args.subset, world, args.sync_batchnorm,
                                    args.compile, args.tta, args.optimizer)
                if world.main:
                    print(json.dumps({"recipe": name, **machine, "budget": args.budget,
                                      "seconds": round(result.pop("seconds"), 1), "epochs": result.pop("epochs"),
                                      "test_accuracy": round(result.pop("test_accuracy"), 4), **result}),
                          flush=True)
            if (args.notebook or args.notebook_only) and world.main:
                parameters = {"MODEL": name} if args.dataset == "cifar10" else {}
                result = run_notebook(NOTEBOOKS[args.dataset], parameters)
                print(json.dumps({"recipe": name, "notebook": result.pop("notebook"), **machine,
                                  **result}), flush=True)
    distributed.stop()


if __name__ == "__main__":
    main()
