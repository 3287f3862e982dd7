"""Exercises of the training notebooks 07-10: shapes, parameter counts, reading results, Grad-CAM."""

import copy

import torch
import torch.nn.functional as F

from cnnlab.exercises.core import Wrong, exercise, needs, number, result_of, same


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(3000 + seed)


def _shape(answer) -> tuple:
    try:
        return tuple(int(v) for v in answer)
    except (TypeError, ValueError):
        raise Wrong(f"expected a shape such as (channels, height, width), got {answer!r}") from None


def _first(model, kind):
    return next(m for m in model.modules() if isinstance(m, kind))


# --- 07 · MNIST -----------------------------------------------------------------------------

@exercise("07.1", "the shape after the first convolution", """
### BEGIN SOLUTION
first_conv_shape = (32, 24, 24)   # 32 filters; a 5x5 kernel without padding: 28 - 5 + 1 = 24
### END SOLUTION
""", "the number of channels is the number of filters; the height follows the output-size formula "
     "of notebook 03 with the layer's kernel, stride and padding (see `print(model)`)",
          stub="first_conv_shape = None   # your answer: (channels, height, width) for one image")
def _first_conv_shape(answer, model, seed=0):
    conv = copy.deepcopy(_first(model, torch.nn.Conv2d)).cpu()          # the student's model stays as it is
    with torch.no_grad():
        right = tuple(conv(torch.zeros(1, conv.in_channels, 28, 28)).shape[1:])
    got = _shape(answer)
    if got == right:
        return f"{right}: the channels grew from {conv.in_channels} to {right[0]}, the image shrank"
    if got[1:] == (28, 28):
        raise Wrong(f"{got}: this layer does not pad, so the picture shrinks")
    raise Wrong(f"{got} is not {len(right)} numbers of the right size" if len(got) != 3 else f"{got} is not it")


@exercise("07.2", "parameters of the first dense layer", """
### BEGIN SOLUTION
dense_parameters = (64 * 4 * 4 + 1) * 1024   # every flattened number to every unit, plus a bias each
### END SOLUTION
""", "a dense layer has one weight per (input, unit) pair and one bias per unit; how many numbers "
     "does flatten hand it?", stub="dense_parameters = None   # your answer")
def _dense_parameters(answer, model, seed=0):
    dense = _first(model, torch.nn.Linear)
    right = sum(p.numel() for p in dense.parameters())
    value = number(answer, "a whole number")
    share = right / sum(p.numel() for p in model.parameters())
    if value == right:
        return f"{right:,}: {100 * share:.0f} % of the whole network's parameters sit in this one layer"
    if value == dense.weight.numel():
        raise Wrong(f"{value:,.0f} leaves out the biases: one per unit")
    raise Wrong(f"{value:,.0f} is not it")


@exercise("07.3", "the digit recognised worst", """
### BEGIN SOLUTION
accuracy = matrix.diag() / matrix.sum(1)          # rows are true classes
worst_digit = test.classes[int(accuracy.argmin())]
### END SOLUTION
""", "a row of the confusion matrix holds every test image of one true class; the diagonal holds "
     "the right ones", stub="worst_digit = None   # your answer: a class name from `test.classes`")
def _worst_class(answer, matrix, classes, seed=0):
    matrix = needs(matrix, "section 5").double()
    accuracy = matrix.diag() / matrix.sum(1).clamp(min=1)
    right = classes[int(accuracy.argmin())]
    if str(answer) == right:
        return f"{right}: {100 * accuracy.min():.1f} % of its test images are recognised"
    if str(answer) not in classes:
        raise Wrong(f"{answer!r} is not one of the class names {list(classes)}")
    by_column = matrix.diag() / matrix.sum(0).clamp(min=1)
    if str(answer) == classes[int(by_column.argmin())]:
        raise Wrong(f"{answer} is the class whose predictions are least often right; the question "
                    "asks about its true images (rows, not columns)")
    raise Wrong(f"{answer} has {100 * accuracy[classes.index(str(answer))]:.1f} % right; another is lower")


# --- 08 · CIFAR-10 --------------------------------------------------------------------------

@exercise("08.1", "a confusion matrix", '''
def confusion(predicted, labels, classes):
    """(N,) predicted and (N,) true class numbers -> (classes, classes) counts, rows true."""
    ### BEGIN SOLUTION
    matrix = torch.zeros(classes, classes, dtype=torch.long)
    for true, guess in zip(labels.tolist(), predicted.tolist()):
        matrix[true, guess] += 1          # row: what it is; column: what the model said
    return matrix
    ### END SOLUTION
''', "start from a square of zeros and add one for every image at [its true class, its predicted "
     "class]", code=True)
