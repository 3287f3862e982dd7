"""Redraw latency of every explorer: python -m cnnlab.bench.widgets [--repeat N]

Each explorer is driven through its controls as a student would; the time from setting a
control to the new result (compute + draw, kernel side) is measured. Prints one JSON line per
explorer with the median and 90th percentile in milliseconds, and the 100 ms target.
"""

import argparse
import json
import statistics
import time

import numpy as np


def moves(explorer):
    """A cycle of control changes that each force a real redraw."""
    from cnnlab.widgets.convolution import ConvolutionArithmetic, KernelOnImage
    from cnnlab.widgets.inside import FeatureMapExplorer
    from cnnlab.widgets.layers import ActivationExplorer, PoolingExplorer

    if isinstance(explorer, FeatureMapExplorer):
        return [("index", 1), ("page", 1), ("layer", "2.6"), ("page", 0), ("layer", "4.6"),
                ("index", 2), ("layer", "1")]
    if isinstance(explorer, ConvolutionArithmetic):
        return [("step", v) for v in (1, 2, 3, 4)] + [("stride", 2), ("stride", 1), ("padding", 1), ("padding", 0)]
    if isinstance(explorer, KernelOnImage):
        return [("kernel", "blur"), ("kernel", "sharpen"), ("stride", 2), ("stride", 1),
                ("dilation", 2), ("dilation", 1), ("padding", 0), ("padding", 1)]
    if isinstance(explorer, ActivationExplorer):
        return [("function", f) for f in ("tanh", "sigmoid", "GELU", "ReLU")] + \
               [("source", "image: vertical edges"), ("source", "X feature map (diagonal \\)")]
    if isinstance(explorer, PoolingExplorer):
        return [("mode", "avg"), ("mode", "max"), ("window", 3), ("window", 2),
                ("source", "image: vertical edges"), ("stride", 1), ("stride", 2)]
    raise TypeError(explorer)


def measure(explorer, repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        for name, value in moves(explorer):
            start = time.perf_counter()
            getattr(explorer, name).value = value
            timings.append(time.perf_counter() - start)
    return timings


def measure_xo(repeat: int) -> list[float]:
    from cnnlab.widgets.xo import XODrawing

    board = XODrawing()
    timings = []
    for _ in range(repeat):
        for row, col in ((4, 4), (2, 6), (4, 4), (2, 6)):
            start = time.perf_counter()
            board.grid.click(row, col)
            timings.append(time.perf_counter() - start)
    return timings


def feature_map_explorer():
    """The explorer on an (untrained) fast_net and random 32x32 images: redraw cost only."""
    import torch

    from cnnlab.data import ImageDataset
    from cnnlab.training.models import fast_net
    from cnnlab.widgets.inside import FeatureMapExplorer

    torch.manual_seed(0)
    data = ImageDataset(torch.randint(0, 256, (8, 3, 32, 32), dtype=torch.uint8),
                        torch.arange(8) % 10, [str(i) for i in range(10)])
    return FeatureMapExplorer(fast_net((32, 64, 128)).eval(), data, ["1", "2.6", "4.6"])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    from cnnlab.widgets.convolution import ConvolutionArithmetic, KernelOnImage
    from cnnlab.widgets.layers import ActivationExplorer, PoolingExplorer

    runs = {"ConvolutionArithmetic (03)": lambda: measure(ConvolutionArithmetic(size=12), args.repeat),
            "KernelOnImage 224x224 (03)": lambda: measure(KernelOnImage(), args.repeat),
            "ActivationExplorer (04)": lambda: measure(ActivationExplorer(), args.repeat),
            "PoolingExplorer (05)": lambda: measure(PoolingExplorer(), args.repeat),
            "XODrawing click (02)": lambda: measure_xo(args.repeat),
            "FeatureMapExplorer fast_net (09)": lambda: measure(feature_map_explorer(), args.repeat)}
    for name, run in runs.items():
        timings = np.array(run()) * 1000
        print(json.dumps({"explorer": name, "redraws": len(timings),
                          "median_ms": round(statistics.median(timings), 1),
                          "p90_ms": round(float(np.percentile(timings, 90)), 1),
                          "target_ms": 100}), flush=True)


if __name__ == "__main__":
    main()
