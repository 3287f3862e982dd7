"""The files conda and Binder (repo2docker) read agree with pyproject.toml and with the Makefile.

repo2docker itself needs Docker and conda channels, so the build cannot run here; what can be
checked is that environment.yml, at the repository root where Binder looks when there is no
binder/ folder, names every dependency a student needs with the same lower bound and installs the
package itself, and that postBuild, beside it, installs the package and prepares the data.
"""

import os
import re
from pathlib import Path

import tomllib
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONDA_NAMES = {"torch": "pytorch"}   # PyPI name -> conda-forge name where they differ


def _requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["notebooks"]
    return {CONDA_NAMES.get(name, name): bound for name, bound in
            (re.match(r"([A-Za-z0-9_.-]+)(.*)", r.replace(" ", "")).groups() for r in wanted)}


def test_environment_lists_every_dependency_with_the_same_bound():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = [d for d in environment["dependencies"] if isinstance(d, str)]
    conda = dict(re.match(r"([A-Za-z0-9_.-]+)(.*)", d).groups() for d in listed)
    for name, bound in _requirements().items():
        assert name in conda, f"{name} is in pyproject.toml but not in environment.yml"
        assert conda[name] == bound, f"{name}: pyproject says {bound!r}, environment.yml {conda[name]!r}"
    python = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert conda["python"].lstrip("=") >= python.lstrip(">=")
    pip = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert pip == [["-e ."]], "environment.yml installs the package itself, and only that, with pip"


def test_binder_reads_the_root():
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists(), \
        "a binder/ folder makes repo2docker ignore the root's environment.yml and postBuild"


def test_postbuild_installs_the_package_and_prepares_the_data_like_make():
    post = ROOT / "postBuild"
    assert os.access(post, os.X_OK) and post.read_text().startswith("#!/bin/bash")
    steps = [line for line in post.read_text().splitlines() if line.startswith("python")]
    assert steps[0] == "python -m pip install --no-deps -e ."
    makefile = (ROOT / "Makefile").read_text()
    prepare = re.search(r"^data: install\n\t\$\(BIN\)/cnnlab (data)\b", makefile, re.M).group(1)
    assert steps[1].startswith(f"python -m cnnlab {prepare}"), (steps[1], prepare)
