"""Sums and groups by an integer index (a zone's, a tile's), vectorised."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["by_zone", "sum_by"]


def sum_by(index: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Sum of ``weights`` per ``index`` in 0..n-1, always float64 (``np.bincount`` of nothing is int).

    >>> sum_by(np.array([2, 0, 2]), np.array([1.5, 1.0, 2.0]), 4).tolist()
    [1.0, 0.0, 3.5, 0.0]
    """
    return np.bincount(index, weights=weights, minlength=n).astype(np.float64, copy=False)


def by_zone(members: np.ndarray, zone_of: np.ndarray, n_zones: int) -> Iterator[tuple[int, np.ndarray]]:
    """Every zone index in order, with the members paired with it (in their original order).

    >>> [(j, m.tolist()) for j, m in by_zone(np.array([10, 11, 12]), np.array([1, 0, 1]), 3)]
    [(0, [11]), (1, [10, 12]), (2, [])]
    """
    order = np.argsort(zone_of, kind="stable")
    members, zone_of = members[order], zone_of[order]
    bounds = np.searchsorted(zone_of, np.arange(n_zones + 1))
    for j in range(n_zones):
        yield j, members[bounds[j]:bounds[j + 1]]
