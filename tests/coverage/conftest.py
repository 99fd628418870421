"""The zones the coverage tests measure against."""

import pytest

from chengyu.geo.zones import zones


@pytest.fixture(scope="module")
def sc():
    return zones("science-city")


@pytest.fixture(scope="module")
def districts():
    return zones("districts")

