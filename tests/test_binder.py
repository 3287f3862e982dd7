"""The files Binder (repo2docker) reads agree with pyproject.toml and with `make lab`'s steps.

repo2docker itself needs Docker and conda channels, so the build cannot run here; what can be
checked is that the conda list names every dependency with the same lower bound, that no local
pip install hides in it, and that postBuild runs the README's install and data commands.
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


def test_binder_environment_lists_every_dependency_with_the_same_bound():
    environment = yaml.safe_load((ROOT / "binder/environment.yml").read_text())
    listed = [d for d in environment["dependencies"] if isinstance(d, str)]
    conda = dict(re.match(r"([A-Za-z0-9_.-]+)(.*)", d).groups() for d in listed)
    for name, bound in _requirements().items():
        assert name in conda, f"{name} is in pyproject.toml but not in binder/environment.yml"
        assert conda[name] == bound, f"{name}: pyproject says {bound!r}, binder/environment.yml {conda[name]!r}"
    python = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert conda["python"].lstrip("=") >= python.lstrip(">=")
    assert not any(isinstance(d, dict) and "pip" in d for d in environment["dependencies"]), \
        "install the package in postBuild, not as a pip entry of environment.yml"


def test_postbuild_installs_the_package_and_prepares_the_data_like_make():
    post = ROOT / "binder/postBuild"
    assert os.access(post, os.X_OK) and post.read_text().startswith("#!/bin/bash")
    steps = [line for line in post.read_text().splitlines() if line.startswith("python")]
    assert steps[0] == "python -m pip install --no-deps -e ."
    makefile = (ROOT / "Makefile").read_text()
    prepare = re.search(r"\$\(BIN\)/python (-m cnnlab\.data prepare [a-z_ ]+)", makefile).group(1).strip()
    assert steps[1].startswith(f"python {prepare}"), (steps[1], prepare)
    assert not (ROOT / "environment.yml").exists(), "a root environment.yml is ignored once binder/ exists"
