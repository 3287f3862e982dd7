"""What cannot run here (a Kubernetes cluster, docker build) checked as far as it can be: the
Zero to JupyterHub values use only keys the chart defines, the single-user image is built by the
Makefile's own targets, and the nbgitpuller link and the image agree on where the notebooks are."""

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from cnnlab.setup.hosted import BRANCH, REPOSITORY

ROOT = Path(__file__).resolve().parent.parent

# The keys of the chart's values.schema.yaml (chart 4.x) that a class needs; below the FREE ones
# any key is allowed (they are passed through to JupyterHub, the environment, or Kubernetes).
CHART_KEYS = {
    "hub", "hub.config", "singleuser", "singleuser.image", "singleuser.image.name", "singleuser.image.tag",
    "singleuser.defaultUrl", "singleuser.extraEnv", "singleuser.memory", "singleuser.memory.guarantee",
    "singleuser.memory.limit", "singleuser.cpu", "singleuser.cpu.guarantee", "singleuser.cpu.limit",
    "singleuser.storage", "singleuser.storage.capacity", "singleuser.lifecycleHooks", "cull",
    "cull.enabled", "cull.timeout",
}
FREE = ("hub.config.", "singleuser.extraEnv.", "singleuser.lifecycleHooks.")


def _keys(tree, prefix=""):
    for key, value in tree.items():
        path = f"{prefix}{key}"
        yield path
        if isinstance(value, dict) and not path.startswith(FREE) and f"{path}." not in FREE:
            yield from _keys(value, f"{path}.")


def _bytes(size: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([KMGT]i?)?", size).groups()
    return float(number) * {"K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 2**10, "Mi": 2**20,
                            "Gi": 2**30, "Ti": 2**40, None: 1}[unit]


def test_z2jh_values_use_only_chart_keys_and_sane_resources():
    values = yaml.safe_load((ROOT / "deploy/z2jh/config.yaml").read_text())
    unknown = [k for k in _keys(values) if k not in CHART_KEYS and not k.startswith(FREE)]
    assert not unknown, f"not keys of the Zero to JupyterHub chart: {unknown}"
    user = values["singleuser"]
    assert _bytes(user["memory"]["guarantee"]) <= _bytes(user["memory"]["limit"])
    assert float(user["cpu"]["guarantee"]) <= float(user["cpu"]["limit"])
    assert user["extraEnv"]["CNNLAB_DATA"].startswith("/opt/cnnlab/")


def test_the_image_is_built_by_the_makefiles_targets():
    dockerfile = (ROOT / "deploy/Dockerfile").read_text()
    makes = re.findall(r"^RUN (make .*)$", dockerfile, re.M)
    assert makes == ["make install-class", "make data"], makes
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^lab: install$", makefile, re.M), "make lab = the student's install + cnnlab lab"
    assert "jupyterhub-singleuser" in dockerfile
    recipe = makefile[makefile.index("$(CLASS_STAMP): "):makefile.index("install-dev:")]
    extras = re.search(r'-e "\.\[([a-z,]+)\]"', recipe).group(1).split(",")
    assert {"notebooks", "course", "hub"} <= set(extras)   # the Validate button, singleuser, nbgitpuller
    student = makefile[makefile.index("$(STAMP): "):makefile.index("install-class:")]
    assert re.search(r'-e "\.\[notebooks\]"', student), "a student installs the notebooks extra only"


def test_the_nbgitpuller_link_and_the_image_agree():
    values = yaml.safe_load((ROOT / "deploy/z2jh/config.yaml").read_text())
    command = values["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"]
    assert command[0] == "gitpuller"
    folder = command[3]
    assert values["singleuser"]["defaultUrl"] == f"/lab/tree/{folder}/notebooks/00_start_here.ipynb"
    link = re.search(r"https://\S+/hub/user-redirect/git-pull\?\S+", (ROOT / "docs/teachers.md").read_text()).group(0)
    query = parse_qs(urlparse(link.rstrip("`)")).query)
    assert query["branch"] == [command[2]] and query["repo"] == [command[1]]
    assert command[1] == REPOSITORY and command[2] == BRANCH   # the address every notebook installs from
    notebook = query["urlpath"][0].removeprefix(f"lab/tree/{folder}/")
    assert (ROOT / notebook).exists(), notebook


def test_students_do_not_see_nbgrader_teacher_tools():
    """`make install` disables nbgrader's teacher plugins by id: the ids must be ones nbgrader ships
    (a misspelt id is accepted silently by `jupyter labextension disable` and hides nothing)."""
    import json
    import sys

    ids = re.findall(r"labextension disable --level=sys_prefix (\S+)", (ROOT / "Makefile").read_text())
    assert ids
    static = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader" / "static"
    if not static.exists():
        pytest.skip("nbgrader's JupyterLab extension is not installed here")
    shipped = set(re.findall(r"@jupyter/nbgrader:[a-z-]+", "".join(p.read_text(errors="ignore")
                                                                   for p in static.glob("*.js"))))
    assert set(ids) <= shipped, set(ids) - shipped
    config = Path(sys.prefix) / "etc" / "jupyter" / "labconfig" / "page_config.json"
    if config.exists():   # written by make install
        disabled = json.loads(config.read_text()).get("disabledExtensions", {})
        assert all(disabled.get(i) for i in ids), disabled
