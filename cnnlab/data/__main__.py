"""python -m cnnlab.data prepare [NAME ...]: fill the cache so notebooks start fast."""

import sys
import time

from cnnlab.data import DATASETS, DatasetNotFoundError, load_dataset


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "prepare":
        print("usage: python -m cnnlab.data prepare [cifar10 mnist fashion_mnist] [--optional]")
        return 2
    optional = "--optional" in argv  # report missing data without failing (for `make lab`)
    names = [a for a in argv[1:] if not a.startswith("--")] or list(DATASETS)
    failed = 0
    for name in names:
        start = time.perf_counter()
        try:
            for split in ("train", "test"):
                data = load_dataset(name, split)
                print(f"{data!r}: ready in {time.perf_counter() - start:.1f} s")
        except DatasetNotFoundError as error:
            failed += 1
            print(f"\n{error}\n", file=sys.stderr)
    return 0 if optional or not failed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
