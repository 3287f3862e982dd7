"""Train the CIFAR-10 network shipped in cnnlab/assets/ and write its card beside it.

    python tools/train_pretrained.py              # the shipped network: 12 epochs, seed 1
    python tools/train_pretrained.py --epochs 1   # a quick try (writes to --out)

The fast recipe (cnnlab.training.recipe, widths 32/128/256) on all 50,000 training images for a fixed
number of epochs, so the result does not depend on the machine's speed; the test accuracy is
measured on the float16 file as saved, the way `cnnlab.training.pretrained.load_pretrained` loads it.
"""

import argparse
import json
import platform
from dataclasses import replace
from pathlib import Path

import torch

import cnnlab
from cnnlab.atomic import atomic_save
from cnnlab.data import load_dataset
from cnnlab.data.sources import sha256_of
from cnnlab.training.evaluation import tta_accuracy
from cnnlab.training.loop import train_recipe
from cnnlab.training.pretrained import ASSETS, load_pretrained
from cnnlab.training.recipe import BF16_CPU_WIDTHS, RECIPES
from cnnlab.training.runtime import channels_last_pays, cpu_capabilities, mixed_precision


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=float, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--subset", type=int, default=0, help="training images (0: all 50,000)")
    parser.add_argument("--test-images", type=int, default=0, help="test images judged (0: all 10,000)")
    parser.add_argument("--out", type=Path, default=ASSETS)
    args = parser.parse_args(argv)
    device = cnnlab.device()
    amp_dtype = mixed_precision(device)
    recipe = replace(RECIPES["fast"].on(device), widths=BF16_CPU_WIDTHS)
    train = load_dataset("cifar10", "train").take(args.subset or None, seed=args.seed)
    test = load_dataset("cifar10", "test").take(args.test_images or None, seed=0)
    run = train_recipe(recipe, train, None, device, epochs=args.epochs, amp_dtype=amp_dtype,
                       seed=args.seed, channels_last=channels_last_pays(device))
    args.out.mkdir(parents=True, exist_ok=True)
    weights = args.out / "cifar10_fast.pt"
    state = {k: v.detach().cpu().half() if v.is_floating_point() else v.cpu()
             for k, v in run["model"].state_dict().items()}
    atomic_save(state, weights)
    info = {
        "file": weights.name, "sha256": sha256_of(weights), "bytes": weights.stat().st_size,
        "recipe": "fast", "widths": list(BF16_CPU_WIDTHS), "epochs": args.epochs, "seed": args.seed,
        "train_images": len(train), "test_images": len(test), "precision": "bfloat16" if amp_dtype else "float32",
        "stored_as": "float16", "classes": test.classes, "normalize": [list(s) for s in test.stats()],
        "train_seconds": round(run["seconds"]), "torch": torch.__version__,
        "cpu_flags": cpu_capabilities(), "machine": platform.machine(), "device": device.type,
        "command": "python tools/train_pretrained.py" + (f" --epochs {args.epochs:g}" if args.epochs != 12 else ""),
    }
    (args.out / "cifar10_fast.json").write_text(json.dumps(info, indent=1) + "\n")
    model, _ = load_pretrained("cifar10_fast", device, assets=args.out)   # the file as shipped
    for looks, tta in (("test_accuracy_1_look", 0), ("test_accuracy_2_looks", 1), ("test_accuracy_6_looks", 2)):
        info[looks] = round(tta_accuracy(model, test, device, amp_dtype=None, tta=tta), 4)
    (args.out / "cifar10_fast.json").write_text(json.dumps(info, indent=1) + "\n")
    print(json.dumps(info))
    return info


if __name__ == "__main__":
    main()
