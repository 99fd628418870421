"""Progress of a measurement, reported in units of work as they are done."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Progress", "Ticker"]

#: ``progress(done, total)``: called with ``done`` = 0 first and ``done`` = ``total`` last.
Progress = Callable[[int, int], None]


class Ticker:
    """Counts units of work done out of ``total`` and tells ``callback`` (when there is one).

    >>> calls = []
    >>> ticker = Ticker(lambda done, total: calls.append(done), 3)
    >>> ticker.tick(); ticker.finish(); calls
    [0, 1, 3]
    """

    def __init__(self, callback: Progress | None, total: int) -> None:
        self.callback, self.total, self.done = callback, total, 0
        if callback is not None:
            callback(0, total)

    def tick(self, n: int = 1) -> None:
        """``n`` more units done (never reported beyond ``total``)."""
        self.done += n
        if self.callback is not None and n:
            self.callback(min(self.done, self.total), self.total)

    def finish(self) -> None:
        """All done: the rest of the units at once."""
        if self.done < self.total:
            self.tick(self.total - self.done)
