"""The device and precision choice: which device, how many CPU threads, bfloat16 or float32,
channels-last or not, and the autocast context that applies the choice."""

import os
from contextlib import nullcontext

import torch


def usable_cpus() -> int:
    """Cores this process may run on (respects taskset/cgroup affinity)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def choose_device(prefer: str | None = None) -> torch.device:
    """cuda, then mps, then cpu; `prefer` (or the environment variable CNNLAB_DEVICE) forces one."""
    prefer = prefer or os.environ.get("CNNLAB_DEVICE")
    if prefer:
        return torch.device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def configure(chosen: torch.device) -> None:
    """Set torch's process-wide settings for training on `chosen`: on a CPU one thread per usable
    core, on a GPU cuDNN's search for the fastest convolution of each shape."""
    if chosen.type == "cpu":
        # More threads than cores (hyper-threads, a container's quota) only adds contention;
        # CNNLAB_THREADS caps them where students share a machine (deploy/hub/).
        torch.set_num_threads(int(os.environ.get("CNNLAB_THREADS") or 0) or max(1, usable_cpus()))
    if chosen.type == "cuda":
        torch.backends.cudnn.benchmark = True


def device(prefer: str | None = None, verbose: bool = False) -> torch.device:
    """The device a notebook trains on (`choose_device`), with torch set up for it (`configure`):
    what `cnnlab.device()` gives a notebook's first cell."""
    chosen = choose_device(prefer)
    configure(chosen)
    if verbose:
        print(f"device: {chosen} (torch {torch.__version__}, {torch.get_num_threads()} CPU threads)")
    return chosen


def autocast(device: torch.device, dtype: torch.dtype | None):
    """Mixed precision where asked for (bfloat16 on CPUs with AVX-512 BF16, float16/bf16 on GPUs)."""
    return torch.autocast(device.type, dtype=dtype) if dtype is not None else nullcontext()


def bf16_autocast_is_fast(dev: torch.device) -> bool:
    """True where bfloat16 autocast speeds up convolutions: GPUs and CPUs with AVX-512 BF16/AMX
    that torch is allowed to use (see `cpu_capabilities`)."""
    if dev.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if dev.type != "cpu":
        return False
    return bool({"avx512_bf16", "amx_bf16"} & set(cpu_capabilities()))


def mixed_precision(dev: torch.device) -> torch.dtype | None:
    """The autocast dtype for training and testing on `dev`: bfloat16 where it is fast (see
    `bf16_autocast_is_fast`), else None, meaning float32 throughout (Apple's mps included)."""
    return torch.bfloat16 if bf16_autocast_is_fast(torch.device(dev)) else None


def channels_last_pays(dev: torch.device) -> bool:
    """Whether to keep images and filters channels-last (NHWC): oneDNN on a CPU and cuDNN on a
    GPU pick faster convolutions for it; on mps, which is not measured here, the default layout."""
    return torch.device(dev).type in ("cpu", "cuda")


def cpu_capabilities() -> list[str]:
    """The CPU's vector features that decide training speed, among avx2, avx512f, avx512_bf16 and
    amx_bf16, as far as torch may use them: `ATEN_CPU_CAPABILITY=avx2` and `ONEDNN_MAX_CPU_ISA=AVX2`
    make a newer CPU compute as an AVX2-only one does, and then it reports avx2 only."""
    try:
        words = set(open("/proc/cpuinfo").read().split())
    except OSError:
        return []
    found = [flag for flag in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if flag in words]
    capped = os.environ.get("ONEDNN_MAX_CPU_ISA", "").upper().startswith("AVX2") or \
        torch.backends.cpu.get_cpu_capability() in ("AVX2", "DEFAULT", "NO AVX")
    return [flag for flag in found if flag == "avx2"] if capped else found