def _confusion(confusion, seed=0):
    g = _generator(seed)
    for case, (n, k) in enumerate([(20, 3), (200, 10), (7, 5)], 1):
        labels, predicted = torch.randint(0, k, (n,), generator=g), torch.randint(0, k, (n,), generator=g)
        right = torch.bincount(labels * k + predicted, minlength=k * k).view(k, k)
        where = f"case {case}: {n} images, {k} classes"
        got = result_of(confusion, predicted, labels, k, case=where)
        got_t = torch.as_tensor(got)
        if got_t.shape == right.shape and torch.equal(got_t.long().T, right) and not torch.equal(got_t.long(), right):
            raise Wrong(f"on {where} rows and columns are swapped: rows are the true classes")
        same(got_t, right, where)
    return "right on 3 random sets of predictions (rows true, columns predicted)"


@exercise("08.2", "accuracy per class", '''
def per_class(matrix):
    """(classes, classes) confusion matrix, rows true -> (classes,) share of each class recognised."""
    ### BEGIN SOLUTION
    return matrix.diag().float() / matrix.sum(dim=1).float()   # right ones / all images of the class
    ### END SOLUTION
''', "for one class, divide the images recognised by all the images that truly belong to it "
     "(which direction is that in the matrix?)", code=True)
def _per_class(per_class, seed=0):
    g = _generator(seed)
    for case, k in enumerate((3, 10), 1):
        matrix = torch.randint(1, 30, (k, k), generator=g) + torch.diag(torch.randint(20, 90, (k,), generator=g))
        where = f"case {case}: a {k}x{k} matrix"
        got = result_of(per_class, matrix.clone(), case=where)
        right = matrix.diag().double() / matrix.sum(1).double()
        if torch.as_tensor(got).shape == right.shape and torch.allclose(
                torch.as_tensor(got).double(), matrix.diag().double() / matrix.sum(0).double(), atol=1e-5):
            raise Wrong(f"on {where} you divided by the column sums (how often each class was predicted)")
        same(got, right, where)
    return "right on random matrices: recall per class, as `report` prints it"


@exercise("08.3", "the pair of classes confused most often", """
### BEGIN SOLUTION
mistakes = matrix.clone()
mistakes.fill_diagonal_(0)                          # only the wrong predictions
true, guess = divmod(int(mistakes.argmax()), len(test.classes))
most_confused = (test.classes[true], test.classes[guess])
### END SOLUTION
""", "ignore the diagonal (those are right); the largest count left says which true class went "
     "to which prediction", stub="most_confused = None   # your answer: (true class name, predicted class name)")
def _most_confused(answer, matrix, classes, seed=0):
    mistakes = needs(matrix, "section 5").clone()
    mistakes.fill_diagonal_(0)
    true, guess = divmod(int(mistakes.argmax()), len(classes))
    try:
        got = tuple(str(v) for v in answer)
    except TypeError:
        raise Wrong(f"expected two class names, got {answer!r}") from None
    if got == (classes[true], classes[guess]):
        return f"{classes[true]} taken for {classes[guess]}: {int(mistakes[true, guess])} test images"
    if got == (classes[guess], classes[true]):
        raise Wrong("the right pair in the wrong order: the first is the true class (the row)")
    raise Wrong(f"{got} is not the largest count off the diagonal")


@exercise("08.4", "the epoch where overfitting begins", """
### BEGIN SOLUTION
history = overfit["none"]["history"]
turn = min(history, key=lambda h: h["val_loss"])   # after it the validation loss only rises
overfitting_from = turn["epoch"]
### END SOLUTION
""", "overfitting begins where the validation loss stops falling while the training loss keeps "
     "falling", stub="overfitting_from = None   # your answer: an epoch number from the curves")
def _overfitting_epoch(answer, overfit, seed=0):
    history = needs((overfit or {}).get("none", {}).get("history"), "section 8 (with OVERFIT_EPOCHS above 0)")
    best = min(history, key=lambda h: h["val_loss"])
    value = number(answer, "an epoch number")
    if value == best["epoch"]:
        return (f"epoch {best['epoch']}: validation loss {best['val_loss']:.2f}, and "
                f"{history[-1]['val_loss']:.2f} by epoch {history[-1]['epoch']}; early stopping keeps this one")
    lowest_train = min(history, key=lambda h: h["train_loss"])
    if value == lowest_train["epoch"]:
        raise Wrong("that is where the training loss is lowest; overfitting shows on the validation curve")
    raise Wrong(f"at epoch {value:g} the validation loss is not at its lowest")


# --- 09 · Inside the network ----------------------------------------------------------------

