"""Exercises of the concept notebooks 01-05: pixels, the X/O convolution, arithmetic, ReLU, pooling."""

import torch
import torch.nn.functional as F
import torchvision.transforms.functional as TF

from cnnlab.exercises.core import Wrong, exercise, number, result_of, same, whole_number


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(1000 + seed)


# --- 01 · Pixels and channels -------------------------------------------------------------

@exercise("01.1", "weights of one fully connected neuron on a 200x200 colour photo", """
### BEGIN SOLUTION
weights_200_colour = 200 * 200 * 3   # one weight per input number: height x width x channels
### END SOLUTION
""", "a fully connected neuron has one weight for every number in its input; how many numbers "
     "describe one colour pixel?", stub="weights_200_colour = None   # your answer")
def _fully_connected(answer, seed=0):
    right = 200 * 200 * 3
    whole_number(answer, right, {200 * 200: "that counts every pixel once, but a colour pixel is several numbers",
                             200 * 200 * 3 + 1: "this count leaves out the bias",
                             200 * 200 * 255: "the values a pixel can take do not add weights"})
    return (f"{right:,} weights for ONE neuron; a layer of 1,000 such neurons would need "
            f"{1000 * right:,}. A 3x3 colour filter has 27.")


@exercise("01.2", "grey images from a colour batch", '''
def to_grey(batch):
    """(N, 3, H, W) colours in [0, 1] -> (N, 1, H, W) grey: 0.299 R + 0.587 G + 0.114 B."""
    ### BEGIN SOLUTION
    red, green, blue = batch[:, 0], batch[:, 1], batch[:, 2]          # each (N, H, W)
    grey = 0.299 * red + 0.587 * green + 0.114 * blue
    return grey.unsqueeze(1)                                          # (N, 1, H, W): keep a channel axis
    ### END SOLUTION
''', "index the channel axis (axis 1 in NCHW), weigh the three channels, and keep a channel axis "
     "of size 1 in the result", code=True)
def _to_grey(to_grey, seed=0):
    g = _generator(seed)
    for case, (n, h, w) in enumerate([(1, 4, 5), (3, 7, 2), (5, 8, 8)], 1):
        batch = torch.rand(n, 3, h, w, generator=g)
        kept = batch.clone()
        got = result_of(to_grey, batch, case=f"case {case}, a batch of shape {tuple(batch.shape)}")
        same(got, TF.rgb_to_grayscale(batch), f"case {case}, a batch of shape {tuple(batch.shape)}", atol=1e-3)
        if not torch.equal(batch, kept):
            raise Wrong("your function changed the batch it was given; compute a new tensor instead")
    return "matches torchvision's rgb_to_grayscale on 3 random batches"


@exercise("01.3", "a Keras batch in PyTorch's order", '''
def keras_to_pytorch(batch):
    """(N, H, W, C), Keras's order -> (N, C, H, W), PyTorch's order, the same numbers."""
    ### BEGIN SOLUTION
    return batch.permute(0, 3, 1, 2)      # new axis i is old axis (0, 3, 1, 2)[i]
    ### END SOLUTION
''', "the numbers must stay attached to their pixel and channel: reorder the axes rather than "
     "reshaping them", code=True)
def _keras_to_pytorch(keras_to_pytorch, seed=0):
    g = _generator(seed)
    for case, shape in enumerate([(2, 5, 4, 3), (1, 6, 6, 1), (3, 2, 7, 4)], 1):
        batch = torch.randn(*shape, generator=g)
        got = result_of(keras_to_pytorch, batch, case=f"case {case}, NHWC shape {shape}")
        got = torch.as_tensor(got)
        expected = batch.permute(0, 3, 1, 2)
        if tuple(got.shape) == tuple(expected.shape) and not torch.equal(got, expected):
            raise Wrong(f"on case {case} (NHWC {shape}) the shape is right but the numbers moved to "
                        "other pixels: reshape and view re-cut the same memory, they do not swap axes")
        same(got, expected, f"case {case}, NHWC shape {shape}")
    return "the right shape, and every number still belongs to its pixel and channel"


@exercise("01.4", "numbers in a batch of 64 CIFAR-10 images", """
### BEGIN SOLUTION
numbers_in_batch = 64 * 3 * 32 * 32   # N x C x H x W
### END SOLUTION
""", "a batch is a 4-D array; write down its NCHW shape for CIFAR-10 first",
          stub="numbers_in_batch = None   # your answer")
