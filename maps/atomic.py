"""Write output files atomically, never clobbering what the user did not ask to replace.

An output only ever replaces a regular file, and never one of the command's inputs: a device
node (``-o /dev/null --force`` as root), a FIFO or a folder stays what it is, and ``-o`` naming
the layer being read (or a file of its shapefile or folder) is refused before any work is done.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from chengyu.geo.errors import AtlasError
from chengyu.geo.inputs import kind_of


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


def _belongs_to(target: Path, source: Path) -> bool:
    """Whether replacing ``target`` would change the input ``source``: the same file, a file in the
    folder ``source``, or a file of the shapefile ``source`` (same folder and stem)."""
    try:
        if target.samefile(source):
            return True
        real, src = target.resolve(), source.resolve()
    except OSError:
        return False
    if source.is_dir():
        return src in real.parents
    return (source.suffix.lower() == ".shp" and real.parent == src.parent
            and real.name.lower().startswith(src.stem.lower() + "."))


def check_target(path: str | os.PathLike[str], *, overwrite: bool = False,
                 inputs: Iterable[str | os.PathLike[str]] = ()) -> Path:
    """``path`` as an output that may be written, or an AtlasError saying why not.

    Called before any work (so nothing is computed for an output that would be refused) and
    again by :func:`write_atomic` at the moment of writing.
    """
    target = Path(path)
    try:
        st = target.stat()
    except FileNotFoundError:
        st = None
    except OSError as err:
        raise AtlasError(target, f"cannot write: {err.strerror}") from None
    if st is not None:
        if target.is_dir():
            raise AtlasError(target, "is a directory; give a file name")
        kind = kind_of(st.st_mode)
        if kind is not None:
            raise AtlasError(target, f"is {kind}, not a regular file; an output only replaces regular files")
        if any(_belongs_to(target, Path(p)) for p in inputs):
            raise AtlasError(target, "is an input of this command; write the output to another file")
        if not overwrite:
            raise AtlasError(target, "already exists; pass overwrite=True to replace it")
    if not target.parent.is_dir():
        raise AtlasError(target, f"folder {target.parent} does not exist")
    return target


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *, overwrite: bool = False,
                 inputs: Iterable[str | os.PathLike[str]] = ()) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then a rename.

    The temporary file is fsynced, given the existing file's mode, then moved over the target
    with ``os.replace`` — or, with ``overwrite=False``, hard-linked into place, which fails
    instead of clobbering a file that appeared meanwhile. An existing target without
    ``overwrite`` raises :class:`AtlasError`, and so does a target that is not a regular file or
    is one of ``inputs`` (:func:`check_target`); on any failure the target is untouched and the
    temporary file removed.
    """
    target = check_target(path, overwrite=overwrite, inputs=inputs)
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
            raise AtlasError(target, "already exists; pass overwrite=True to replace it") from None
        if isinstance(err, OSError) and err.strerror:
            raise AtlasError(target, f"cannot write: {err.strerror}") from None
        raise
    return target
