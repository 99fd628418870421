"""Write output files atomically, never clobbering what the user did not ask to replace."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from geo.errors import AtlasError


def _file_mode(target: Path) -> int:
    """Keep an existing file's mode; new files get 0o666 minus the umask."""
    with contextlib.suppress(FileNotFoundError):
        return stat.S_IMODE(target.stat().st_mode)
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _create_exclusive(tmp: Path, target: Path) -> None:
    """Move ``tmp`` to ``target`` only if ``target`` does not exist."""
    try:
        os.link(tmp, target)  # atomic "create if absent"
    except FileExistsError:
        raise
    except OSError:
        # Filesystems without hard links (FAT, some network mounts): check, then rename.
        if target.exists():
            raise FileExistsError(target) from None
        os.replace(tmp, target)
        return
    tmp.unlink()


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then a rename.

    The temporary file is fsynced, given the existing file's mode, then moved over the target
    with ``os.replace`` — or, with ``overwrite=False``, hard-linked into place, which fails
    instead of clobbering a file that appeared meanwhile. An existing target without
    ``overwrite`` raises :class:`AtlasError`; on any failure the target is untouched and the
    temporary file removed.
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
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as err:
        raise AtlasError(target, f"cannot write: {err.strerror}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode(target))
        if overwrite:
            os.replace(tmp, target)
        else:
            _create_exclusive(tmp, target)
    except BaseException as err:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if isinstance(err, FileExistsError):
            raise AtlasError(target, "already exists; pass --force to replace it") from None
        if isinstance(err, OSError) and err.strerror:
            raise AtlasError(target, f"cannot write: {err.strerror}") from None
        raise
    return target
