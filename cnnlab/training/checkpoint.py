"""Checkpoints that survive a crash: written atomically, with everything needed to resume."""

import random
from pathlib import Path

import numpy as np
import torch

from cnnlab.atomic import atomic_save


def rng_state() -> dict:
    state = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(path: str | Path, model, optimizer=None, epoch: int = 0, **extra) -> Path:
    """Save model, optimizer, epoch, RNG state and `extra` (history, batches' generator, ...).

    The file is written next to its target and renamed over it, so an interrupted save leaves
    the previous checkpoint intact.
    """
    payload = {"model": model.state_dict(), "epoch": epoch, "rng": rng_state(), **extra}
    if optimizer is not None:
        payload["optimizer"] = optimizer.state_dict()
    return atomic_save(payload, path)


def load_checkpoint(path: str | Path, model, optimizer=None, restore_rng: bool = True,
                    map_location="cpu") -> dict:
    """Load a checkpoint into model (and optimizer); return the whole payload."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}. Train first (or check the path).")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=False)
        model.load_state_dict(payload["model"])
    except RuntimeError as error:
        raise RuntimeError(f"{path} does not fit this model ({error}). Was it saved from a "
                           "different architecture? Delete it or pick the matching model.") from None
    if optimizer is not None and "optimizer" in payload:
        try:
            optimizer.load_state_dict(payload["optimizer"])
        except (ValueError, TypeError, KeyError, AttributeError) as error:  # another optimizer's state
            raise RuntimeError(f"{path} was saved with a different optimizer ({type(error).__name__}: "
                               f"{error}). Delete it, or train with the optimizer it was saved with.") from None
    if restore_rng:
        set_rng_state(payload["rng"])
    return payload