def _batch_numbers(answer, seed=0):
    right = 64 * 3 * 32 * 32
    whole_number(answer, right, {3 * 32 * 32: "that is one image; the batch holds 64",
                             64 * 32 * 32: "a CIFAR-10 image has more than one channel"})
    return f"{right:,} numbers, as uint8 {right / 1024:.0f} KiB, as float32 {4 * right / 1024:.0f} KiB"


# --- 02 · Convolution by hand ---------------------------------------------------------------

@exercise("02.1", "the score when 4 of 9 pixels agree", """
### BEGIN SOLUTION
four_of_nine = (4 * (+1) + 5 * (-1)) / 9   # agreeing pixels give +1, disagreeing ones -1
### END SOLUTION
""", "each agreeing pixel contributes (+1)(+1) or (-1)(-1), each disagreeing one (+1)(-1); add them "
     "up and divide by the number of pixels", stub="four_of_nine = None   # your answer")
def _four_of_nine(answer, seed=0):
    value, right = number(answer), (4 - 5) / 9
    if abs(value - right) < 1e-3:
        return f"{right:.3f}: slightly negative, the patch leans towards the opposite pattern"
    if abs(value - 4 / 9) < 1e-3:
        raise Wrong(f"{value:.3f} counts the agreeing pixels only; disagreeing pixels subtract")
    raise Wrong(f"{value:.3f} is not it")


@exercise("02.2", "a feature map for a filter of any size", '''
def match_map(image, kernel):
    """(n, n) image and (k, k) filter -> the (n - k + 1, n - k + 1) map of match scores."""
    ### BEGIN SOLUTION
    k = kernel.shape[0]
    size = image.shape[0] - k + 1                          # positions where the whole filter fits
    scores = np.zeros((size, size))
    for row in range(size):
        for col in range(size):
            patch = image[row:row + k, col:col + k]
            scores[row, col] = (patch * kernel).sum() / (k * k)   # the mean of the products
    return scores
    ### END SOLUTION
''', "the filter fits in fewer positions as it grows; the score divides by the number of pixels "
     "of the filter, not by 9", code=True)
def _match_map(match_map, seed=0):
    import numpy as np

    g = _generator(seed)
    for case, (n, k) in enumerate([(9, 3), (6, 2), (7, 5), (8, 4)], 1):
        image = torch.randint(0, 2, (n, n), generator=g).double() * 2 - 1      # +1 / -1 pixels
        kernel = torch.randint(0, 2, (k, k), generator=g).double() * 2 - 1
        where = f"case {case}: a {n}x{n} image and a {k}x{k} filter"
        got = result_of(match_map, image.numpy().copy(), kernel.numpy().copy(), case=where)
        same(np.asarray(got, float), F.conv2d(image[None, None], kernel[None, None])[0, 0] / (k * k), where)
    return "right on 4 random letters and filters of sizes 2 to 5"


# --- 03 · Convolution arithmetic ------------------------------------------------------------

@exercise("03.1", "parameters of nn.Conv2d(16, 32, 5)", """
### BEGIN SOLUTION
conv_parameters = (5 * 5 * 16 + 1) * 32   # 32 filters of 5x5x16 weights, plus one bias each
### END SOLUTION
""", "count the weights of one filter (its height, width and depth), add its bias, then count "
     "the filters", stub="conv_parameters = None   # your answer")
def _conv_parameters(answer, seed=0):
    right = sum(p.numel() for p in torch.nn.Conv2d(16, 32, 5).parameters())
    whole_number(answer, right, {5 * 5 * 16 * 32: "the biases are missing: one per filter",
                             (5 * 5 + 1) * 32: "each filter is as deep as its input has channels",
                             (5 * 5 * 32 + 1) * 16: "the layer has 32 filters, each looking at 16 channels"})
    return f"{right:,} parameters, whatever the size of the image"


@exercise("03.2", "the output size of a convolution", '''
def conv_output_size(n, kernel, stride=1, padding=0, dilation=1):
    """Output length along one axis of an input of length n."""
    ### BEGIN SOLUTION
    span = dilation * (kernel - 1) + 1                 # input pixels one window covers
    return (n + 2 * padding - span) // stride + 1      # whole windows that fit, stepping `stride`
    ### END SOLUTION
''', "work out first how many input pixels one (dilated) window covers, then how many whole steps "
     "of `stride` fit into the padded input", code=True)
