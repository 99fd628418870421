"""Resource limits on reading a user's file, each with the environment variable that raises it.

A small file can ask for a great deal: a WKT geometry nested 20,000 levels deep, a KML of 5,000
folders, a zip whose members unpack to a thousand times its size. Reading stops at these limits
with a message naming the limit and how to raise it, instead of crashing, hanging or filling the
memory. The command (``chengyu``) adds two budgets of its own around reading, time and memory
(:data:`READ_SECONDS`, :data:`READ_MEMORY`), which a library caller does not get.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Limit:
    """A limit: its default and the environment variable that overrides it.

    >>> NESTING.value() == NESTING.default or "CHENGYU_MAX_NESTING" in os.environ
    True
    >>> NESTING.says()
    'limit CHENGYU_MAX_NESTING=32; set that environment variable to raise it'
    """

    env: str
    default: float
    unit: str = ""

    def value(self) -> float:
        raw = os.environ.get(self.env, "").strip()
        try:
            value = float(raw) if raw else self.default
        except ValueError:
            return self.default
        return value if value > 0 else self.default

    def says(self) -> str:
        value = self.value()
        shown = f"{value:g}"
        return f"limit {self.env}={shown}{self.unit}; set that environment variable to raise it"


#: Levels of geometry collections inside one another in one geometry (WKT/WKB).
NESTING: Final = Limit("CHENGYU_MAX_NESTING", 32)
#: Layers (KML folders, GeoPackage tables) a file may have.
LAYERS: Final = Limit("CHENGYU_MAX_LAYERS", 200)
#: How much larger than the archive its members may unpack to (zip, KMZ), beyond a floor.
UNZIP_RATIO: Final = Limit("CHENGYU_MAX_UNZIP_RATIO", 50)
UNZIP_FLOOR_BYTES: Final = 64 * 2**20
#: Files a folder given as a layer may hold (it is searched for shapefiles).
FOLDER_FILES: Final = Limit("CHENGYU_MAX_FOLDER_FILES", 10_000)
#: Seconds a dask scheduler given by address has to answer.
SCHEDULER_SECONDS: Final = Limit("CHENGYU_SCHEDULER_SECONDS", 20, " s")
#: Seconds the command may spend reading one layer.
READ_SECONDS: Final = Limit("CHENGYU_READ_SECONDS", 300, " s")
#: Memory the command may use while reading, as a multiple of the file's size beyond a fixed part.
READ_MEMORY_PER_BYTE: Final = Limit("CHENGYU_READ_MEMORY_RATIO", 20)
READ_MEMORY_FIXED_MB: Final = Limit("CHENGYU_READ_MEMORY_MB", 500, " MB")


def unzip_budget(archive_bytes: int) -> int:
    """Bytes an archive of ``archive_bytes`` may unpack to.

    >>> unzip_budget(1_000_000) == max(UNZIP_RATIO.value() * 1_000_000, UNZIP_FLOOR_BYTES)
    True
    """
    return int(max(UNZIP_RATIO.value() * archive_bytes, UNZIP_FLOOR_BYTES))


def read_memory_budget(file_bytes: int) -> int:
    """Bytes of memory reading a file of ``file_bytes`` may take: 20 × its size + 500 MB by default."""
    return int(READ_MEMORY_PER_BYTE.value() * file_bytes + READ_MEMORY_FIXED_MB.value() * 2**20)


#: Rows a table of figures (CSV, XLSX sheet, Parquet) may have: a county-level table has hundreds.
TABLE_ROWS: Final = Limit("CHENGYU_MAX_TABLE_ROWS", 1_000_000)
