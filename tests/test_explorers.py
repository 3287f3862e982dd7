"""Every explorer driven through its controls, as a student's clicks would."""

import numpy as np
import torch

from cnnlab.concepts import xo
from cnnlab.widgets.convolution import ConvolutionArithmetic, KernelOnImage
from cnnlab.widgets.layers import ActivationExplorer, PoolingExplorer
from cnnlab.widgets.xo import XODrawing


def test_convolution_arithmetic():
    e = ConvolutionArithmetic(size=7, kernel=3)
    assert e.result["output"] == 5 and "= 5" in e.formula.value
    first_image = e.image.value
    e.stride.value = 2
    assert e.result["output"] == 3 and e.step.max == 8
    e.step.value = 4
    assert e.result["cell"] == (1, 1) and e.result["window"] == (2, 2)
    assert e.image.value != first_image
    e.padding.value = 1
    assert e.result["output"] == 4 and "⌊(7 + 2·1" in e.formula.value
    e.same.value = True  # with stride 2: explained, not raised
    assert "stride 1" in e.result["error"] and "stride 1" in e.message.value
    e.stride.value = 1
    assert e.result["error"] is None and e.result["output"] == 7 and e.result["padding"] == 1
    assert e.message.value == ""
    e.same.value = False
    e.padding.value, e.kernel.value, e.dilation.value = 0, 7, 3
    assert "no window fits" in e.result["error"]
    e.dilation.value = 1
    assert e.result["output"] == 1
    # the numbers in the output are the window sums of the input (kernel of ones)
    e.size.value, e.kernel.value = 4, 2
    assert e.result["outputs"].shape == (3, 3)


def test_kernel_on_image():
    e = KernelOnImage()
    assert e.result["feature_map"].shape == (224, 224)
    before = e.output_image.value
    e.kernel.value = "blur"
    assert e.output_image.value != before
    e.stride.value = 2
    assert e.result["feature_map"].shape == (112, 112)
    e.kernel.value = "custom"
    e.custom.value = "1 2 3"
    assert "3 rows of 3" in e.result["error"]
    e.custom.value = "0 0 0; 0 1 0; 0 0 0"
    assert e.result["error"] is None
    e.stride.value, e.padding.value, e.dilation.value = 1, 0, 4
    assert e.result["feature_map"].shape == (216, 216)


def test_xo_drawing_updates_on_every_click():
    board = XODrawing()
    assert board.result["answer"] == "X"
    board.grid.set(xo.O > 0)
    assert board.result["answer"] == "O"
    before = board.result["maps"].copy()
    board.grid.click(4, 4)  # add a centre pixel to the O
    assert not np.array_equal(before, board.result["maps"])
    assert board.result["pooled"].shape == (3, 3, 3)


def test_activation_explorer():
    e = ActivationExplorer()
    assert e.result["negatives_before"] > 0 and e.result["negatives_after"] == 0
    e.function.value = "tanh"
    assert e.result["negatives_after"] == e.result["negatives_before"]
    e.function.value = "sigmoid"
    assert e.result["output"].min() > 0


def test_pooling_explorer():
    e = PoolingExplorer()
    assert e.result["shape"] == (3, 3)
    e.window.value, e.stride.value = 3, 1
    assert e.result["shape"] == (5, 5)
    e.window.value = 8
    assert "at most 7" in e.result["error"]
    e.window.value = 2
    e.source.value = "image: vertical edges"
    e.mode.value = "avg"
    assert e.result["shape"] == (223, 223)


def test_feature_map_explorer():
    import torch

    from cnnlab.concepts.explain import hook_count
    from cnnlab.data import ImageDataset
    from cnnlab.training.models import tf_tutorial_net
    from cnnlab.widgets.inside import FeatureMapExplorer

    torch.manual_seed(0)
    model = tf_tutorial_net()
    data = ImageDataset(torch.randint(0, 255, (5, 3, 32, 32), dtype=torch.uint8), torch.arange(5) % 2,
                        ["a", "b"])
    e = FeatureMapExplorer(model, data, ["0", "3", "6"])
    assert e.result["maps"].shape == (32, 30, 30) and e.page.max == 1
    means = e.result["maps"].flatten(1).mean(1)
    assert means[e.result["shown"][0]] == means.max()  # strongest first
    first = e.picture.value
    e.page.value = 1
    assert e.result["page"] == 1 and e.picture.value != first
    e.layer.value = "6"
    assert e.result["maps"].shape == (64, 4, 4) and e.page.max == 3
    e.index.value = 4
    assert "test image 4 (a)" in e.caption.value
    assert hook_count(model) == 0