def _output_size(conv_output_size, seed=0):
    g = _generator(seed)
    for case in range(1, 41):
        n, k, s, p, d = (int(torch.randint(lo, hi, (1,), generator=g)) for lo, hi in
                         ((5, 40), (1, 6), (1, 4), (0, 3), (1, 3)))
        if d * (k - 1) + 1 > n + 2 * p:
            continue
        right = F.conv2d(torch.zeros(1, 1, n, 1), torch.zeros(1, 1, k, 1), None, (s, 1), (p, 0), (d, 1)).shape[2]
        where = f"case {case}: n={n}, kernel={k}, stride={s}, padding={p}, dilation={d}"
        got = result_of(conv_output_size, n, k, s, p, d, case=where)
        if number(got) != right:
            raise Wrong(f"on {where} torch gives {right}, your function {got}")
    return "agrees with torch on 40 random sizes, strides, paddings and dilations"


@exercise("03.3", "a convolution as loops", '''
def conv2d_loops(image, kernel, stride=1, padding=0, dilation=1):
    """(H, W) image, (k, k) kernel -> (H_out, W_out), as F.conv2d computes it (no flip, no bias)."""
    ### BEGIN SOLUTION
    k = kernel.shape[0]
    padded = torch.zeros(image.shape[0] + 2 * padding, image.shape[1] + 2 * padding)
    padded[padding:padding + image.shape[0], padding:padding + image.shape[1]] = image
    span = dilation * (k - 1) + 1
    rows = (padded.shape[0] - span) // stride + 1
    cols = (padded.shape[1] - span) // stride + 1
    out = torch.zeros(rows, cols)
    for r in range(rows):
        for c in range(cols):
            top, left = r * stride, c * stride
            window = padded[top:top + span:dilation, left:left + span:dilation]   # (k, k), every dilation-th pixel
            out[r, c] = (window * kernel).sum()
    return out
    ### END SOLUTION
''', "pad first (zeros all round), then for each output position pick the k x k input pixels that "
     "are `dilation` apart, starting at row * stride and col * stride", code=True)
def _conv_loops(conv2d_loops, seed=0):
    g = _generator(seed)
    settings = [(1, 0, 1), (2, 0, 1), (1, 1, 1), (2, 2, 1), (1, 0, 2), (3, 1, 2)]
    for case, (s, p, d) in enumerate(settings, 1):
        h, w = (int(v) for v in torch.randint(7, 12, (2,), generator=g))
        k = int(torch.randint(2, 4, (1,), generator=g))
        image, kernel = torch.randn(h, w, generator=g), torch.randn(k, k, generator=g)
        where = f"case {case}: image {h}x{w}, kernel {k}x{k}, stride {s}, padding {p}, dilation {d}"
        got = result_of(conv2d_loops, image.clone(), kernel.clone(), s, p, d, case=where)
        same(got, F.conv2d(image[None, None], kernel[None, None], None, s, p, d)[0, 0], where, atol=1e-4)
    return "matches F.conv2d with strides, padding and dilation on 6 random cases"


@exercise("03.4", "the padding that keeps 32x32 at 32x32 (5x5 kernel, stride 1)", """
### BEGIN SOLUTION
same_padding = (5 - 1) // 2   # 32 + 2p - 5 + 1 = 32  ->  p = 2
### END SOLUTION
""", "write the output-size formula with n = 32, kernel 5 and stride 1, set it equal to 32 and "
     "solve for the padding", stub="same_padding = None   # your answer")
def _same_padding(answer, seed=0):
    value = number(answer, "a whole number of pixels")
    size = F.conv2d(torch.zeros(1, 1, 32, 32), torch.zeros(1, 1, 5, 5), padding=int(value)).shape[-1] \
        if value == int(value) and 0 <= value < 10 else None
    if size == 32:
        return f"padding {int(value)} on each side keeps 32x32"
    raise Wrong(f"with padding {value:g} the output is {size}x{size}, not 32x32" if size else
                f"{value!r} is not a sensible padding: padding counts whole pixels on each side")


# --- 04 · ReLU ----------------------------------------------------------------------------

@exercise("04.1", "how many numbers ReLU sets to zero", """
### BEGIN SOLUTION
zeroed = int((before < 0).sum())   # ReLU changes exactly the negative numbers
### END SOLUTION
""", "ReLU leaves positive numbers (and zeros) alone; which numbers does it change?",
          stub="zeroed = None   # your answer")
def _zeroed(answer, before, seed=0):
    before = torch.as_tensor(before)
    right, zeros_after = int((before < 0).sum()), int((before <= 0).sum())
    value = number(answer, "a count")
    if value == right:
        return f"{right} of {before.numel()} numbers were negative and became 0"
    if value == zeros_after:
        raise Wrong(f"{value:.0f} also counts numbers that were already 0: ReLU did not set those")
    raise Wrong(f"{value:.0f} is not it; `before` has {before.numel()} numbers")


