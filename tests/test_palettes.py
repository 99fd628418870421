"""Neighbours on the built maps have colours every reader tells apart (issue 16.2), measured on the
designs' own fills as they are seen: laid at the layer's opacity over white."""

import pytest

from chengyu.geo.adjacency import neighbours
from chengyu.maps.colours import delta_e, deuteranopia, over
from chengyu.maps.economic_circle import economic_circle_design
from chengyu.maps.palettes import QUALITATIVE, unit_colours
from chengyu.maps.science_city import science_city_design


def seen_pairs(layer):
    """(colour a, colour b) as seen, for every two units of ``layer`` that share a border."""
    frame = layer.frame.reset_index(drop=True)
    fills = dict(zip(frame["code"], layer.fills, strict=True))
    opacity = float(layer.look["fillOpacity"])
    graph = neighbours(frame, "code")
    return [(over(fills[a], opacity), over(fills[b], opacity)) for a in graph for b in graph[a]
            if fills[a] != fills[b]]


@pytest.mark.parametrize(("design", "layer_name"), [(science_city_design, "Science City host districts"),
                                                     (economic_circle_design, "Members")])
def test_neighbouring_units_are_apart_for_every_reader(design, layer_name):
    layer = next(layer for layer in design().layers if layer.name.en == layer_name)
    pairs = seen_pairs(layer)
    assert len(pairs) >= 5
    assert min(delta_e(a, b) for a, b in pairs) >= 20
    assert min(delta_e(deuteranopia(a), deuteranopia(b)) for a, b in pairs) >= 10


def test_every_city_has_a_colour_of_its_own_and_the_legend_matches():
    design = economic_circle_design()
    members = next(layer for layer in design.layers if layer.name.en == "Members")
    by_city = dict(zip(members.frame["member_city_code"], members.fills, strict=True))
    assert len(set(by_city.values())) == len(by_city) == 16
    assert set(by_city.values()) <= set(QUALITATIVE)
    legend = {item.style["fillColor"] for item in design.legend[:16]}
    assert legend == set(by_city.values())


def test_the_colours_do_not_change_between_builds():
    first, second = (unit_colours(economic_circle_design().layers[3].frame, "member_city_code", opacity=0.6)
                     for _ in range(2))
    assert first == second