@exercise("09.1", "Grad-CAM from recorded activations and gradients", '''
def grad_cam_map(activations, gradients):
    """(C, h, w) activations of a layer and (C, h, w) gradients of one class score -> (h, w) map."""
    ### BEGIN SOLUTION
    weights = gradients.mean(dim=(1, 2))                       # (C,): how much each channel matters
    cam = (weights[:, None, None] * activations).sum(dim=0)    # (h, w): the channels, weighted
    return cam.clamp(min=0)                                    # keep what speaks FOR the class
    ### END SOLUTION
''', "one weight per channel (its average gradient over the map), a weighted sum of the channels, "
     "and only the positive part", code=True)
def _grad_cam(grad_cam_map, seed=0):
    g = _generator(seed)
    for case, (c, h) in enumerate([(4, 3), (16, 8), (64, 4)], 1):
        activations = torch.relu(torch.randn(c, h, h, generator=g))
        gradients = torch.randn(c, h, h, generator=g)
        where = f"case {case}: {c} channels of {h}x{h}"
        got = result_of(grad_cam_map, activations.clone(), gradients.clone(), case=where)
        weights = gradients.mean((1, 2))
        same(got, F.relu((weights[:, None, None] * activations).sum(0)), where, atol=1e-4)
    return "matches Grad-CAM (before upsampling) on 3 random layers"


@exercise("09.2", "the size of the Grad-CAM layer's maps", """
### BEGIN SOLUTION
target_shape = tuple(cnnlab.concepts.explain.feature_maps(model, image, target).shape[-3:])   # or read the layer table
### END SOLUTION
""", "`target` names a layer such as \"3.0\": layer 0 inside block 3 of the layer table. Its input is "
     "the previous block's output; `print(model[3])` shows its kernel, stride and padding, and notebook "
     "03's formula does the rest", stub="target_shape = None   # your answer: (channels, height, width)")
def _target_shape(answer, model, layer, seed=0):
    from cnnlab.concepts.explain import feature_maps

    device = next(model.parameters()).device
    right = tuple(feature_maps(model, torch.zeros(3, 32, 32, device=device), layer).shape[-3:])
    got = _shape(answer)
    if got == right:
        return (f"{right}: each of the {right[1] * right[2]} positions is one cell of the heat map, "
                "upsampled to 32x32 for the picture")
    raise Wrong(f"{got} is not the shape of `{layer}`'s output for one 32x32 image")


# --- 10 · Your own dataset ------------------------------------------------------------------

@exercise("10.1", "what flatten would hand over without global pooling", """
### BEGIN SOLUTION
side = IMAGE_SIZE // 8                                      # three 2x2 poolings halve the side three times
without_pooling = (128 * side * side, 128 * (2 * side) ** 2)   # channels x height x width, then at twice the size
### END SOLUTION
""", "without the global average, flatten passes on every number of the last block's maps: channels "
     "times height times width; how does the height change when the image side doubles?",
          stub="without_pooling = None   # your answer: (at IMAGE_SIZE, at twice IMAGE_SIZE)")
def _without_pooling(answer, model, image_size, seed=0):
    layers = list(model.children())
    pool = next(i for i, m in enumerate(layers) if isinstance(m, torch.nn.AdaptiveAvgPool2d))
    body = copy.deepcopy(torch.nn.Sequential(*layers[:pool])).cpu().eval()   # up to the global pooling
    with torch.no_grad():
        right = tuple(int(body(torch.zeros(1, 3, s, s))[0].numel()) for s in (image_size, 2 * image_size))
    got = _shape(answer)
    if got == right:
        return (f"{right[0]:,} and {right[1]:,}: a last layer built for one size would not fit the other; "
                f"with global pooling both sizes hand over {int(body(torch.zeros(1, 3, image_size, image_size)).shape[1])}")
    if len(got) == 2 and got[0] * 4 == got[1] * 2:
        raise Wrong(f"{got}: doubling the side doubles the height AND the width")
    raise Wrong(f"{got} is not it")


@exercise("10.2", "parameters of the new ResNet-18 head", """
### BEGIN SOLUTION
head_parameters = (512 + 1) * len(data.classes)   # fc: 512 pooled features to each class, plus a bias
### END SOLUTION
""", "the head is one Linear layer from the features of the global average pool to the classes; "
     "look at the last rows of the ResNet layer table", stub="head_parameters = None   # your answer")
def _head_parameters(answer, resnet, seed=0):
    head = resnet.fc
    right = sum(p.numel() for p in head.parameters())
    everything = sum(p.numel() for p in resnet.parameters())
    value = number(answer, "a whole number")
    if value == right:
        return (f"{right:,} of {everything:,} parameters: with a frozen backbone only "
                f"{100 * right / everything:.3f} % of the network learns")
    if value == head.weight.numel():
        raise Wrong(f"{value:,.0f} leaves out the biases")
    raise Wrong(f"{value:,.0f} is not it")
