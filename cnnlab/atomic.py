"""Write a file so that readers see the old version or the new one, never half of the new one."""

import os
import tempfile
from pathlib import Path

import torch


def atomic_save(payload, path: str | Path) -> Path:
    """torch.save to a temporary file beside `path`, fsync, then rename over `path`.

    The rename is atomic, so a crash, a full disk or Ctrl-C during the save leaves the previous
    file intact and no stray temporary file behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
