"""The workbook's networks: the three tutorials' and a fast modern one."""

import torch
from torch import nn


def keras_mnist_net(channels: int = 1, classes: int = 10) -> nn.Sequential:
    """The Keras MNIST tutorial, exactly: conv32 5x5 -> pool -> conv64 5x5 -> pool -> dense 1024 -> dropout 0.5.

    Keras's Conv2D pads nothing by default ('valid'), so 28 -> 24 -> 12 -> 8 -> 4 and flatten
    gives 4 * 4 * 64 = 1,024 numbers; model.summary() lists 1,111,946 parameters.
    """
    return nn.Sequential(
        nn.Conv2d(channels, 32, 5), nn.ReLU(), nn.MaxPool2d(2),   # (B, 32, 12, 12)
        nn.Conv2d(32, 64, 5), nn.ReLU(), nn.MaxPool2d(2),         # (B, 64, 4, 4)
        nn.Flatten(),                                             # (B, 1024)
        nn.Linear(64 * 4 * 4, 1024), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(1024, classes),  # logits; softmax lives in the loss
    )


def pytorch_tutorial_net(classes: int = 10, batchnorm: bool = False) -> nn.Sequential:
    """The PyTorch CIFAR-10 tutorial: four 3x3 convs 16-32-64-128, a pool after every two.

    `batchnorm=True` puts a BatchNorm2d after each conv, before its ReLU (notebook 11's second row).
    """
    def conv(c_in, c_out):
        layers = [nn.Conv2d(c_in, c_out, 3, padding=1)]
        return layers + [nn.BatchNorm2d(c_out), nn.ReLU()] if batchnorm else layers + [nn.ReLU()]

    model = nn.Sequential(
        *conv(3, 16), *conv(16, 32), nn.MaxPool2d(2),      # (B, 32, 16, 16)
        *conv(32, 64), *conv(64, 128), nn.MaxPool2d(2),    # (B, 128, 8, 8)
        nn.Flatten(), nn.Dropout(0.25),
        nn.Linear(128 * 8 * 8, 512), nn.ReLU(), nn.Dropout(0.25),
        nn.Linear(512, classes),
    )
    init_normal(model)
    return model


def pytorch_tutorial_net_bn(classes: int = 10) -> nn.Sequential:
    """The tutorial's network with BatchNorm after every convolution."""
    return pytorch_tutorial_net(classes, batchnorm=True)


def init_normal(model: nn.Module) -> None:
    """The tutorial's init: weights ~ N(0, 1/sqrt(fan_in)), biases 0."""
    for layer in model.modules():
        if isinstance(layer, nn.Conv2d | nn.Linear):
            fan_in = layer.weight[0].numel()
            nn.init.normal_(layer.weight, 0.0, fan_in ** -0.5)
            nn.init.zeros_(layer.bias)


def tf_tutorial_net(classes: int = 10) -> nn.Sequential:
    """The TensorFlow CIFAR-10 tutorial: conv32 / pool / conv64 / pool / conv64 / dense 64 / 10."""
    return nn.Sequential(
        nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2),   # (B, 32, 15, 15)
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),  # (B, 64, 6, 6)
        nn.Conv2d(64, 64, 3), nn.ReLU(),                   # (B, 64, 4, 4)
        nn.Flatten(), nn.Linear(64 * 4 * 4, 64), nn.ReLU(),
        nn.Linear(64, classes),
    )


# --- a fast modern network (after Keller Jordan's airbench) -----------------------------------

class ConvBlock(nn.Sequential):
    """conv -> pool -> BatchNorm -> GELU -> conv -> BatchNorm -> GELU; halves the size."""

    def __init__(self, channels_in: int, channels_out: int, bn_momentum: float = 0.4):
        super().__init__(
            nn.Conv2d(channels_in, channels_out, 3, padding=1, bias=False), nn.MaxPool2d(2),
            nn.BatchNorm2d(channels_out, momentum=bn_momentum), nn.GELU(),
            nn.Conv2d(channels_out, channels_out, 3, padding=1, bias=False),
            nn.BatchNorm2d(channels_out, momentum=bn_momentum), nn.GELU(),
        )
        for layer in self:
            if isinstance(layer, nn.Conv2d):
                # Start as (partly) the identity: information flows through from step one.
                nn.init.dirac_(layer.weight[: min(channels_in, channels_out)])
            if isinstance(layer, nn.BatchNorm2d):
                layer.weight.requires_grad_(False)  # scale is redundant before a scale-free net


class Scale(nn.Module):
    def __init__(self, factor: float):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


def fast_net(widths: tuple[int, int, int] = (64, 128, 128), classes: int = 10) -> nn.Sequential:
    """BatchNorm net for a time budget: a fixed 2x2 whitening conv, three ConvBlocks, a linear head.

    Call `init_whitening(model[0], images)` with training images before training.
    """
    whiten = nn.Conv2d(3, 24, 2, bias=True)  # 2 * (3 * 2 * 2) filters: each eigenvector, +/-
    whiten.weight.requires_grad_(False)
    return nn.Sequential(
        whiten, nn.GELU(),                                                 # (B, 24, 31, 31)
        ConvBlock(24, widths[0]), ConvBlock(widths[0], widths[1]),         # (B, w1, 7, 7)
        ConvBlock(widths[1], widths[2]),                                   # (B, w2, 3, 3)
        nn.AdaptiveMaxPool2d(1), nn.Flatten(),  # (B, w2); any input size, e.g. smaller early images
        nn.Linear(widths[2], classes, bias=False), Scale(1 / 9),
    )


@torch.no_grad()
def init_whitening(conv: nn.Conv2d, images: torch.Tensor, eps: float = 5e-4) -> None:
    """Set a conv's filters to the eigenvectors of the data's patch covariance, scaled to unit variance.

    The first layer then hands decorrelated, equal-variance inputs to the rest of the network,
    which speeds up early training noticeably. `images` is a normalised float batch (B, 3, H, W).
    """
    c, (h, w) = images.shape[1], conv.weight.shape[2:]
    patches = images.unfold(2, h, 1).unfold(3, w, 1).transpose(1, 3).reshape(-1, c * h * w).float()
    covariance = patches.T @ patches / len(patches)                      # (12, 12)
    eigenvalues, eigenvectors = torch.linalg.eigh(covariance)
    filters = (eigenvectors.T / torch.sqrt(eigenvalues + eps)[:, None]).reshape(-1, c, h, w)
    conv.weight.copy_(torch.cat([filters, -filters]).flip(0))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def small_cnn(classes: int, channels: int = 3, widths=(32, 64, 128)) -> nn.Sequential:
    """conv-BN-ReLU-pool blocks and a global average: works for any image size (e.g. your own photos)."""
    layers, c = [], channels
    for w in widths:
        layers += [nn.Conv2d(c, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
                   nn.MaxPool2d(2)]
        c = w
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2),
                         nn.Linear(c, classes))
