"""Notebook 09's feature-map explorer: choose an image, a layer and a page of channels."""

import ipywidgets as widgets
import torch

from cnnlab.concepts.explain import feature_maps, layer_names, strongest_first
from cnnlab.draw.render import pil_png, tile_maps
from cnnlab.widgets.base import Explorer, image_widget

PER_PAGE = 16


class FeatureMapExplorer(Explorer):
    """The chosen layer's maps for the chosen test image, strongest activations first."""

    describe = "Feature maps: pick a test image, a layer and a page of channels to see what each channel of the trained network responds to"

    def __init__(self, model, data, layers: list[str] | None = None, device="cpu"):
        self.model, self.data, self.device = model, data, torch.device(device)
        layers = layers or layer_names(model)
        self.controls = {
            "index": widgets.IntSlider(value=0, min=0, max=len(data) - 1, description="image",
                                       continuous_update=False),
            "layer": widgets.Dropdown(options=layers, value=layers[0], description="layer"),
            "page": widgets.IntSlider(value=0, min=0, max=0, description="page"),
        }
        self.picture = image_widget(900)
        self.caption = widgets.HTML()
        self.wire(widgets.HBox(list(self.controls.values())), self.caption, self.picture)

    def update(self) -> dict:
        index, layer = self.controls["index"].value, self.controls["layer"].value
        image = self.data.normalized(index, self.device)              # (C, H, W), as the network sees it
        maps = feature_maps(self.model, image, layer)                    # (C, H, W)
        order = strongest_first(maps)
        pages = max(1, -(-len(order) // PER_PAGE))
        self.controls["page"].max = pages - 1
        page = min(self.controls["page"].value, pages - 1)
        shown = order[page * PER_PAGE:(page + 1) * PER_PAGE]
        label = self.data.classes[int(self.data.labels[index])]
        self.caption.value = (f"test image {index} ({label}), layer {layer}: {len(order)} maps of "
                              f"{maps.shape[2]}×{maps.shape[1]}; page {page + 1} of {pages}, strongest first")
        self.picture.value = pil_png(tile_maps(maps.cpu().numpy(), shown, ncols=8))
        return {"error": None, "maps": maps, "order": order, "shown": shown, "page": page}
