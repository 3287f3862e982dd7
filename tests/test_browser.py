"""Real-browser test: JupyterLab, started by `make lab` as a student starts it, in headless
Chromium. Notebooks 01, 02 and 04 show their matplotlib figures; in 02, 03 and 05 the explorers
react to clicks and slider moves. Screenshots go to artifacts/browser/.

Needs Debian's Chromium (apt-get install chromium) and Playwright for Python (no browser
download: Playwright drives /usr/bin/chromium). Skips, saying why, where either is missing.
"""

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CNNLAB_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts" / "browser"
TOKEN = "cnnlab-browser-test"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


# Every notebook that draws matplotlib figures (03 and 05 draw only inside widgets) must show
# them to the student. The training notebooks run with CI's small parameters.
PLOTTING = ("01_pixels_and_channels", "02_convolution_xo", "04_relu_and_activations",
            "06_how_a_network_learns", "07_first_cnn_mnist", "08_cifar10_classifier",
            "09_inside_the_network", "10_your_own_dataset", "11_how_to_train_fast")
COPIED = (*PLOTTING, "03_convolution_arithmetic", "05_pooling")
PARAMETERS = json.loads((ROOT / "tests" / "notebook_parameters.json").read_text())
# Here only the figures' way to the page is tested (nbval runs every section): shorter training.
for name, shorter in {"08_cifar10_classifier": dict(TIME_BUDGET=8, EXPERIMENT_SECONDS=0, OVERFIT_EPOCHS=0),
                      "10_your_own_dataset": dict(TIME_BUDGET=3, DEMO_PER_CLASS=30),
                      "11_how_to_train_fast": dict(ROW_SECONDS=1, TEST_SUBSET=200)}.items():
    PARAMETERS[name] = PARAMETERS[name] | shorter


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium` "
                    "(as root) or set CNNLAB_CHROMIUM to its path")
    pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed "
                                                      "(pip install -e '.[dev]')")
    home = tmp_path_factory.mktemp("lab")
    work = home / "notebooks"
    work.mkdir()
    import papermill

    for name in ("00_start_here", *COPIED):
        papermill.execute_notebook(str(ROOT / "notebooks" / f"{name}.ipynb"), str(work / f"{name}.ipynb"),
                                   parameters=PARAMETERS.get(name, {}), prepare_only=True,
                                   progress_bar=False, log_output=False)
    # The server starts exactly as a student's does: `make lab`, with the environment make gives
    # it. Only where JupyterLab keeps its own settings moves (so the test's settings stay
    # private); nothing here chooses a matplotlib backend.
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"} | {
        "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    # Render every cell (JupyterLab 4 otherwise detaches cells scrolled out of view), no news.
    settings = home / "settings"
    (settings / "@jupyterlab" / "notebook-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        '{"windowingMode": "none"}')
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}')
    port = free_port()
    log = open(home / "lab.log", "w")
    server = subprocess.Popen(
        ["make", "--no-print-directory", "-C", str(ROOT), "lab", "HEADLESS=1", f"PORT={port}",
         f"TOKEN={TOKEN}", f"NOTEBOOK_DIR={work}"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=1)
            break
        except OSError:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited: {(home / 'lab.log').read_text()[-2000:]}")
            time.sleep(0.5)
    else:
        server.terminate()
        os.killpg(server.pid, signal.SIGTERM)
        pytest.fail("JupyterLab did not start within 60 s")
    yield url
    os.killpg(server.pid, signal.SIGTERM)  # make and the JupyterLab it started
    server.wait(timeout=20)


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_and_run_all(browser, lab, notebook: str):
    """Open the notebook, wait for its kernel, and run all cells (retrying if the click came early)."""
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.set_default_timeout(120_000)
    page.goto(f"{lab}/lab/tree/{notebook}?reset&token={TOKEN}")  # reset: no tabs from earlier tests
    run_all_cells(page, notebook)
    return page


def run_all_cells(page, notebook: str) -> None:
    """On an opened notebook: wait for its kernel, then Run All Cells until a cell is seen running.

    The menu item does nothing while the notebook is not yet the current widget or its kernel is
    still starting, so the click is retried (on a loaded machine, e.g. a hub with a class on it)."""
    page.wait_for_selector(".jp-Notebook .jp-Cell", state="attached")
    time.sleep(1.0)  # let JupyterLab open any start-up dialog before we look for one
    dismiss_dialogs(page)
    visible = ".jp-NotebookPanel:not(.lm-mod-hidden)"
    page.wait_for_selector(f"{visible} .jp-Notebook-ExecutionIndicator[data-status='idle']", state="attached")
    prompts = page.locator(f"{visible} .jp-InputPrompt")
    for _ in range(6):
        dismiss_dialogs(page)
        page.locator(f"{visible} .jp-Cell .jp-InputPrompt").first.click()   # the notebook becomes current
        page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-item", has_text="Run All Cells").first.click()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            # "[*]" (running) or a count above 1: the stored outputs kept for nbval show "[1]"
            if any(re.search(r"\[(\*|[2-9]|\d\d+)\]", t) for t in prompts.all_inner_texts()):
                return
            time.sleep(0.5)
        page.keyboard.press("Escape")   # close the menu if the click did not
    raise AssertionError(f"{notebook}: Run All Cells did not start the cells\n{shot(page, 'failure')}")


def dismiss_dialogs(page) -> None:
    """Accept any dialog JupyterLab shows on opening (e.g. kernel choice); keep a screenshot of it."""
    dialog = page.locator(".jp-Dialog")
    if dialog.count():
        shot(page, "dialog")
        (ARTIFACTS / "dialog.txt").write_text(dialog.first.inner_text())
        page.locator(".jp-Dialog .jp-mod-accept").first.click()


def wait_for_text(locator, pattern: str, timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for i in range(locator.count()):
            text = locator.nth(i).inner_text()
            if re.search(pattern, text):
                return text
        time.sleep(0.25)
    raise AssertionError(f"no element matched {pattern!r}; see {ARTIFACTS / 'failure.png'}\n"
                         f"{shot(locator.page, 'failure')}")


def shot(page, name: str) -> str:
    """Screenshot under artifacts/; for a failure also the outputs, returned for the error message."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)
    if name != "failure":
        return ""
    texts = page.locator(".jp-OutputArea-output, .jp-InputPrompt, .jp-Dialog").all_inner_texts()
    report = "\n---\n".join(texts)
    (ARTIFACTS / "failure-outputs.txt").write_text(report)   # errors included, for the one who reads it
    status = page.locator(".jp-Notebook-ExecutionIndicator").first
    return f"kernel: {status.get_attribute('data-status') if status.count() else '?'}; page: {page.url}\n" \
        f"last outputs:\n{report[-2000:]}"


def image_sources(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.src)")


def test_xo_board_reacts_to_clicks(browser, lab):
    page = open_and_run_all(browser, lab, "02_convolution_xo.ipynb")
    answer = page.locator(".widget-html-content", has_text="it looks like")
    first = wait_for_text(answer, r"it looks like X")
    cell = page.locator("button.widget-toggle-button[title='4,4']")
    cell.scroll_into_view_if_needed()
    maps_before = image_sources(page, ".jupyter-widgets img")
    cell.click()  # erase the X's centre
    shot(page, "02_after_click")
    deadline = time.monotonic() + 30
    while answer.first.inner_text() == first and time.monotonic() < deadline:
        time.sleep(0.25)
    assert answer.first.inner_text() != first, "the vote did not update after a click"
    assert image_sources(page, ".jupyter-widgets img") != maps_before, "feature maps not redrawn"
    page.close()


def test_arithmetic_explorer_follows_the_sliders(browser, lab):
    page = open_and_run_all(browser, lab, "03_convolution_arithmetic.ipynb")
    formula = page.locator(".widget-html-content", has_text="output =")
    wait_for_text(formula, r"= 5$|= 5\b")
    shot(page, "03_initial")
    # Each explorer also carries a picture of itself for frontends without widgets; a widget
    # frontend shows the live widget instead, never both (03 draws nothing outside its explorers).
    assert page.locator(".jp-OutputArea-output.jp-RenderedImage img").count() == 0, "the fallback picture shows"
    slider = page.locator(".widget-slider", has_text="stride s").locator(".noUi-handle")
    slider.scroll_into_view_if_needed()
    images_before = image_sources(page, ".jupyter-widgets img")
    slider.focus()
    page.keyboard.press("ArrowRight")  # stride 1 -> 2
    text = wait_for_text(formula, r"/ 2⌋ \+ 1 = 3")
    assert "3×3 output" in text
    assert image_sources(page, ".jupyter-widgets img") != images_before, "picture not redrawn"
    shot(page, "03_stride_2")
    same = page.locator(".widget-checkbox", has_text="'same' padding").locator("input")
    same.check()  # 'same' with stride 2 is impossible: explained inside the widget
    wait_for_text(page.locator(".widget-html-content"), r"⚠ 'same' padding keeps the output")
    shot(page, "03_same_with_stride_2")
    page.close()


def test_pooling_explorer_follows_the_window(browser, lab):
    page = open_and_run_all(browser, lab, "05_pooling.ipynb")
    caption = page.locator(".widget-html-content", has_text="numbers become")
    wait_for_text(caption, r"7×7 → 3×3")
    slider = page.locator(".widget-slider", has_text="window").locator(".noUi-handle")
    slider.scroll_into_view_if_needed()
    slider.focus()
    page.keyboard.press("ArrowRight")  # window 2 -> 3
    wait_for_text(caption, r"7×7 → 3×3: 49 numbers become 9")
    page.locator(".widget-slider", has_text="stride").locator(".noUi-handle").focus()
    page.keyboard.press("ArrowLeft")   # stride 2 -> 1
    wait_for_text(caption, r"7×7 → 5×5")
    shot(page, "05_window_3_stride_1")
    page.close()


def wait_until_idle(page, timeout: float = 300.0) -> None:
    """Wait until no cell shows [*] (queued or running)."""
    prompts = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-InputPrompt")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = prompts.all_inner_texts()
        if texts and not any("[*]" in t for t in texts):
            return
        time.sleep(0.5)
    shot(page, "failure")
    raise AssertionError("the notebook did not finish running")


@pytest.mark.parametrize("notebook", PLOTTING)
def test_figures_reach_the_student(browser, lab, notebook):
    """A matplotlib figure appears as a picture in the notebook's output area (not only widgets)."""
    page = open_and_run_all(browser, lab, f"{notebook}.ipynb")
    wait_until_idle(page)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    # JupyterLab renders an image/png output as <div class="jp-RenderedImage ..."><img></div>;
    # widget pictures live inside .jupyter-widgets instead and do not count.
    figures = page.locator(".jp-OutputArea-output.jp-RenderedImage img")
    count = figures.count()
    if count:
        figures.first.scroll_into_view_if_needed()
    shot(page, f"{notebook}_figures")
    assert count > 0, (f"{notebook}: no matplotlib figure in any output area "
                       f"({errors.count()} error outputs); is a non-interactive backend set?")
    page.close()


def test_exercise_feedback_reaches_the_student(browser, lab):
    """Unanswered exercises say what to do; a wrong answer typed in gets the failing case and a hint."""
    page = open_and_run_all(browser, lab, "03_convolution_arithmetic.ipynb")
    wait_until_idle(page)
    outputs = page.locator(".jp-OutputArea-output")
    wait_for_text(outputs, r"· 03\.2 .*not answered yet")
    cell = page.locator(".jp-CodeCell", has_text="def conv_output_size").first
    cell.scroll_into_view_if_needed()
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    # a classic mistake: the kernel's span without its dilation (one line: no auto-indent to fight)
    page.keyboard.insert_text("def conv_output_size(n, kernel, stride=1, padding=0, dilation=1): "
                              "return (n + 2 * padding - kernel) // stride + 1")
    page.keyboard.press("Shift+Enter")   # run the answer; the check cell below is selected
    page.keyboard.press("Shift+Enter")   # run the check
    text = wait_for_text(outputs, r"✗ 03\.2")
    page.locator(".jp-OutputArea-output", has_text="✗ 03.2").first.scroll_into_view_if_needed()
    shot(page, "03_exercise_feedback")
    assert "dilation=2" in text and "Hint:" in text and "Traceback" not in text
    page.close()
