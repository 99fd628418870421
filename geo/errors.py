"""The one exception type users see: a problem with an input, said in one line."""

from __future__ import annotations

from os import PathLike


class AtlasError(Exception):
    """An input problem the user can fix; ``str(err)`` is one line naming the file.

    >>> str(AtlasError("parks.gpkg", "has 3 layers; pick one with --layer-name"))
    'parks.gpkg: has 3 layers; pick one with --layer-name'
    """

    def __init__(self, source: str | PathLike[str], problem: str) -> None:
        self.source = str(source)
        self.problem = " ".join(str(problem).split())  # always one line
        super().__init__(f"{self.source}: {self.problem}")

    def __reduce__(self) -> tuple[type[AtlasError], tuple[str, str]]:
        # picklable, so an error raised in a dask worker reaches the user as the same one line
        return (type(self), (self.source, self.problem))


class PlanError(AtlasError):
    """The plan-attribute file does not match its schema."""
