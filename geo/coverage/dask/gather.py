"""Results of the dask engine's tasks back on the client: progress as they finish, and the readers'
errors said in one line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

import pyarrow as pa
import shapely

from chengyu.geo.coverage.dask.worker import RemoteAtlasError
from chengyu.geo.coverage.progress import Progress
from chengyu.geo.errors import AtlasError
from chengyu.geo.layers import PYOGRIO_ERRORS, library_message

__all__ = ["TaskTicker", "gather", "read_error"]

# How distributed sends an exception it cannot pickle: Exception(repr(err)) (distributed.core.error_message).
_WRAPPED: Final = re.compile(r"^(\w+)\((['\"])(.*)\2\)$", re.S)
# The readers' exceptions among those, by name.
_READ_ERROR_NAMES: Final = frozenset({*(e.__name__ for e in PYOGRIO_ERRORS), "ArrowException", "ArrowInvalid",
                                      "ArrowIOError", "OSError", "FileNotFoundError", "PermissionError",
                                      "GEOSException", "ShapelyError"})


class TaskTicker:
    """Progress over tasks whose number grows as the work is planned: ``callback(done, total)``."""

    def __init__(self, callback: Progress | None) -> None:
        self.callback, self.done, self.total = callback, 0, 0

    def add(self, n: int) -> None:
        """``n`` more tasks to wait for."""
        self.total += n
        if self.callback is not None:
            self.callback(self.done, self.total)

    def wait(self, futures: Sequence[Any]) -> None:
        """Tell the callback of each of ``futures`` as it finishes (returns at once without one)."""
        if self.callback is None:
            return
        from distributed import as_completed

        for _ in as_completed(futures):
            self.done += 1
            self.callback(self.done, self.total)


def gather(client: Any, futures: Sequence[Any], source: str, fmt: str | None = None) -> list[Any]:
    """Results in order; errors from reading the file become one-line AtlasErrors.

    The reading tasks are dask-geopandas' own, so their errors are GDAL's and Arrow's, as they
    come; a file the workers cannot open (on a cluster that does not see the client's disk) is
    said as such. Lost connections and workers are not the file's fault and are left as they are.
    """
    from distributed.comm import CommClosedError

    try:
        return list(client.gather(list(futures)))
    except RemoteAtlasError as err:
        raise AtlasError(*err.args) from None
    except CommClosedError:
        raise
    except (*PYOGRIO_ERRORS, pa.ArrowException, OSError, shapely.errors.ShapelyError) as err:
        raise read_error(err, source, fmt, "on the dask workers") from None
    except Exception as err:
        # distributed sends an exception it cannot pickle (pyogrio's carry GDAL's unpicklable
        # cause) as Exception(repr(err)): unwrap the readers' ones.
        wrapped = _WRAPPED.match(str(err)) if type(err) is Exception else None
        if wrapped is None or wrapped.group(1) not in _READ_ERROR_NAMES:
            raise
        raise read_error(RuntimeError(wrapped.group(3)), source, fmt, "on the dask workers") from None


def read_error(err: BaseException, source: str, fmt: str | None, where: str) -> AtlasError:
    """What a reader raised on ``source``, in one line: a file that cannot be opened ``where`` (here,
    on the dask workers) is said as such; anything else is the file not being valid ``fmt``."""
    if isinstance(err, (FileNotFoundError, PermissionError)) or "No such file or directory" in str(err):
        return AtlasError(source, f"cannot be opened {where}: {library_message(err, source)}")
    what = f"is not valid {fmt}" if fmt else "cannot be read"
    return AtlasError(source, f"{what}: {library_message(err, source)}")
