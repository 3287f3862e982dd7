"""cnnlab: the plumbing behind the CNN workbook.

Folders, lowest first (each may import only those before it; tests/test_layers.py checks):
concepts (what notebooks 01-06 compute), draw (arrays to pictures), widgets (wiring explorers),
data (datasets), training (networks, recipes, the script loop, devices), exercises (checked
answers), bench (benchmarks) and setup (the `cnnlab` command, the doctor, Colab and Kaggle).
`atomic` (files written whole or not at all) imports nothing from cnnlab.
"""

from cnnlab.training.runtime import device

__all__ = ["device"]
__version__ = "0.1.0"
