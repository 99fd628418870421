"""Splitting vectorised work over threads: every item once, in order, whatever the thread count."""

import numpy as np
import shapely
from hypothesis import given
from hypothesis import strategies as st

from chengyu.geo.threads import (
    available_threads,
    built_tree,
    chunks,
    prepared_copy,
    resolve_threads,
    run_chunked,
    thread_map,
)


@given(n=st.integers(0, 100_000), threads=st.integers(1, 16), min_chunk=st.integers(1, 50_000))
def test_chunks_cover_the_range_once_in_order(n, threads, min_chunk):
    parts = chunks(n, threads, min_chunk)
    covered = np.concatenate([np.arange(n)[p] for p in parts]) if parts else np.array([])
    assert covered.tolist() == list(range(n))
    assert all(p.stop > p.start for p in parts) or n == 0
    if threads == 1:
        assert len(parts) == 1


def test_run_chunked_keeps_the_order_of_the_results():
    values = np.arange(123_457, dtype=float)
    out = run_chunked(lambda part: values[part] * 2, len(values), threads=3)
    assert (out == values * 2).all()


def test_run_chunked_passes_errors_on():
    def fail(part):
        raise ValueError(f"bad chunk {part.start}")

    try:
        run_chunked(fail, 100_000, threads=2)
    except ValueError as error:
        assert "bad chunk" in str(error)
    else:
        raise AssertionError("the error was swallowed")


def test_available_threads_is_at_least_one():
    assert available_threads() >= 1


def test_prepared_copy_is_equal_new_and_prepared():
    geoms = shapely.box(np.arange(3.0), 0, np.arange(3.0) + 1, 1)
    copy = prepared_copy(geoms)
    assert shapely.equals(copy, geoms).all()
    assert not any(a is b for a, b in zip(copy, geoms, strict=True))
    assert shapely.is_prepared(copy).all() and not shapely.is_prepared(geoms).any()


def test_built_tree_answers_queries_from_threads():
    boxes = shapely.box(np.arange(20_000.0), 0, np.arange(20_000.0) + 1.5, 1)
    tree = built_tree(boxes)
    pairs = run_chunked(lambda part: tree.query(boxes[part])[1], len(boxes), threads=4)
    assert len(pairs) == len(tree.query(boxes)[1])


def test_thread_map_keeps_order_in_threads_and_alone():
    items = list(range(50))
    assert list(thread_map(lambda i: i * i, items, threads=4)) == [i * i for i in items]
    assert list(thread_map(lambda i: i * i, items, threads=1)) == [i * i for i in items]


def test_resolve_threads():
    assert resolve_threads(None) == available_threads()
    assert resolve_threads(0) == 1 and resolve_threads(3) == 3
