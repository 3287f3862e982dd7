"""`cnnlab doctor`: check the environment and say exactly what to do about each problem.

Each check returns a `Finding` (ok, warn or fail, what was found, what to do). The checks take
their inputs as arguments where a test needs to produce the failing condition (a folder of
frontend extensions, a free-space threshold); by default they look at this machine.
"""

import importlib.metadata
import importlib.util
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from cnnlab.widgets.frontend import (
    HOSTED,
    canvas_problem,
    extension_version,
    frontend,
    labextension_dirs,
)

OK, WARN, FAIL = "ok", "warn", "fail"
MARKS = {OK: "✓", WARN: "!", FAIL: "✗"}
DATASET_NAMES = ("cifar10", "mnist", "fashion_mnist")
# ipywidgets in the kernel and the widget manager in the frontend must be of the same generation:
# ipywidgets major -> (jupyterlab_widgets major, major of the JupyterLab extension it installs)
MANAGERS = {8: (3, 5), 7: (1, 3)}
MANAGER = "@jupyter-widgets/jupyterlab-manager"


@dataclass
class Finding:
    name: str
    status: str
    found: str
    fix: str = ""

    def line(self) -> str:
        text = f"{MARKS[self.status]} {self.name:<16} {self.found}"
        return text + (f"\n  {'':<16} → {self.fix}" if self.fix else "")


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _major(version: str | None) -> int | None:
    try:
        return int(version.split(".")[0]) if version else None
    except ValueError:
        return None


def check_python() -> Finding:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info < (3, 10):  # noqa: UP036 - a kernel of another Python can still reach the checkout
        return Finding("python", FAIL, version, "cnnlab needs Python 3.10 or newer: install it and "
                       "make the virtual environment again.")
    return Finding("python", OK, version)


def check_packages() -> Finding:
    wanted = ("torch", "torchvision", "numpy", "matplotlib", "ipywidgets", "ipykernel")
    missing = [name for name in wanted if _version(name) is None]
    found = ", ".join(f"{name} {_version(name)}" for name in wanted if name not in missing)
    if missing:
        return Finding("packages", FAIL, f"missing: {', '.join(missing)}",
                       f'pip install -e ".[notebooks]" in the workbook folder (or pip install '
                       f'{" ".join(missing)}), then restart the kernel.')
    return Finding("packages", OK, found)


def check_frontend(where: str | None = None) -> Finding:
    where = where or frontend()
    names = {"colab": "Google Colab", "kaggle": "Kaggle", "vscode": "VS Code",
             "jupyter": "a Jupyter server (JupyterLab or Notebook 7)", "terminal": "a terminal (no notebook)"}
    advice = {"colab": "the notebooks' first cell enables Colab's custom widget manager; if a slider "
                       "shows as text, run that cell again and reload the page.",
              "kaggle": "turn on Internet in the notebook's settings so the first cell can install cnnlab.",
              "vscode": "VS Code draws ipywidgets and ipycanvas with its Jupyter extension; if a slider "
                        "shows as text, update the Jupyter extension and reload the window."}
    return Finding("frontend", OK, names[where], advice.get(where, ""))


def check_widgets(dirs=None, where: str | None = None) -> Finding:
    """ipywidgets (kernel side) against the JupyterLab widget manager that will draw it."""
    widgets = _version("ipywidgets")
    if widgets is None:
        return Finding("widgets", FAIL, "ipywidgets is not installed",
                       'pip install "ipywidgets>=8", then restart the kernel and reload the page.')
    where = where or frontend()
    if where in HOSTED:
        return Finding("widgets", OK, f"ipywidgets {widgets}; {where} brings its own widget manager")
    generation = _major(widgets)
    if generation not in MANAGERS:
        return Finding("widgets", WARN, f"ipywidgets {widgets} (not 7 or 8)", 'pip install "ipywidgets>=8"')
    package_major, extension_major = MANAGERS[generation]
    dirs = labextension_dirs() if dirs is None else dirs
    manager = extension_version(MANAGER, dirs)
    if manager is None:
        return Finding("widgets", FAIL, f"ipywidgets {widgets}, but no JupyterLab widget manager "
                       "in this environment: sliders will show as text",
                       f'pip install "jupyterlab_widgets>={package_major}" in the environment '
                       "that runs JupyterLab, then restart JupyterLab and reload the page.")
    if _major(manager) != extension_major:
        return Finding("widgets", FAIL, f"ipywidgets {widgets} with widget manager {manager}: "
                       "they do not match, so sliders will show as text",
                       f'pip install -U "ipywidgets>={generation}" "jupyterlab_widgets>='
                       f'{package_major}" in one environment, restart JupyterLab, reload the page.')
    return Finding("widgets", OK, f"ipywidgets {widgets}, widget manager {manager}")


def check_canvas(dirs=None, where: str | None = None) -> Finding:
    """ipycanvas, for drawing a digit free-hand (notebook 07; without it, a grid of cells)."""
    problem = canvas_problem(dirs, where)
    if problem == "not installed":
        return Finding("ipycanvas", WARN, "not installed: notebook 07 offers a grid of cells to "
                       "click instead of free-hand drawing", 'pip install "ipycanvas>=0.13", then '
                       "restart JupyterLab.")
    version = _version("ipycanvas")
    if problem == "no extension":
        return Finding("ipycanvas", WARN, f"ipycanvas {version} without its JupyterLab extension: "
                       "the canvas will not show (notebook 07 falls back to a grid of cells)",
                       "reinstall it in the environment that runs JupyterLab: "
                       'pip install --force-reinstall "ipycanvas>=0.13", then restart JupyterLab.')
    extension = "" if (where or frontend()) in HOSTED else " with its JupyterLab extension"
    return Finding("ipycanvas", OK, f"ipycanvas {version}{extension}")