@exercise("04.2", "ReLU on a batch", '''
def relu(x):
    """Any tensor -> the same shape, negatives replaced by 0; `x` itself is not changed."""
    ### BEGIN SOLUTION
    return torch.where(x > 0, x, torch.zeros_like(x))
    ### END SOLUTION
''', "compare every number with 0 and keep the larger; build a new tensor rather than writing "
     "into x", code=True)
def _relu(relu, seed=0):
    _activation(relu, F.relu, seed)
    return "matches F.relu on 3 random batches and leaves its input alone"


@exercise("04.3", "leaky ReLU on a batch", '''
def leaky_relu(x, slope=0.01):
    """Positive numbers stay; negative ones are multiplied by `slope`."""
    ### BEGIN SOLUTION
    return torch.where(x > 0, x, slope * x)
    ### END SOLUTION
''', "the positive side is ReLU's; on the negative side the number is scaled by `slope`, not "
     "replaced", code=True)
def _leaky(leaky_relu, seed=0):
    for slope in (0.01, 0.2):
        _activation(lambda x, s=slope: leaky_relu(x, s), lambda x, s=slope: F.leaky_relu(x, s), seed,
                    f" with slope {slope}", name=getattr(leaky_relu, "__name__", "leaky_relu"))
    return "matches F.leaky_relu with two slopes on random batches"


def _activation(mine, reference, seed, detail="", name=None):
    g = _generator(seed)
    for case, shape in enumerate([(2, 3, 4, 4), (1, 1, 5, 7), (4, 8)], 1):
        x = torch.randn(*shape, generator=g)
        kept = x.clone()
        where = f"case {case}, a batch of shape {shape}{detail}"
        got = result_of(mine, x, case=where)
        if not torch.equal(x, kept):
            raise Wrong(f"on {where} your function changed its input; later layers (and the backward "
                        "pass) still need it, so return a new tensor")
        same(got, reference(kept), where)


# --- 05 · Pooling ---------------------------------------------------------------------------

@exercise("05.1", "max pooling by hand", """
### BEGIN SOLUTION
pooled_by_hand = [[5, 4],
                  [7, 8]]   # the largest number of each 2x2 block
### END SOLUTION
""", "cut the 4x4 map into four 2x2 blocks that do not overlap; keep one number per block",
          stub="pooled_by_hand = None   # your answer: a 2x2 list of lists")
def _pooled(answer, grid, seed=0):
    grid = torch.as_tensor(grid, dtype=torch.float64)
    right = F.max_pool2d(grid[None, None], 2, 2)[0, 0]
    same(answer, right, "the exercise map")
    return f"{right.int().tolist()}: one number per 2x2 block, four times fewer numbers"


@exercise("05.2", "pooling with any window, stride and mode", '''
def pool2d(x, window, stride, mode="max"):
    """(N, C, H, W) -> (N, C, H_out, W_out): the max, min or mean ("avg") of every window."""
    ### BEGIN SOLUTION
    rows = (x.shape[2] - window) // stride + 1
    cols = (x.shape[3] - window) // stride + 1
    out = torch.zeros(x.shape[0], x.shape[1], rows, cols)
    for r in range(rows):
        for c in range(cols):
            patch = x[:, :, r * stride:r * stride + window, c * stride:c * stride + window]   # (N, C, w, w)
            flat = patch.flatten(2)                                                       # (N, C, w*w)
            if mode == "max":
                out[:, :, r, c] = flat.max(dim=2).values
            elif mode == "min":
                out[:, :, r, c] = flat.min(dim=2).values
            else:
                out[:, :, r, c] = flat.mean(dim=2)
    return out
    ### END SOLUTION
''', "the output size follows the same formula as a convolution without padding; every image and "
     "every channel is pooled on its own", code=True)
def _pool2d(pool2d, seed=0):
    g = _generator(seed)
    references = {"max": lambda x, w, s: F.max_pool2d(x, w, s), "min": lambda x, w, s: -F.max_pool2d(-x, w, s),
                  "avg": lambda x, w, s: F.avg_pool2d(x, w, s)}
    for case, (mode, window, stride) in enumerate([("max", 2, 2), ("min", 2, 2), ("avg", 2, 2),
                                                   ("max", 3, 2), ("avg", 3, 1), ("min", 2, 1)], 1):
        x = torch.randn(2, 3, int(torch.randint(6, 10, (1,), generator=g)), 7, generator=g)
        where = f"case {case}: {mode} pooling, window {window}, stride {stride}, input {tuple(x.shape)}"
        got = result_of(pool2d, x.clone(), window, stride, mode, case=where)
        same(got, references[mode](x, window, stride), where)
    return "matches torch's max and average pooling (and min as -max(-x)) on 6 cases"

