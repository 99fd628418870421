"""maps.colours: CIEDE2000 against its published test data, colour-vision simulation, neighbour-aware palettes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chengyu.maps.colours import Legibility, assign_colours, ciede2000, delta_e, deuteranopia, legibility_of, over

# Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula", table 1 (a sample of its 34 pairs)
SHARMA = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, 2.8361, -74.0200), (50.0, 0.0, -82.7485), 3.4412),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]
HEX = st.integers(0, 0xFFFFFF).map(lambda v: f"#{v:06X}")


@pytest.mark.parametrize(("lab1", "lab2", "expected"), SHARMA)
def test_ciede2000_matches_the_published_pairs(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


@given(HEX, HEX)
def test_delta_e_is_a_symmetric_difference(a, b):
    assert delta_e(a, a) == pytest.approx(0, abs=1e-9)
    assert delta_e(a, b) == pytest.approx(delta_e(b, a), abs=1e-9)
    assert delta_e(a, b) >= 0


def test_deuteranopia_keeps_greys_and_merges_red_with_green():
    for grey in ("#000000", "#777777", "#FFFFFF"):
        assert delta_e(deuteranopia(grey), grey) < 1
    assert delta_e("#D62728", "#2CA02C") > 60  # tab10's red and green: far apart for most readers
    assert delta_e(deuteranopia("#D62728"), deuteranopia("#2CA02C")) < 15  # nearly one colour to a deuteranope


def test_translucent_colours_are_seen_paler():
    assert over("#000000", 0.25) == "#BFBFBF"
    assert over("#0072B2", 1.0) == "#0072B2"


def test_neighbours_get_colours_apart_and_every_colour_once():
    ring = {i: {(i - 1) % 6, (i + 1) % 6} for i in range(6)}
    palette = ["#E69F00", "#F0A800", "#56B4E9", "#66BBEE", "#009E73", "#10A070", "#0072B2", "#D55E00", "#CC79A7"]
    colours = assign_colours(ring, palette)
    assert len(set(colours.values())) == 6
    assert legibility_of(ring, colours) >= 1
    assert all(delta_e(colours[a], colours[b]) >= 20 for a in ring for b in ring[a])


def test_a_palette_that_cannot_do_it_says_so():
    pair = {"a": {"b"}, "b": {"a"}}
    with pytest.raises(ValueError, match="palette has 1"):
        assign_colours(pair, ["#E69F00"])
    with pytest.raises(ValueError, match="more distinct colours"):
        assign_colours(pair, ["#E69F00", "#E8A000"])
    with pytest.raises(ValueError, match="more distinct colours"):  # apart when solid, not at 10% over white
        assign_colours(pair, ["#E69F00", "#0072B2"], Legibility(opacity=0.1))