def check_backend(in_kernel: bool | None = None) -> Finding:
    """A kernel told to use a non-interactive backend (MPLBACKEND=Agg) draws no figure at all."""
    import matplotlib

    backend = matplotlib.get_backend()
    in_kernel = "ipykernel" in sys.modules if in_kernel is None else in_kernel
    drawing = "inline" in backend.lower() or "ipympl" in backend.lower() or "widget" in backend.lower()
    if in_kernel and not drawing:
        return Finding("matplotlib", FAIL, f"backend {backend!r}: figures will not show in the notebook",
                       f"MPLBACKEND={os.environ.get('MPLBACKEND', '')!r} is set where JupyterLab was started: "
                       "unset it (`unset MPLBACKEND`, PowerShell: `Remove-Item Env:MPLBACKEND`), restart "
                       "JupyterLab; or run `%matplotlib inline` in this notebook.")
    if not in_kernel and os.environ.get("MPLBACKEND", "").lower() in ("agg", "pdf", "svg", "ps", "cairo"):
        return Finding("matplotlib", WARN, f"MPLBACKEND={os.environ['MPLBACKEND']} in this shell",
                       "kernels started from this shell will draw no figures: unset MPLBACKEND "
                       "before starting JupyterLab.")
    return Finding("matplotlib", OK, f"backend {backend}")


def check_device() -> Finding:
    import torch

    from cnnlab.training.runtime import bf16_autocast_is_fast, cpu_capabilities, device

    chosen = device()
    if chosen.type == "cuda":
        name = torch.cuda.get_device_name(chosen)
        return Finding("device", OK, f"cuda: {name}, torch {torch.__version__}: training takes seconds")
    if chosen.type == "mps":
        return Finding("device", OK, f"mps (Apple GPU), torch {torch.__version__}")
    flags = " ".join(cpu_capabilities()) or "none of avx2/avx512"
    if bf16_autocast_is_fast(chosen):
        return Finding("device", OK, f"cpu, {torch.get_num_threads()} threads, flags {flags}: "
                       "bfloat16 is fast here")
    return Finding("device", WARN, f"cpu, {torch.get_num_threads()} threads, flags {flags}: no fast "
                   "bfloat16, so training runs in float32",
                   "everything works; notebook 08 can load the shipped network (PRETRAINED = True) "
                   "instead of training for 10 minutes.")


def check_datasets(root=None, names=DATASET_NAMES, where: str | None = None) -> list[Finding]:
    from cnnlab.data import dataset_info
    from cnnlab.data.cache import cache_path
    from cnnlab.data.loading import data_root
    from cnnlab.data.sources import archive_dirs

    root = data_root() if root is None else Path(root)
    where = where or frontend()
    def here(relative: str) -> bool:
        return any((folder / relative).is_file() for folder in archive_dirs(root))

    findings = []
    for name in names:
        info = dataset_info(name)
        if all(cache_path(root, name, split).is_file() for split in info.sizes):
            findings.append(Finding(name, OK, f"prepared in {root / 'cache'}"))
            continue
        idx = [f for f in info.archive_files() if f != info.folder_archive]
        wanted = info.folder_archive or " and ".join(idx)   # the file (or files) to copy
        if (info.folder_archive and here(info.folder_archive)) or (idx and all(map(here, idx))):
            findings.append(Finding(name, OK, "archive found; it is prepared on first use (seconds)",
                                    "or now: cnnlab data"))
        elif os.environ.get("CNNLAB_OFFLINE", "") not in ("", "0"):
            findings.append(Finding(name, FAIL, f"missing: no cache in {root / 'cache'} and no archive",
                                    f"copy {wanted} into {root} (or set CNNLAB_ARCHIVES to the folder "
                                    "holding them); see data/README.md."))
        elif where in ("colab", "kaggle"):
            findings.append(Finding(name, OK, "not here yet: torchvision downloads it on first use"))
        else:
            findings.append(Finding(name, WARN, "not here yet: torchvision downloads it on first use",
                                    f"offline? copy {wanted} into {root} or set CNNLAB_ARCHIVES."))
    return findings


def check_disk(root=None, needed_gb: float = 2.0) -> Finding:
    from cnnlab.data.loading import data_root

    root = data_root() if root is None else Path(root)
    folder = next((p for p in [root, *root.parents] if p.exists()), Path.cwd())
    free = shutil.disk_usage(folder).free / 1e9
    if free < needed_gb:
        return Finding("disk", WARN, f"{free:.1f} GB free at {folder}",
                       f"the datasets, their caches and checkpoints need about {needed_gb:g} GB: free some space.")
    return Finding("disk", OK, f"{free:.0f} GB free at {folder}")


def doctor(show: bool = True) -> list[Finding]:
    """Run every check; print one line each (and what to do) when `show`."""
    findings = [check_python(), check_packages(), check_frontend(), check_widgets(), check_canvas(),
                check_backend(), check_device(), *check_datasets(), check_disk()]
    if show:
        print("\n".join(f.line() for f in findings))
        problems = [f for f in findings if f.status == FAIL]
        print(f"\n{len(problems)} problem(s) to fix first." if problems else "\nAll set.")
    return findings
