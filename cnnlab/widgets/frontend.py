"""What the frontend drawing this kernel's output can show: which frontend it is, and whether
the widget manager and the canvas extension are installed where JupyterLab looks for them."""

import json
import os
import sys
from pathlib import Path

HOSTED = ("colab", "kaggle", "vscode")   # frontends that bring their own widget manager and canvas


def frontend(environ=None, modules=None) -> str:
    """Where this kernel runs, as far as it can tell: colab, kaggle, vscode, jupyter or terminal."""
    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    if "google.colab" in modules or "COLAB_RELEASE_TAG" in environ:
        return "colab"
    if "KAGGLE_KERNEL_RUN_TYPE" in environ or "KAGGLE_URL_BASE" in environ:
        return "kaggle"
    if "VSCODE_PID" in environ or "VSCODE_CWD" in environ or environ.get("JPY_SESSION_NAME", "").startswith("vscode"):
        return "vscode"
    if "ipykernel" in modules:
        return "jupyter"
    return "terminal"


def labextension_dirs() -> list[Path]:
    from jupyter_core.paths import jupyter_path

    return [Path(p) for p in jupyter_path("labextensions")]


def extension_version(name: str, dirs) -> str | None:
    """The version of JupyterLab extension `name` in the first of `dirs` holding it, or None."""
    for folder in dirs:
        package = Path(folder) / name / "package.json"
        if package.is_file():
            return json.loads(package.read_text()).get("version")
    return None


def canvas_problem(dirs=None, where: str | None = None) -> str | None:
    """Why an ipycanvas canvas would not show: "not installed", "no extension", or None (it shows)."""
    import importlib.util

    if importlib.util.find_spec("ipycanvas") is None:
        return "not installed"
    if (where or frontend()) in HOSTED:
        return None
    dirs = labextension_dirs() if dirs is None else dirs
    return "no extension" if extension_version("ipycanvas", dirs) is None else None