def test_an_error_inside_an_explorer_is_shown_in_the_widget():
    """A callback's exception would go to Lab's log and freeze the widget: it is shown instead."""
    e = PoolingExplorer()
    good = e.result

    def broken():
        raise ValueError("window larger than the picture")

    e.update = broken
    e.window.value = 3                      # the change runs refresh(); nothing is raised here
    assert "window larger than the picture" in e.message.value and "ValueError" in e.message.value
    e.update = type(e).update.__get__(e)    # the next change works again and clears the message
    e.window.value = 2
    assert e.message.value == "" and e.result["shape"] == good["shape"]


def test_receptive_field_explorer_grows_with_depth():
    from cnnlab.training.models import pytorch_tutorial_net
    from cnnlab.widgets.receptive import ReceptiveFieldExplorer

    image = torch.randint(0, 255, (3, 32, 32), dtype=torch.uint8)
    e = ReceptiveFieldExplorer(pytorch_tutorial_net(), image)
    sizes = []
    for _, index in e.layer.options:
        e.layer.value = index
        sizes.append(e.result["field"]["size"][0])
    assert sizes == sorted(sizes) and sizes[0] == 3 and sizes[-1] > 10
    assert e.result["map_size"] == (8, 8) and e.row.max == 7
    e.row.value, e.col.value = 7, 0
    top, left, bottom, right = e.result["box"]
    assert bottom == 31 and left == 0


def test_learning_rate_explorer_reads_the_loss_curve():
    from cnnlab.widgets.descent import LearningRateExplorer

    x = np.array([0.5, 1.0, 1.5, 2.0])

    def loss(w):
        return float(((w * x - 2 * x) ** 2).mean())

    def descend(rate, steps, w=-0.5):
        path = [w]
        for _ in range(steps):
            w = w - rate * float((2 * (w * x - 2 * x) * x).mean())
            path.append(w)
        return path

    e = LearningRateExplorer(descend, loss, rate=0.01)
    assert e.result["verdict"] == "too small" and e.picture.value
    e.rate.value = 0.2                                   # below 1 / mean(2 x^2) = 0.27: straight down
    assert e.result["verdict"] == "converges" and abs(e.result["weights"][-1] - 2) < 1e-3
    e.rate.value = 0.4                                   # between 0.27 and 0.53: past the bottom and back
    assert e.result["verdict"] == "overshoots, converges" and abs(e.result["weights"][-1] - 2) < 1e-2
    e.steps.value = 3
    assert e.result["verdict"] == "zig-zags"
    e.steps.value = 20
    e.rate.value = 0.6                                   # above 2 / mean(2 x^2) = 0.53
    assert e.result["verdict"] == "diverges" and "diverges" in e.caption.value


def _bundle_ok(bundle: dict) -> None:
    import base64
    import io

    from PIL import Image

    assert "application/vnd.jupyter.widget-view+json" in bundle          # live where widgets run
    picture = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
    assert picture.width > 50 and picture.height > 50                   # its first state, drawn
    assert "live in JupyterLab" in bundle["text/plain"] and not bundle["text/plain"].startswith(("VBox", "HBox"))


def test_every_explorer_leaves_a_picture_and_a_line_of_text_beside_its_widget():
    from cnnlab.widgets.descent import LearningRateExplorer
    from cnnlab.widgets.pixelgrid import PixelGrid
    from cnnlab.widgets.sketch import DigitCanvas

    explorers = [ConvolutionArithmetic(), KernelOnImage(), ActivationExplorer(), PoolingExplorer(), XODrawing(),
                 PixelGrid(9, 9), DigitCanvas(), DigitCanvas(use_canvas=False),
                 LearningRateExplorer(lambda rate, steps, w=-0.5: [w * (1 - 2 * rate) ** i for i in range(steps + 1)],
                                      lambda w: float(w) ** 2)]
    for explorer in explorers:
        _bundle_ok(explorer._repr_mimebundle_())


def test_a_saved_notebook_keeps_the_explorers_pictures(tmp_path):
    """Executed and saved (as papermill, nbconvert or GitHub's preview see it), notebook 03 holds a
    picture beside each widget view, so a frontend without widgets still shows something."""
    import json
    from pathlib import Path

    import papermill

    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "03.ipynb"
    papermill.execute_notebook(str(root / "notebooks" / "03_convolution_arithmetic.ipynb"), str(out),
                               cwd=str(tmp_path), kernel_name="python3", progress_bar=False)
    views = [o["data"] for c in json.loads(out.read_text())["cells"] for o in c.get("outputs", [])
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) >= 2, "notebook 03 shows two explorers"
    for data in views:
        _bundle_ok({**data, "text/plain": "".join(data["text/plain"])})
    # nbconvert's HTML of the notebook as JupyterLab saves it (without widget state): pictures
    import nbformat
    from nbconvert import HTMLExporter

    saved = nbformat.read(out, as_version=4)
    saved.metadata.pop("widgets", None)
    html, _ = HTMLExporter().from_notebook_node(saved)
    assert html.count("data:image/png") >= len(views)
