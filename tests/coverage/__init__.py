"""Tests of :mod:`chengyu.geo.coverage`, a file per module of it (:mod:`tests.coverage.helpers`: what they share)."""

import pytest

pytest.register_assert_rewrite("tests.coverage.helpers")  # its asserts explain a failure as a test's do
