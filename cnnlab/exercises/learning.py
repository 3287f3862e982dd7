"""Exercises of notebook 06, how a network learns: descent, the training step, BatchNorm, fields."""

import copy

import torch
import torch.nn.functional as F

from cnnlab.exercises.core import Wrong, exercise, number, result_of, same


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(2000 + seed)


@exercise("06.1", "the weight after one step of gradient descent", """
### BEGIN SOLUTION
weight_after_one_step = 0.0 - 0.1 * gradient(0.0)   # w - rate * dL/dw, from w = 0
### END SOLUTION
""", "one step moves the weight against the gradient, by the learning rate times the gradient at "
     "the current weight", stub="weight_after_one_step = None   # your answer")
def _one_step(answer, x, y, seed=0):
    w = torch.zeros((), dtype=torch.float64, requires_grad=True)
    loss = ((w * x.double() - y.double()) ** 2).mean()
    loss.backward()
    right = float(0.0 - 0.1 * w.grad)
    value = number(answer)
    if abs(value - right) < 1e-4:
        return f"{right:.4f}: from 0 towards 2 in one step"
    if abs(value + right) < 1e-4:
        raise Wrong(f"{value:.4f} moves the weight up the slope: the step goes against the gradient")
    raise Wrong(f"{value:.4f} is not it")


@exercise("06.2", "a gradient-descent step for a linear model", '''
def descent_step(w, x, y, rate):
    """One step on the loss mean((x @ w - y)**2) with the gradient written by hand (no autograd).

    w: (D,) weights, x: (N, D) inputs, y: (N,) targets -> the new (D,) weights.
    """
    ### BEGIN SOLUTION
    error = x @ w - y                         # (N,)
    gradient = 2 * x.T @ error / len(y)       # (D,): the chain rule through the square and the mean
    return w - rate * gradient
    ### END SOLUTION
''', "differentiate the mean of the squared errors: the square gives 2 x error, the prediction "
     "x @ w gives x, and the mean divides by N", code=True)
def _descent_step(descent_step, seed=0):
    g = _generator(seed)
    for case, (n, d) in enumerate([(5, 1), (8, 3), (20, 4)], 1):
        x, y = torch.randn(n, d, generator=g), torch.randn(n, generator=g)
        w = torch.randn(d, generator=g)
        rate = 0.05 * case
        where = f"case {case}: {n} examples of {d} numbers, learning rate {rate:.2f}"
        got = result_of(descent_step, w.clone(), x.clone(), y.clone(), rate, case=where)
        if isinstance(got, torch.Tensor) and got.requires_grad:
            raise Wrong("your step used autograd (the result requires grad); write the gradient by hand")
        tracked = w.clone().requires_grad_(True)
        ((x @ tracked - y) ** 2).mean().backward()
        same(got, (w - rate * tracked.grad).detach(), where)
    return "the same step as autograd's gradient on 3 random problems"


@exercise("06.3", "the training step", '''
def training_step(model, optimizer, images, labels):
    """One step of learning on one batch; returns the batch's loss as a float."""
    ### BEGIN SOLUTION
    optimizer.zero_grad()                          # gradients add up otherwise
    logits = model(images)                         # forward: (B, classes)
    loss = F.cross_entropy(logits, labels)         # one number to make smaller
    loss.backward()                                # d loss / d every weight
    optimizer.step()                               # move every weight a little
    return loss.item()
    ### END SOLUTION
''', "four things happen in a fixed order, and one of them clears what the previous step left "
     "behind; the loss of a classifier is the cross-entropy of its logits", code=True)
def _training_step(training_step, seed=0):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                                torch.nn.Linear(4 * 6 * 6, 3))
    reference = copy.deepcopy(model)
    mine_opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ref_opt = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    g = _generator(seed)
    for step in range(1, 4):
        images, labels = torch.randn(6, 1, 8, 8, generator=g), torch.randint(0, 3, (6,), generator=g)
        where = f"step {step} on a batch of 6 images of 8x8"
        loss = result_of(training_step, model, mine_opt, images, labels, case=where)
        ref_opt.zero_grad()
        ref_loss = F.cross_entropy(reference(images), labels)
        ref_loss.backward()
        ref_opt.step()
        if abs(number(loss, "the loss as a number") - ref_loss.item()) > 1e-4:
            raise Wrong(f"on {where} the loss returned is {number(loss):.4f}, the cross-entropy is "
                        f"{ref_loss.item():.4f}")
        for (name, mine), theirs in zip(model.named_parameters(), reference.parameters()):
            if not torch.allclose(mine, theirs, atol=1e-5):
                stale = " (the first step was right: are old gradients cleared?)" if step > 1 else ""
                raise Wrong(f"after {where} the weights `{name}` differ from a correct step{stale}")
    return "three steps in a row give the same weights and losses as the reference step"


@exercise("06.4", "BatchNorm in evaluation mode", '''
def batch_norm_eval(x, running_mean, running_var, gamma, beta, eps=1e-5):
    """(N, C, H, W) in eval mode: every channel uses the running statistics, not the batch's."""
    ### BEGIN SOLUTION
    shape = (1, -1, 1, 1)                                    # one number per channel, broadcast
    normalised = (x - running_mean.view(shape)) / (running_var.view(shape) + eps).sqrt()
    return gamma.view(shape) * normalised + beta.view(shape)
    ### END SOLUTION
''', "the formula is training mode's, with the stored mean and variance in place of the batch's; "
     "each (C,) vector must line up with axis 1 of x", code=True)
def _batch_norm_eval(batch_norm_eval, seed=0):
    g = _generator(seed)
    for case, (n, c) in enumerate([(1, 2), (4, 3), (2, 8)], 1):
        x = torch.randn(n, c, 5, 4, generator=g)
        mean, var = torch.randn(c, generator=g), torch.rand(c, generator=g) + 0.5
        gamma, beta = torch.randn(c, generator=g), torch.randn(c, generator=g)
        where = f"case {case}: a batch of shape {tuple(x.shape)}"
        got = result_of(batch_norm_eval, x, mean, var, gamma, beta, case=where)
        right = F.batch_norm(x, mean, var, gamma, beta, training=False, eps=1e-5)
        if isinstance(got, torch.Tensor) and got.shape == right.shape and torch.allclose(
                got, F.batch_norm(x, None, None, gamma, beta, training=True, eps=1e-5), atol=1e-4):
            raise Wrong(f"on {where} you normalised with the batch's own statistics: that is training mode")
        same(got, right, where, atol=1e-4)
    return "matches F.batch_norm(training=False); one image now gets one answer, whatever its batch"


@exercise("06.5", "the receptive field of three 3x3 convolutions", """
### BEGIN SOLUTION
field_of_three = 7   # each 3x3 layer (stride 1) widens the field by 2: 3, 5, 7
### END SOLUTION
""", "one 3x3 convolution sees 3x3 pixels; a unit of the next layer sees 3x3 units of the first, "
     "which overlap: how much wider is that?", stub="field_of_three = None   # your answer: pixels along one side")
def _field_of_three(answer, seed=0):
    from cnnlab.concepts.conv import receptive_field

    right = receptive_field([torch.nn.Conv2d(1, 1, 3)] * 3)["size"][0]
    value = number(answer, "a number of pixels")
    if value == right:
        return f"{right}x{right} pixels: two stacked 3x3 layers see as far as one 5x5, with fewer weights"
    if value == 9:
        raise Wrong("9 adds up the three kernels, but neighbouring windows overlap")
    raise Wrong(f"{value:g} is not it")
