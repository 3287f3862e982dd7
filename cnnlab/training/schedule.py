"""How far training is (`Clock`, by time or by steps) and the learning rate that follows it."""

import time
from contextlib import contextmanager


def lr_factor(progress: float) -> float:
    """Warm up from 0.2 to 1 over the first 23 % of training, then decay linearly to 0.07
    (airbench's schedule, over the fraction of training done rather than over epochs)."""
    if progress < 0.23:
        return 0.2 + 0.8 * progress / 0.23
    return 1.0 - 0.93 * (progress - 0.23) / 0.77


class Clock:
    """How far training is, from 0 to 1: by time or by steps, whichever runs out first.

    The schedule follows `fraction()`, so the learning rate reaches its final value exactly when
    training stops, be it MAX_EPOCHS on a fast machine or the time budget on a slow one.
    `seconds=0` means no time limit; `steps=0` means no step limit.
    """

    def __init__(self, seconds: float = 0, steps: int = 0, elapsed: float = 0.0, step: int = 0):
        if not seconds and not steps:
            raise ValueError("give a time budget (seconds) or a number of steps, or both")
        self.seconds, self.total_steps, self.steps = seconds, steps, step
        self.started = time.monotonic() - elapsed

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def fraction(self) -> float:
        by_steps = self.steps / self.total_steps if self.total_steps else 0.0
        by_time = self.elapsed / self.seconds if self.seconds else 0.0
        return min(max(by_steps, by_time), 1.0)

    def done(self) -> bool:
        return self.fraction() >= 1.0

    def tick(self) -> None:
        self.steps += 1

    @contextmanager
    def paused(self):
        """Time spent inside `with clock.paused():` is not counted (e.g. measuring along the way)."""
        begin = time.monotonic()
        try:
            yield
        finally:
            self.started += time.monotonic() - begin
