"""What the reading libraries raise on a broken file, and their messages fitted into one line.

GDAL (through pyogrio), pyarrow, geopandas, pandas and shapely each fail in their own exceptions and
words; the readers catch :data:`READ_ERRORS` and put :func:`library_message` into an
:class:`~geo.errors.AtlasError` of their own.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import pyarrow as pa
import pyogrio
import shapely

#: What pyogrio raises on a file GDAL cannot read.
PYOGRIO_ERRORS: Final = (
    pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError, pyogrio.errors.FeatureError, pyogrio.errors.CRSError,
)
#: What the readers (GDAL through pyogrio, pyarrow, geopandas, pandas, shapely) raise on a broken file.
READ_ERRORS: Final = (
    *PYOGRIO_ERRORS, pa.ArrowException, UnicodeDecodeError, ValueError, TypeError, KeyError,
    OSError, RuntimeError, shapely.errors.ShapelyError,
)

# How the readers say they ran out of memory: C++ (GDAL, GEOS), GDAL's own allocator, Arrow,
# and a failed wrap of a value into a Python object (Arrow, when Python's allocator fails).
_OUT_OF_MEMORY: Final = re.compile(r"bad_alloc|[Cc]annot allocate|[Oo]ut of memory|(re|m|c)alloc of size \d+ failed"
                                   r"|Unknown error: Wrapping")


def library_message(err: BaseException, *paths: str) -> str:
    """A library's error message, shortened: no file path, no GDAL advice, at most 200 chars.

    A library that ran out of memory says so in its own words ("std::bad_alloc", "realloc of
    size … failed"): that is no problem of the file, so MemoryError is raised instead.

    >>> library_message(RuntimeError("'/data/x.gpkg' not recognized as being in a supported file format"),
    ...                 "/data/x.gpkg")
    'GDAL does not recognise its content'
    >>> library_message(ValueError("cannot open '/data/x.gpkg': broken"), "/data/x.gpkg")
    'cannot open the file: broken'
    >>> library_message(RuntimeError("std::bad_alloc"))
    Traceback (most recent call last):
    MemoryError: std::bad_alloc
    """
    if isinstance(err, (MemoryError, pa.ArrowMemoryError)) or _OUT_OF_MEMORY.search(str(err)):
        raise MemoryError(str(err)[:200]) from None
    text = str(err).split("; It might help")[0]
    if "not recognized as being in a supported file format" in text:
        return "GDAL does not recognise its content"
    for path in sorted((q for q in paths if q), key=len, reverse=True):
        text = text.replace(f"'{path}'", "the file").replace(path, "the file")
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:197] + "..."


@contextmanager
def quiet() -> Iterator[None]:
    """GDAL's warnings (via pyogrio) are not for the user: problems become AtlasError or hints."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        yield
