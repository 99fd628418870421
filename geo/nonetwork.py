"""Reading a file never talks to the network: GDAL's and PROJ's network access are switched off.

A file can ask for the network by itself: a GeoJSON ``"crs": {"type": "link", "properties":
{"href": URL}}`` makes GDAL fetch the URL while opening it (a server that never answers stalls
the read), and a CRS can name a grid that PROJ would download. Neither is wanted from a tool that
reads local files, so :func:`forbid_network` (called when :mod:`geo.layers` is imported) makes

- every HTTP request GDAL would make (``CPLHTTPFetch``: CRS links, remote CRS definitions) fail at
  once without a connection, through GDAL's public ``CPLHTTPSetFetchCallback`` hook — pyogrio has
  no Python call for it, so it is set with ctypes on the GDAL library pyogrio loaded;
- GDAL's ``/vsicurl/`` file system refuse every file (``CPL_VSIL_CURL_ALLOWED_EXTENSIONS``);
- PROJ's network (grid downloads) off.
"""

from __future__ import annotations

import ctypes
import os
import threading
from pathlib import Path
from typing import Final

import pyogrio
import pyproj

#: What a refused request reports (GDAL puts it in its own error message).
REFUSAL: Final = b"chengyu-atlas reads local files only: network access is disabled"

# CPLHTTPResult* callback(const char *url, CSLConstList options, GDALProgressFunc progress,
#                         void *progress_arg, CPLHTTPFetchWriteFunc write, void *write_arg, void *user)
_CALLBACK: Final = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p,
                                    ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
# CPLHTTPResult (cpl_http.h): int nStatus; char *pszContentType; char *pszErrBuf; ... Allocated
# by GDAL's own allocator (GDAL frees it); zero-filled and larger than the struct's 64 bytes.
_RESULT_SIZE: Final = 128
_ERRBUF_OFFSET: Final = ctypes.sizeof(ctypes.c_void_p) * 2  # after nStatus (padded) and pszContentType

_lock = threading.Lock()
_installed: list[object] = []  # the library and the callback, kept alive while GDAL may call it
_requests: list[str] = []  # URLs refused (for tests and messages)


def _gdal_library() -> ctypes.CDLL | None:
    """The GDAL library pyogrio uses: its wheel's bundled copy, else the one mapped in this process."""
    bundled = Path(pyogrio.__file__).parent.with_name("pyogrio.libs")
    candidates = sorted(bundled.glob("libgdal*.so*")) if bundled.is_dir() else []
    if not candidates:
        try:
            maps = Path("/proc/self/maps").read_text().splitlines()
        except OSError:
            maps = []
        candidates = sorted({Path(line.split()[-1]) for line in maps
                             if "/libgdal" in line and line.split()[-1].startswith("/")})
    for path in candidates:
        try:
            lib = ctypes.CDLL(str(path))
            lib.CPLHTTPSetFetchCallback  # noqa: B018 - the symbol must be there
            return lib
        except (OSError, AttributeError):
            continue
    return None


def _refuse_all(lib: ctypes.CDLL) -> object:
    lib.CPLCalloc.restype = ctypes.c_void_p
    lib.CPLCalloc.argtypes = [ctypes.c_size_t, ctypes.c_size_t]
    lib.CPLStrdup.restype = ctypes.c_void_p
    lib.CPLStrdup.argtypes = [ctypes.c_char_p]

    def refuse(url: bytes | None, *_: object) -> int:
        _requests.append((url or b"").decode("utf-8", "replace"))
        result = lib.CPLCalloc(1, _RESULT_SIZE)
        ctypes.c_int.from_address(result).value = 1  # a failed request (curl's "unsupported protocol")
        ctypes.c_void_p.from_address(result + _ERRBUF_OFFSET).value = lib.CPLStrdup(REFUSAL)
        return int(result)

    callback = _CALLBACK(refuse)
    lib.CPLHTTPSetFetchCallback.argtypes = [_CALLBACK, ctypes.c_void_p]
    lib.CPLHTTPSetFetchCallback(callback, None)
    return callback


def forbid_network() -> bool:
    """Switch GDAL's and PROJ's network access off for this process; True once GDAL's hook is set.

    Idempotent. Environment variables set by the user for GDAL are overridden only for the two
    options that would reach the network.

    >>> forbid_network()
    True
    """
    with _lock:
        if not _installed:
            pyproj.network.set_network_enabled(False)
            os.environ["PROJ_NETWORK"] = "OFF"  # for PROJ contexts made later (pyogrio's GDAL has its own)
            pyogrio.set_gdal_config_options({
                "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".chengyu-no-network",
                "GDAL_HTTP_MAX_RETRY": "0",
            })
            lib = _gdal_library()
            if lib is not None:
                _installed.extend([lib, _refuse_all(lib)])
        return bool(_installed)


def refused_requests() -> list[str]:
    """The URLs GDAL asked for in this process and was refused (oldest first)."""
    return list(_requests)
