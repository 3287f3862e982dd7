"""Several processes, one model: `torchrun` and DistributedDataParallel, for the benchmark's loop.

    torchrun --standalone --nproc_per_node=N -m cnnlab.bench.cifar cifar10 --recipe fast --epochs 10

Each rank builds the same batches from the same seed (the images already live on its device) and
keeps its own slice of every global batch, so N ranks together take the steps one process would
take with the same global batch: the optimizer, learning rate and schedule are the recipe's for
that batch, unchanged. DDP averages the gradients over the ranks; a loss summed over the batch
(the fast recipe's) is scaled by N so that the average is the sum over the global batch again.
BatchNorm keeps per-rank statistics (each rank normalises its own slice, as DDP does by default);
`sync_batchnorm=True` pools them across ranks at the cost of one more all-reduce per layer;
torch's SyncBatchNorm runs on CUDA only, so on CPU processes (gloo) BatchNorm is always per rank.
Outside torchrun (WORLD_SIZE unset) everything here is a no-op.
"""

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from cnnlab.training.runtime import usable_cpus


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    def part(self, x: torch.Tensor, y: torch.Tensor):
        """(B, ...) global batch -> this rank's (B / size, ...) rows."""
        if self.size == 1:
            return x, y
        if len(x) % self.size:
            raise ValueError(f"a global batch of {len(x)} does not split evenly over {self.size} "
                             "processes: choose a batch size divisible by --nproc_per_node")
        return x[self.rank::self.size], y[self.rank::self.size]

    def loss_scale(self, reduction: str) -> int:
        """DDP averages gradients over ranks: a summed loss needs `size` times its slice's sum."""
        return self.size if reduction == "sum" else 1

    def agree(self, fraction: float) -> float:
        """The largest `fraction` over all ranks: they stop, and set the learning rate, together."""
        if self.size == 1:
            return fraction
        on = "cuda" if dist.get_backend() == "nccl" else "cpu"       # NCCL reduces GPU tensors only
        value = torch.tensor([fraction], dtype=torch.float64, device=on)
        dist.all_reduce(value, op=dist.ReduceOp.MAX)                 # one small sync per step
        return float(value)


ALONE = World()   # one process: every method above is a no-op


def start() -> tuple[World, torch.device | None]:
    """Join the process group that torchrun set up; (World(), None) outside torchrun."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size == 1:
        return World(), None
    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        device = torch.device("cuda", local)
        torch.cuda.set_device(device)
        dist.init_process_group("nccl", device_id=device)
    else:
        device = torch.device("cpu")
        per_machine = int(os.environ.get("LOCAL_WORLD_SIZE", size))
        torch.set_num_threads(max(1, usable_cpus() // per_machine))   # the cores are shared
        dist.init_process_group("gloo")
    return World(rank, size), device


def wrap(model: torch.nn.Module, world: World, device: torch.device, sync_batchnorm: bool = False,
         frozen_later: bool = False):
    """The model as DDP sees it (the same parameters); the model itself when alone.

    `frozen_later`: some parameter stops learning during training (the fast recipe's whitening
    bias); DDP must then look for parameters without a gradient at every step.
    """
    if sync_batchnorm and device.type != "cuda":
        raise ValueError("sync_batchnorm needs GPUs: torch's SyncBatchNorm runs on CUDA only. On CPU "
                         "processes leave it off (BatchNorm is then per rank, as DDP does by default).")
    if world.size == 1:
        return model
    if sync_batchnorm:
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    ids = [device.index] if device.type == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=ids, find_unused_parameters=frozen_later)


def stop() -> None:
    """Leave together: rank 0 may still be testing while the others are done, and a rank that
    tears its process group down alone can abort inside gloo ("terminate called ...")."""
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
