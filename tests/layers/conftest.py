import pytest

from chengyu.geo.boundaries import load_districts


@pytest.fixture(scope="module")
def districts():
    """The bundled districts by code."""
    return load_districts().set_index("code")
