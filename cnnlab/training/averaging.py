"""Weight averaging: lookahead pulls the weights towards a slow average every few steps."""

import torch


class Lookahead:
    """Every few steps pull the weights towards a slow average, and the average towards them."""

    def __init__(self, model):
        self.slow = {k: v.detach().clone() for k, v in model.state_dict().items()}

    @torch.no_grad()
    def update(self, model, decay: float) -> None:
        for slow, fast in zip(self.slow.values(), model.state_dict().values()):
            if fast.dtype.is_floating_point:
                slow.lerp_(fast, 1 - decay)
                fast.copy_(slow)


class Averager:
    """Lookahead every 5 steps, pulling harder as training ends; `finish` keeps the average."""

    def __init__(self, model, every: int = 5):
        self.lookahead, self.every = Lookahead(model), every

    def step(self, model, step: int, fraction: float) -> None:
        if step % self.every == 0:
            self.lookahead.update(model, decay=0.95 ** self.every * fraction ** 3)

    def finish(self, model) -> None:
        self.lookahead.update(model, decay=1.0)

    def state_dict(self) -> dict:
        return self.lookahead.slow

    def load_state_dict(self, state: dict) -> None:
        for key, value in state.items():
            self.lookahead.slow[key].copy_(value)
