"""The CRS a GeoJSON file declares, checked before GDAL opens it.

GDAL reads a GeoJSON ``"crs"`` member itself, and when it cannot make sense of it (``EPSG:99999``,
a URL, a local path) it silently uses WGS-84; a ``"link"`` CRS it would even download. So the
members are looked at first: a declaration pyproj cannot resolve locally, a link, or a type of
CRS member that does not exist is an error naming it, and GDAL only ever sees files whose CRS
members are fine.

The file is scanned for ``"crs": {`` with a regular expression over a memory map (no parse of the
whole file); each distinct object found is decoded on its own.
"""

from __future__ import annotations

import json
import mmap
import re
from pathlib import Path
from typing import Any, Final

import pyproj
from pyproj.exceptions import CRSError

from chengyu.geo.errors import AtlasError

_MEMBER: Final = re.compile(rb'"crs"\s*:\s*\{')
_MAX_OBJECT: Final = 65_536  # bytes one CRS object may take
_MAX_DISTINCT: Final = 16  # distinct CRS objects checked (feature-level ones repeat)
# What a GeoJSON CRS name may look like: an authority and a code, an OGC URN or an OGC URL. Anything
# else (a path, a PROJ string with +init=) is refused before pyproj could open a file for it.
_NAME: Final = re.compile(r"(?i)[a-z][a-z0-9_]*:[a-z0-9_.]+|urn:ogc:def:crs:[a-z0-9_.:]+"
                          r"|https?://www\.opengis\.net/def/crs/[a-z0-9_.]+/[a-z0-9_.]+/[a-z0-9_.]+")


def declared_names(source: str, path: Path) -> list[str]:
    """The CRS names a GeoJSON file declares (``"name"`` and old ``"EPSG"`` members), checked.

    Raises AtlasError for a ``"link"`` CRS (never followed), an unknown member type, or a name
    pyproj does not know.
    """
    seen: set[bytes] = set()
    names: list[str] = []
    with open(path, "rb") as fh:
        if fh.seek(0, 2) == 0:
            return names
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            for match in _MEMBER.finditer(data):
                start = match.end() - 1
                chunk = bytes(data[start:start + _MAX_OBJECT])
                try:
                    obj, used = json.JSONDecoder().raw_decode(chunk.decode("utf-8", "replace"))
                except json.JSONDecodeError:
                    continue  # not JSON here (inside a string, say): GDAL judges the file
                key = chunk[:used]
                if key in seen:
                    continue
                seen.add(key)
                names.append(_checked(source, obj))
                if len(seen) >= _MAX_DISTINCT:
                    break
    return names


def _checked(source: str, obj: Any) -> str:
    kind = str(obj.get("type", "")) if isinstance(obj, dict) else ""
    props = obj.get("properties") if isinstance(obj, dict) else None
    props = props if isinstance(props, dict) else {}
    if kind.lower() == "link":
        raise AtlasError(source, f"declares its CRS by a link ({str(props.get('href', ''))!r}), which is not "
                         "followed: reading never uses the network; replace the \"crs\" member with a name "
                         "such as EPSG:4326, or remove it and pass crs=")
    if kind.lower() == "name":
        name = str(props.get("name", ""))
    elif kind.lower() == "epsg":
        name = f"EPSG:{props.get('code', '')}"
    else:
        raise AtlasError(source, f"has a \"crs\" member of unknown type {kind!r}; GeoJSON knows \"name\" "
                         "(and the old \"link\" and \"EPSG\"); remove it and pass crs=")
    try:
        if not _NAME.fullmatch(name):
            raise CRSError(name)
        pyproj.CRS.from_user_input(name)
    except CRSError:
        raise AtlasError(source, f"declares the CRS {name!r}, which is not a CRS pyproj knows; fix the "
                         "file's \"crs\" member, or remove it and pass crs=") from None
    return name
