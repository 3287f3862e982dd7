"""A class on one machine: `make hub` (JupyterHub + configurable-http-proxy), two students logging
in through headless Chromium, each running notebook 03 and moving a slider in a private copy,
neither able to see the other's files; then the hub shuts down and takes their servers with it."""

import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from test_browser import CHROMIUM, CHROMIUM_ARGS, free_port, run_all_cells, wait_for_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]   # make test-all: a class on one JupyterHub
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "hub"
PASSWORD = "class-of-2026"
SERVICE_TOKEN = "cnnlab-load-test-token"
LOAD_USERS = 8


def _singleuser_servers(state: Path) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if b"jupyterhub-singleuser" in command and str(state).encode() in environ:   # not the kernels
            found.append(int(pid))
    return found


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    pytest.importorskip("playwright.sync_api")
    state = tmp_path_factory.mktemp("hub")
    port = free_port()
    env = os.environ | {"CNNLAB_HUB_DIR": str(state), "CNNLAB_HUB_PORT": str(port),
                        "CNNLAB_HUB_API_PORT": str(free_port()), "CNNLAB_HUB_PROXY_PORT": str(free_port()),
                        "CNNLAB_HUB_PASSWORD": PASSWORD, "CNNLAB_HUB_SERVICE_TOKEN": SERVICE_TOKEN}
    log = open(state / "hub.log", "w")
    process = subprocess.Popen(["make", "--no-print-directory", "-C", str(ROOT), "hub"], env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(f"{url}/hub/api", timeout=1)
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"the hub exited: {(state / 'hub.log').read_text()[-3000:]}")
            time.sleep(0.5)
    else:
        os.killpg(process.pid, signal.SIGTERM)
        pytest.fail(f"the hub did not answer within 120 s: {(state / 'hub.log').read_text()[-3000:]}")
    yield url, state, process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def _view_every_cell(home: Path) -> None:
    """As the browser test does: JupyterLab 4 detaches cells scrolled out of view (the widget of
    notebook 03 sits above the cells Run All scrolls to), and no news pop-up. The student's own
    settings, in the home the spawner gives them."""
    settings = home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab"
    (settings / "notebook-extension").mkdir(parents=True, exist_ok=True)
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    (settings / "apputils-extension").mkdir(parents=True, exist_ok=True)
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}')


def _log_in(browser, url: str, name: str):
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(180_000)
    page.goto(f"{url}/hub/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(re.compile(rf"/user/{name}/lab"), timeout=180_000)   # spawned and redirected
    return page


def _run_notebook_03_and_move_the_stride(page, url: str, name: str) -> str:
    page.goto(f"{url}/user/{name}/lab/tree/notebooks/03_convolution_arithmetic.ipynb?reset")
    run_all_cells(page, f"{name}: notebook 03")
    formula = page.locator(".widget-html-content", has_text="output =")
    wait_for_text(page.locator(".widget-html-content"), "output =", timeout=240)
    slider = page.locator(".widget-slider", has_text="stride s").locator(".noUi-handle")
    slider.scroll_into_view_if_needed()
    slider.focus()
    page.keyboard.press("ArrowRight")   # stride 1 -> 2
    deadline = time.monotonic() + 60
    while "/ 2⌋" not in formula.first.inner_text() and time.monotonic() < deadline:
        time.sleep(0.25)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}_03_stride_2.png"))
    return formula.first.inner_text()


def test_a_class_at_once(hub):
    """LOAD_USERS students spawn at the same moment and each runs notebook 03 in full."""
    import asyncio
    import json
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import hub_load

    url, state, _ = hub
    try:
        results = asyncio.run(hub_load.measure(url, SERVICE_TOKEN, LOAD_USERS,
                                               ROOT / "notebooks" / "03_convolution_arithmetic.ipynb"))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "load.json").write_text(json.dumps(results, indent=1))
        assert [r["errors"] for r in results] == [[]] * LOAD_USERS, results
        assert all(r["memory_mb"] and r["memory_mb"] > 50 for r in results), results
        assert max(r["first_kernel_s"] for r in results) < 180, results
    finally:   # stop them, whatever happened: the next test counts servers
        for i in range(LOAD_USERS):
            request = urllib.request.Request(f"{url}/hub/api/users/student{i + 1}/server", method="DELETE",
                                             headers={"Authorization": f"token {SERVICE_TOKEN}"})
            try:
                urllib.request.urlopen(request)
            except urllib.error.HTTPError:   # never spawned, or already stopped
                pass
        deadline = time.monotonic() + 60
        while _singleuser_servers(state) and time.monotonic() < deadline:
            time.sleep(0.5)


def test_two_students_work_side_by_side_and_apart(hub):
    from playwright.sync_api import sync_playwright

    url, state, process = hub
    for name in ("ada", "ben"):
        _view_every_cell(state / "homes" / name)
    (state / "homes" / "ada" / "ada-only.txt").write_text("my answers")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        ada, ben = _log_in(browser, url, "ada"), _log_in(browser, url, "ben")
        for page, name in ((ada, "ada"), (ben, "ben")):
            assert "= 3" in _run_notebook_03_and_move_the_stride(page, url, name)
        listing = ben.request.get(f"{url}/user/ben/api/contents").json()
        names = {item["name"] for item in listing["content"]}
        assert "notebooks" in names and "ada-only.txt" not in names
        assert ben.request.get(f"{url}/user/ben/api/contents/../ada/ada-only.txt").status >= 400
        assert ben.request.get(f"{url}/user/ada/api/contents").status in (403, 404) or \
            "ada-only.txt" not in ben.request.get(f"{url}/user/ada/api/contents").text()
        browser.close()
    assert len(_singleuser_servers(state)) == 2, "each student should have one server"
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=60)
    deadline = time.monotonic() + 30
    while _singleuser_servers(state) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _singleuser_servers(state), "the students' servers outlived the hub"
