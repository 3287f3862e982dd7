"""Pick a layer of a network and one of its units: the input pixels it sees light up."""

import ipywidgets as widgets
import torch

from cnnlab.concepts.conv import ELEMENTWISE, field_box, receptive_field, spatial_layers
from cnnlab.draw.field import draw_field
from cnnlab.draw.render import pil_png
from cnnlab.widgets.base import Explorer, image_widget


def feature_layers(model) -> list:
    """The model's leaf layers up to the first one receptive_field cannot follow (flatten, linear...)."""
    kept = []
    for layer in spatial_layers(model):
        if not isinstance(layer, (*ELEMENTWISE, torch.nn.Conv2d, torch.nn.MaxPool2d, torch.nn.AvgPool2d)):
            break
        kept.append(layer)
    return kept


class ReceptiveFieldExplorer(Explorer):
    """Controls: layer (a convolution or pooling layer), row, col (a unit of that layer's maps)."""

    describe = "Receptive field: pick a layer and one of its units to see the patch of the image it sees"

    def __init__(self, model, image: torch.Tensor):
        """image: uint8 (C, H, W), shown under the field."""
        self.image = image.permute(1, 2, 0).numpy() if image.shape[0] == 3 else image[0].numpy()
        self.layers = feature_layers(model)
        self.height, self.width = image.shape[1:]
        self.channels = image.shape[0]
        choices = [(f"{i}: {type(layer).__name__} {layer.kernel_size}", i)
                   for i, layer in enumerate(self.layers) if not isinstance(layer, ELEMENTWISE)]
        self.controls = {
            "layer": widgets.Dropdown(options=choices, description="layer"),
            "row": widgets.IntSlider(value=0, min=0, max=0, description="unit row"),
            "col": widgets.IntSlider(value=0, min=0, max=0, description="unit col"),
        }
        self.picture, self.caption = image_widget(256), widgets.HTML()
        self.wire(widgets.HBox([self.controls["layer"], widgets.VBox([self.controls["row"],
                                                                       self.controls["col"]])]),
                  widgets.HBox([self.picture, self.caption]))

    def map_size(self, stack) -> tuple[int, int]:
        with torch.no_grad():
            out = torch.nn.Sequential(*stack).eval()(torch.zeros(1, self.channels, self.height, self.width))
        return tuple(out.shape[2:])

    def update(self) -> dict:
        stack = self.layers[:self.controls["layer"].value + 1]
        rows, cols = self.map_size(stack)
        for name, count in (("row", rows), ("col", cols)):
            slider = self.controls[name]
            slider.max = count - 1            # the value is clipped to the new range first
            if slider.value != min(slider.value, count - 1):
                slider.value = count - 1
        row, col = self.controls["row"].value, self.controls["col"].value
        field = receptive_field(stack)
        box = field_box(field, row, col, self.height, self.width)
        scale = max(1, 256 // max(self.height, self.width))
        self.picture.value = pil_png(draw_field(self.image, box, scale))
        self.caption.value = (f"<p>maps of this layer: {rows}×{cols} units</p>"
                              f"<p>each unit sees <b>{field['size'][0]}×{field['size'][1]}</b> input "
                              f"pixels; neighbouring units are <b>{field['jump'][0]}</b> pixels apart</p>"
                              f"<p>unit ({row}, {col}) sees rows {box[0]}–{box[2]}, columns "
                              f"{box[1]}–{box[3]}</p>")
        return {"error": None, "field": field, "box": box, "map_size": (rows, cols)}
