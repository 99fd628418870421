"""Write output files atomically, never clobbering what the user did not ask to replace."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from geo.errors import AtlasError


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    An existing file is replaced only with ``overwrite=True``; otherwise an :class:`AtlasError`
    is raised and the file stays as it was. On any failure nothing is left behind.
    """
    target = Path(path)
    if target.is_dir():
        raise AtlasError(target, "is a directory; give a file name")
    if target.exists() and not overwrite:
        raise AtlasError(target, "already exists; pass --force to replace it")
    if not target.parent.is_dir():
        raise AtlasError(target, f"folder {target.parent} does not exist")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as err:
        raise AtlasError(target, f"cannot write: {err.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise AtlasError(target, f"cannot write: {err.strerror}") from None
        raise
    return target
