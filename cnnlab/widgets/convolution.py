"""Notebook 03's explorers: convolution arithmetic, and a kernel applied to a real image."""

import ipywidgets as widgets
import numpy as np
import torch

from cnnlab.concepts.conv import conv2d_naive, convolution_plan, window_at
from cnnlab.concepts.kernels import KERNELS, apply_kernel, parse_kernel
from cnnlab.concepts.sample import grayscale, sample_image
from cnnlab.draw.convolution import draw_convolution
from cnnlab.draw.render import colorize, pil_png, png, to_uint8
from cnnlab.widgets.base import Explorer, image_widget


def slider(description, value, low, high):
    return widgets.IntSlider(value=value, min=low, max=high, description=description,
                             continuous_update=False)


class ConvolutionArithmetic(Explorer):
    """Sliders for input size, kernel, stride, padding, dilation, 'same'; a step control slides the window."""

    describe = "Convolution arithmetic: sliders for input size, kernel, stride, padding and dilation (and a step through the positions) redraw the sliding window and the output size"

    def __init__(self, size=7, kernel=3, stride=1, padding=0, dilation=1, seed=0):
        self.controls = {
            "size": slider("input n", size, 3, 16), "kernel": slider("kernel k", kernel, 1, 7),
            "stride": slider("stride s", stride, 1, 4), "padding": slider("padding p", padding, 0, 4),
            "dilation": slider("dilation d", dilation, 1, 3),
            "same": widgets.Checkbox(value=False, description="'same' padding"),
            "step": widgets.IntSlider(value=0, min=0, max=0, description="step"),
        }
        self.play = widgets.Play(interval=400, min=0, max=0)
        widgets.jslink((self.play, "value"), (self.controls["step"], "value"))
        self.rng = np.random.default_rng(seed)
        self.formula = widgets.HTML()
        self.image = image_widget(600)
        self.wire(widgets.HBox([widgets.VBox([self.controls[n] for n in ("size", "kernel", "stride")]),
                                widgets.VBox([self.controls[n] for n in ("padding", "dilation", "same")])]),
                  widgets.HBox([self.play, self.controls["step"]]), self.formula, self.image)

    def update(self) -> dict:
        values = {n: c.value for n, c in self.controls.items() if n != "step"}
        plan = convolution_plan(**values)
        self.controls["padding"].disabled = values["same"]
        if plan["error"]:
            self.formula.value = "<b>no valid output</b>"
            return plan
        last = plan["steps"] - 1
        for control in (self.controls["step"], self.play):
            control.max = last
        step = min(self.controls["step"].value, last)
        n = plan["size"]
        inputs = np.random.default_rng(n).integers(0, 10, (n, n))  # the same numbers for the same n
        ones = torch.ones(1, 1, plan["kernel"], plan["kernel"], dtype=torch.float64)
        outputs = conv2d_naive(torch.tensor(inputs, dtype=torch.float64)[None, None], ones, None,
                               plan["stride"], plan["padding"], plan["dilation"])[0, 0].numpy()
        row, col, top, left = window_at(plan, step)
        self.formula.value = (f"<code>{plan['formula']}</code><br>{plan['output']}×{plan['output']} "
                              f"output, {plan['steps']} window positions; {plan['note']}.<br>"
                              f"Step {step}: the window's top-left is at ({top}, {left}) of the padded "
                              f"input; it sums {plan['kernel']}×{plan['kernel']} numbers (a kernel of "
                              f"ones) into output cell ({row}, {col}) = {int(outputs[row, col])}.")
        self.image.value = pil_png(draw_convolution(plan, step, inputs, outputs))
        return plan | {"step": step, "window": (top, left), "cell": (row, col), "outputs": outputs}


class KernelOnImage(Explorer):
    """A chosen kernel (or a custom 3x3) over a real image, with stride, padding and dilation."""

    describe = "Kernels on an image: pick a kernel (or type your own 3×3), stride, padding and dilation, and see the feature map it makes"

    def __init__(self, image: np.ndarray | None = None):
        image = sample_image() if image is None else image
        self.gray = grayscale(image) if image.ndim == 3 else np.asarray(image, np.float32)
        self.controls = {
            "kernel": widgets.Dropdown(options=[*KERNELS, "custom"], value="edge (all directions)",
                                       description="kernel"),
            "custom": widgets.Text(value="0 -1 0; -1 5 -1; 0 -1 0", description="custom 3×3",
                                   continuous_update=False),
            "stride": slider("stride", 1, 1, 4), "padding": slider("padding", 1, 0, 4),
            "dilation": slider("dilation", 1, 1, 4),
        }
        self.input_image = image_widget(240)
        self.input_image.value = png(to_uint8(self.gray, vmin=0, vmax=1))
        self.output_image = image_widget(240)
        self.caption = widgets.HTML()
        self.wire(widgets.HBox([widgets.VBox(list(self.controls.values())[:2]),
                                widgets.VBox(list(self.controls.values())[2:])]),
                  widgets.HBox([self.input_image, self.output_image]), self.caption)

    def update(self) -> dict:
        name = self.controls["kernel"].value
        self.controls["custom"].disabled = name != "custom"
        try:
            kernel = parse_kernel(self.controls["custom"].value) if name == "custom" \
                else np.array(KERNELS[name], np.float32)
            fmap = apply_kernel(self.gray, kernel, self.controls["stride"].value,
                                self.controls["padding"].value, self.controls["dilation"].value)
        except (ValueError, RuntimeError) as error:
            message = str(error).split("\n")[0]
            if "Kernel size can't be greater" in message or "size" in message.lower():
                message = ("the dilated kernel is larger than the padded image: lower the dilation "
                           "or add padding")
            return {"error": message}
        self.output_image.value = png(colorize(fmap))
        self.caption.value = (f"input {self.gray.shape[1]}×{self.gray.shape[0]} → feature map "
                              f"{fmap.shape[1]}×{fmap.shape[0]}; red = strong positive response, "
                              "blue = negative, white = none")
        return {"error": None, "kernel": kernel, "feature_map": fmap}
