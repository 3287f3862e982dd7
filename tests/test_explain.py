"""Grad-CAM finds the quadrant that carries the class; hooks never outlive their use."""

import pytest
import torch
from torch import nn

from cnnlab.concepts.explain import (
    feature_maps,
    grad_cam,
    hook_count,
    occlusion,
    recording,
    saliency,
    strongest_first,
)


def quadrant_images(count: int, size: int = 16, seed: int = 0):
    """Class 1 images carry a bright blob in the top-left quadrant; class 0 images do not."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(count, 1, size, size, generator=g) * 0.3
    y = torch.arange(count) % 2
    for i in torch.nonzero(y).flatten():
        top, left = torch.randint(0, size // 2 - 4, (2,), generator=g).tolist()
        x[i, 0, top:top + 4, left:left + 4] += 2.0
    return x, y


def tiny_model():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
                         nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(8, 2))


@pytest.fixture(scope="module")
def trained():
    torch.manual_seed(0)
    model = tiny_model()
    x, y = quadrant_images(256)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(150):
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert (model(x).argmax(1) == y).float().mean() > 0.95
    return model


def test_grad_cam_highlights_the_quadrant(trained):
    x, y = quadrant_images(20, seed=1)
    for image in x[y == 1]:
        cam, cls = grad_cam(trained, image, "2", class_index=1)
        assert cam.shape == (16, 16) and cls == 1
        top_left = cam[:8, :8].mean()
        others = torch.stack([cam[:8, 8:].mean(), cam[8:, :8].mean(), cam[8:, 8:].mean()])
        assert top_left > others.max()
    assert hook_count(trained) == 0


def test_saliency_and_occlusion_point_at_the_quadrant(trained):
    x, y = quadrant_images(20, seed=2)
    image = x[y == 1][0]
    sal = saliency(trained, image, 1)
    assert sal[:8, :8].mean() > sal[8:, 8:].mean()
    drop = occlusion(trained, image, 1, patch=6, stride=2)
    assert drop.shape == (6, 6)
    assert drop[:3, :3].max() > drop[3:, 3:].max()


def test_hooks_are_removed_after_errors():
    model = tiny_model()
    with pytest.raises(RuntimeError):
        with recording(model, ["0", "2"]):
            assert hook_count(model) == 2
            model(torch.zeros(1, 3, 8, 8))  # wrong channel count: raises inside the block
    assert hook_count(model) == 0
    with pytest.raises(KeyError, match="choose from"):
        with recording(model, ["nope"]):
            pass
    assert hook_count(model) == 0
    for _ in range(3):  # re-running a cell never stacks hooks
        maps = feature_maps(model, torch.zeros(1, 8, 8), "1")
    assert maps.shape == (8, 8, 8) and hook_count(model) == 0


def test_strongest_first():
    maps = torch.zeros(3, 2, 2)
    maps[1] += 5
    maps[2] += 1
    assert strongest_first(maps).tolist() == [1, 2, 0]


def test_occlusion_builds_one_batch_of_copies_at_a_time():
    """A 224-pixel image has thousands of patch positions: only batch_size copies may exist at once."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.AdaptiveAvgPool2d(1),
                              torch.nn.Flatten(), torch.nn.Linear(4, 3))
    seen = []
    net[0].register_forward_pre_hook(lambda module, inputs: seen.append(inputs[0].shape[0]))
    image = torch.randn(3, 224, 224)
    drop = occlusion(net, image, 1, patch=8, stride=4, batch_size=64)
    assert drop.shape == (55, 55) and max(seen) == 64 and sum(seen) == 1 + 55 * 55
    small = torch.randn(3, 12, 12)
    expected = torch.zeros(3, 3)
    with torch.no_grad():
        base = net(small[None]).softmax(1)[0, 2]
        for r, top in enumerate(range(0, 9, 4)):
            for c, left in enumerate(range(0, 9, 4)):
                covered = small.clone()
                covered[:, top:top + 4, left:left + 4] = 0
                expected[r, c] = base - net(covered[None]).softmax(1)[0, 2]
    assert torch.allclose(occlusion(net, small, 2, patch=4, stride=4, batch_size=2), expected, atol=1e-6)
