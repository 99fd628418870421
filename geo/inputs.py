"""What a user's file is before any reader opens it: a regular file, a sane archive, a safe name.

Checked here, before GDAL, pyarrow or pandas see a byte:

- special files (FIFOs, devices, sockets) are refused — opening a FIFO blocks forever, and
  ``/dev/zero`` never ends — for the file itself and for every member of a shapefile;
- a folder is searched only so far (:data:`geo.limits.FOLDER_FILES`);
- zip archives (a zipped shapefile, a KMZ) must not be encrypted, must use a compression GDAL
  reads (stored or deflate), and must not unpack to more than :func:`geo.limits.unzip_budget`;
- a path that GDAL's readers would take for something else (pyogrio parses paths as URIs: a ``;``
  starts URI parameters and is cut off, ``http:`` becomes a download, a newline is dropped) is
  given to GDAL through a symbolic link with a plain name, so any file name reads.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from chengyu.geo.errors import AtlasError
from chengyu.geo.limits import FOLDER_FILES, UNZIP_RATIO, unzip_budget

_KINDS: Final = {
    stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}
# Compression methods GDAL's /vsizip/ reads (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED).
_ZIP_METHODS: Final = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
_ZIP_METHOD_NAMES: Final = {9: "Deflate64", zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA", 93: "Zstandard",
                            98: "PPMd", 99: "AES encryption"}
# Characters that a path may hold and still reach GDAL as itself through pyogrio.
_PLAIN_PATH: Final = re.compile(r"[^\x00-\x1f\x7f;?#:!%\\]+")


def kind_of(mode: int) -> str | None:
    """What a special file is ("a FIFO (named pipe)", …), or None for a regular file or folder."""
    return _KINDS.get(stat.S_IFMT(mode))


def require_readable(source: str, path: Path, *, member: str | None = None) -> os.stat_result:
    """``path``'s stat, or an AtlasError when it is missing, unreadable or a special file.

    ``member`` names the file within a layer (a shapefile's ``.prj``) in the message.
    """
    what = f"its member {member}" if member else None
    try:
        st = path.stat()
    except FileNotFoundError:
        raise AtlasError(source, f"{what} does not exist" if what else "does not exist") from None
    except OSError as err:
        raise AtlasError(source, f"{what or 'it'} cannot be read: {err.strerror or err}") from None
    kind = kind_of(st.st_mode)
    if kind is not None:
        subject = f"{what} is" if what else "is"
        raise AtlasError(source, f"{subject} {kind}, not a regular file; refusing to read it")
    return st


def folder_files(source: str, folder: Path, depth: int = 3) -> list[str]:
    """Everything but folders below ``folder`` (relative, sorted), at most ``depth`` levels down.

    Special files are listed too, so that a FIFO beside a shapefile is seen (and refused by
    :func:`require_readable`) before GDAL opens it. Symbolic links to folders are not followed;
    unreadable subfolders are skipped. More than :data:`geo.limits.FOLDER_FILES` entries is an
    error: the folder is not a shapefile's.
    """
    limit = int(FOLDER_FILES.value())
    found: list[str] = []
    seen = 0
    base = len(folder.parts)
    for root, dirs, files in os.walk(folder, onerror=lambda _err: None):
        here = Path(root)
        seen += len(dirs) + len(files)
        if seen > limit:
            raise AtlasError(source, f"folder holds more than {limit:,} files and folders to search for a "
                             f"shapefile; point at the .shp itself ({FOLDER_FILES.says()})")
        if len(here.parts) - base >= depth:
            dirs[:] = []
        found.extend(str((here / name).relative_to(folder)) for name in files)  # os.walk: no folders here
    return sorted(found)


def check_zip(source: str, archive: Path, infos: list[zipfile.ZipInfo], wanted: list[str] | None = None) -> None:
    """Refuse an archive whose members (``wanted`` ones, or all) are encrypted, compressed in a way
    GDAL cannot read, or unpack to more than the archive's budget."""
    chosen = [i for i in infos if wanted is None or i.filename in wanted]
    for info in chosen:
        if info.flag_bits & 0x1:
            raise AtlasError(source, f"member {info.filename!r} is encrypted; unzip it with its password "
                             "and give the files or a zip without a password")
        if info.compress_type not in _ZIP_METHODS:
            method = _ZIP_METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
            raise AtlasError(source, f"member {info.filename!r} is compressed with {method}, which cannot be "
                             "read; re-zip it with ordinary (deflate) compression")
    unpacked = sum(i.file_size for i in chosen)
    size = archive.stat().st_size
    if unpacked > unzip_budget(size):
        raise AtlasError(source, f"unpacks to {unpacked / 2**20:,.0f} MB from {size / 2**20:,.2f} MB, more than "
                         f"{UNZIP_RATIO.value():g} times its size: refusing a possible zip bomb "
                         f"({UNZIP_RATIO.says()})")


def zip_members(source: str, archive: Path, what: str) -> list[zipfile.ZipInfo]:
    """The members of a zip archive (a zipped shapefile, a KMZ), or an AtlasError naming ``what``."""
    if not zipfile.is_zipfile(archive):
        raise AtlasError(source, f"is not a valid {what}" + ("" if what == "zip archive" else " (not a zip archive)"))
    try:
        with zipfile.ZipFile(archive) as zf:
            return zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as err:
        raise AtlasError(source, f"is not a valid {what}: {err}") from None


def is_plain(path: str) -> bool:
    """Whether GDAL's readers get ``path`` as it is (no URI syntax, no control characters).

    >>> is_plain("/data/沙坪坝 parks.geojson"), is_plain("/data/a;b.geojson"), is_plain("http:x.json")
    (True, False, False)
    """
    return bool(_PLAIN_PATH.fullmatch(path)) and not path.startswith("/vsi")


@contextlib.contextmanager
def plain_paths(paths: dict[str, Path]) -> Iterator[dict[str, str]]:
    """GDAL-safe names for ``paths`` (name → path): each path itself when plain, else a symbolic
    link in a private temporary folder, named by its key. Sidecar files that must share a stem
    (a shapefile's .shp, .shx, .dbf, …) are given keys with one stem."""
    if all(is_plain(str(p)) for p in paths.values()):
        yield {key: str(p) for key, p in paths.items()}
        return
    with tempfile.TemporaryDirectory(prefix="chengyu-") as tmp:
        out = {}
        for key, p in paths.items():
            link = Path(tmp) / key
            link.symlink_to(p.resolve())
            out[key] = str(link)
        yield out


#: How much of a file's beginning is read to tell its format.
HEAD_BYTES: Final = 4096


def first_bytes(source: str, p: Path) -> bytes:
    """The first :data:`HEAD_BYTES` bytes of a file that is not empty, or an AtlasError."""
    if require_readable(source, p).st_size == 0:
        raise AtlasError(source, "is empty (0 bytes)")
    try:
        with open(p, "rb") as fh:
            return fh.read(HEAD_BYTES)
    except OSError as err:
        raise AtlasError(source, f"cannot be read: {err.strerror or err}") from None
