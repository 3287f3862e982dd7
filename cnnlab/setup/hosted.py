"""Running the workbook where cnnlab is not installed yet: Google Colab and Kaggle.

Every notebook opens with the same setup cell, made by `setup_cell()` from the one repository
address below (tools/check_notebooks.py checks each copy, `make clean-notebooks` rewrites them).
The cell installs cnnlab only in a hosted runtime, or where CNNLAB_INSTALL_FROM names a source;
on a local install it changes nothing.
"""

REPOSITORY = "https://github.com/cnnlab/cnnlab"
BRANCH = "main"
SETUP_TAG = "setup"


def install_source() -> str:
    """What pip installs in a hosted runtime: the repository's main branch."""
    return f"git+{REPOSITORY}@{BRANCH}"


def notebook_link(service: str, notebook: str) -> str:
    """An "Open in Colab" or "Open in Kaggle" address for notebooks/<notebook>.ipynb."""
    path = REPOSITORY.removeprefix("https://github.com/")
    if service == "colab":
        return f"https://colab.research.google.com/github/{path}/blob/{BRANCH}/notebooks/{notebook}.ipynb"
    if service == "kaggle":
        return f"https://kaggle.com/kernels/welcome?src={REPOSITORY}/blob/{BRANCH}/notebooks/{notebook}.ipynb"
    raise ValueError(f"service must be 'colab' or 'kaggle', got {service!r}")


def setup_cell() -> str:
    """The source of every notebook's first code cell."""
    return f'''\
# Setup for Google Colab and Kaggle: installs cnnlab there. On your own machine it does nothing.
import importlib.util
import os
import subprocess
import sys

CNNLAB_SOURCE = os.environ.get("CNNLAB_INSTALL_FROM", "{install_source()}")
HOSTED = "google.colab" in sys.modules or "KAGGLE_KERNEL_RUN_TYPE" in os.environ
if importlib.util.find_spec("cnnlab") is None and (HOSTED or "CNNLAB_INSTALL_FROM" in os.environ):
    print(f"installing cnnlab from {{CNNLAB_SOURCE}} (a minute or two) ...")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", CNNLAB_SOURCE, "ipywidgets>=8",
                    "ipycanvas>=0.13"], check=True)
    importlib.invalidate_caches()
if "google.colab" in sys.modules:
    from google.colab import output

    output.enable_custom_widget_manager()   # Colab draws third-party widgets (ipycanvas) only then'''
