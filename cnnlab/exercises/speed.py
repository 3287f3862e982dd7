"""Exercises of notebook 11 (how to train fast): label smoothing, and reading the ablation table."""

import torch
import torch.nn.functional as F

from cnnlab.exercises.core import Wrong, exercise, needs, number, result_of, same


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(1100 + seed)


def _rows(rows) -> list[dict]:
    rows = needs(rows, "the ladder (section 5)")
    if len(rows) < 2:
        raise Wrong("the table needs at least two rows: run section 4 with its defaults")
    return rows


@exercise("11.1", "label smoothing targets", '''
def smooth_targets(labels, classes, smoothing):
    """(N,) class numbers -> (N, classes) target probabilities with label smoothing."""
    ### BEGIN SOLUTION
    targets = torch.full((len(labels), classes), smoothing / classes)      # every class gets a share
    targets[torch.arange(len(labels)), labels] += 1 - smoothing             # the right one keeps the rest
    return targets
    ### END SOLUTION
''', "every class gets smoothing / classes; the right class gets 1 - smoothing on top of that, so "
     "each row still adds up to 1", code=True)
def _smooth_targets(smooth_targets, seed=0):
    g = _generator(seed)
    for case, (n, classes, smoothing) in enumerate([(4, 3, 0.1), (16, 10, 0.2), (5, 100, 0.5)], 1):
        labels = torch.randint(0, classes, (n,), generator=g)
        where = f"case {case}: {n} labels, {classes} classes, smoothing {smoothing}"
        got = result_of(smooth_targets, labels.clone(), classes, smoothing, case=where)
        expected = (1 - smoothing) * F.one_hot(labels, classes).float() + smoothing / classes
        same(got, expected, where)
        logits = torch.randn(n, classes, generator=g)
        loss = -(torch.as_tensor(got).float() * logits.log_softmax(1)).sum(1).mean()
        same(loss, F.cross_entropy(logits, labels, label_smoothing=smoothing), f"{where}, the loss")
    return ("the same targets as F.cross_entropy(..., label_smoothing=s): a confident wrong answer "
            "costs less, a 100 % sure right one is no longer the goal")


@exercise("11.2", "how many times faster the last row trains", """
### BEGIN SOLUTION
throughput_ratio = rows[-1]["images_per_second"] / rows[0]["images_per_second"]
### END SOLUTION
""", "the table's `images/s` column: the last row's figure divided by the first row's",
          stub="throughput_ratio = None   # your answer, from the table of section 5")
def _throughput_ratio(answer, rows, seed=0):
    rows = _rows(rows)
    right = rows[-1]["images_per_second"] / rows[0]["images_per_second"]
    value = number(answer)
    if abs(value - right) <= 0.03 * right:
        return (f"{right:.2f}: the last row's network is far larger than the first one's, and it goes "
                f"through {right:.2f} times as many images per second")
    if abs(value - 1 / right) <= 0.03 / right:
        raise Wrong(f"{value:.3g} is the first row's speed over the last one's: turn it round")
    raise Wrong(f"{value:.3g} is not the ratio of the two images/s figures")


@exercise("11.3", "the step that gained the most accuracy", """
### BEGIN SOLUTION
gains = {row["row"]: row["accuracy"] - before["accuracy"] for before, row in zip(rows, rows[1:])}
biggest_gain = max(gains, key=gains.get)
### END SOLUTION
""", "compare each row's accuracy with the row just above it; the name is in the `row` column",
          stub="biggest_gain = None   # your answer: the name of a row, as in its row column")
def _biggest_gain(answer, rows, seed=0):
    rows = _rows(rows)
    gains = {row["row"]: row["accuracy"] - before["accuracy"] for before, row in zip(rows, rows[1:])}
    right = max(gains, key=gains.get)
    if answer == right:
        return f"{answer}: +{100 * gains[right]:.1f} points at this budget"
    if answer == rows[0]["row"]:
        raise Wrong(f"{answer!r} is the starting point; it gained nothing over a row above it")
    if answer == max(rows, key=lambda row: row["accuracy"])["row"]:
        raise Wrong(f"{answer!r} has the highest accuracy, not the biggest step up from the row above")
    if answer in gains:
        raise Wrong(f"{answer!r} gained {100 * gains[answer]:+.1f} points; another step gained more")
    raise Wrong(f"{answer!r} is not a row of the table; copy a name from its `row` column")
