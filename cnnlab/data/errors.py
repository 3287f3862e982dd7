"""The errors the data layer raises: each says what went wrong and what to do."""


class DatasetNotFoundError(RuntimeError):
    """No source could provide a dataset; the message lists each attempt and the fix."""


class ArchiveError(RuntimeError):
    """An archive is present but unusable (wrong checksum, truncated, unexpected layout)."""


class SourceUnavailable(Exception):
    """Internal: one source has nothing to offer; the loader moves on to the next."""
