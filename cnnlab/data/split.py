"""A seeded, stratified split: every class keeps its share in both parts."""

import torch


def stratified_split(labels: torch.Tensor, fraction: float = 0.2, seed: int = 1):
    """Return (kept_indices, held_out_indices); `fraction` of each class is held out.

    The same labels and seed always give the same split.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be between 0 and 1 (exclusive), got {fraction}")
    labels = torch.as_tensor(labels)
    generator = torch.Generator().manual_seed(seed)
    kept, held = [], []
    for label in torch.unique(labels):
        members = torch.nonzero(labels == label).flatten()
        members = members[torch.randperm(len(members), generator=generator)]
        n_held = int(round(len(members) * fraction))
        held.append(members[:n_held])
        kept.append(members[n_held:])
    return torch.sort(torch.cat(kept)).values, torch.sort(torch.cat(held)).values
