"""Colours a reader can tell apart: CIEDE2000 distances, colour-vision simulation, neighbour-aware palettes.

A legend can only be read back onto a map when units that touch never get colours the eye confuses.
:func:`assign_colours` gives each unit (a city, a district) its own colour from a palette so that
neighbours stay apart in CIEDE2000 (20 by default) with normal vision, and (10) with deuteranopia,
the most common deficiency, simulated by :func:`deuteranopia` — as the colours are seen, laid
translucent over a light map (:class:`Legibility`).

>>> round(delta_e("#E69F00", "#0072B2"), 1)
55.3
>>> assign_colours({"a": {"b"}, "b": {"a"}}, ["#E69F00", "#F0A000", "#0072B2"])
{'a': '#E69F00', 'b': '#0072B2'}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt

__all__ = ["Legibility", "assign_colours", "ciede2000", "delta_e", "deuteranopia", "lab", "legibility_of", "over"]

Key = TypeVar("Key", bound=Hashable)

# sRGB (D65) to CIE XYZ, and the D65 white point
_RGB_TO_XYZ: Final = np.array([[0.4124564, 0.3575761, 0.1804375],
                               [0.2126729, 0.7151522, 0.0721750],
                               [0.0193339, 0.1191920, 0.9503041]])
_WHITE: Final = np.array([0.95047, 1.0, 1.08883])
# Machado, Oliveira & Fernandes (2009), deuteranopia at severity 1.0, on linear RGB
_DEUTERANOPIA: Final = np.array([[0.367322, 0.860646, -0.227968],
                                 [0.280085, 0.672501, 0.047413],
                                 [-0.011820, 0.042940, 0.968881]])


def _linear(hex_colour: str) -> npt.NDArray[np.float64]:
    text = hex_colour.lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    srgb = np.array([int(text[i:i + 2], 16) / 255 for i in (0, 2, 4)])
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _hex(linear: npt.NDArray[np.float64]) -> str:
    linear = np.clip(linear, 0, 1)
    srgb = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    return "#" + "".join(f"{round(float(v) * 255):02X}" for v in srgb)


@cache  # a palette's few colours are compared many times over
def lab(hex_colour: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB colour such as ``"#0072B2"``.

    >>> [round(v, 1) + 0.0 for v in lab("#ffffff")]
    [100.0, 0.0, 0.0]
    """
    xyz = _RGB_TO_XYZ @ _linear(hex_colour) / _WHITE
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return float(116 * f[1] - 16), float(500 * (f[0] - f[1])), float(200 * (f[1] - f[2]))


@cache
def deuteranopia(hex_colour: str) -> str:
    """How ``hex_colour`` looks to a reader with deuteranopia (Machado et al. 2009).

    >>> deuteranopia("#ff0000"), deuteranopia("#0000ff")
    ('#A39000', '#003DFB')
    """
    return _hex(_DEUTERANOPIA @ _linear(hex_colour))


def delta_e(first: str, second: str) -> float:
    """The CIEDE2000 colour difference of two sRGB colours (about 2: just noticeable; 20: clearly apart)."""
    return ciede2000(lab(first), lab(second))


def ciede2000(lab1: Sequence[float], lab2: Sequence[float]) -> float:
    """CIEDE2000 between two L*a*b* colours (Sharma, Wu & Dalal 2005, with kL = kC = kH = 1).

    >>> round(ciede2000((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485)), 4)   # their test pair 1
    2.0425
    """
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7)))
    a1, a2 = a1 * (1 + g), a2 * (1 + g)
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    h1, h2 = (math.degrees(math.atan2(b, a)) % 360 if (a or b) else 0.0 for a, b in ((a1, b1), (a2, b2)))
    dl, dc = l2 - l1, c2 - c1
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    dh_big = 2 * math.sqrt(c1 * c2) * math.sin(math.radians(dh) / 2)
    l_mean, c_bar = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        h_mean = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_mean = (h1 + h2) / 2
    else:
        h_mean = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_mean - 30)) + 0.24 * math.cos(math.radians(2 * h_mean))
         + 0.32 * math.cos(math.radians(3 * h_mean + 6)) - 0.20 * math.cos(math.radians(4 * h_mean - 63)))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c, s_h = 1 + 0.045 * c_bar, 1 + 0.015 * c_bar * t
    r_t = (-2 * math.sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7))
           * math.sin(math.radians(60 * math.exp(-(((h_mean - 275) / 25) ** 2)))))
    return math.sqrt((dl / s_l) ** 2 + (dc / s_c) ** 2 + (dh_big / s_h) ** 2 + r_t * (dc / s_c) * (dh_big / s_h))


@cache
def over(colour: str, opacity: float, ground: str = "#ffffff") -> str:
    """``colour`` laid with ``opacity`` over ``ground``: what a reader sees of a translucent fill.

    >>> over("#0072B2", 0.5)
    '#80B8D8'
    """
    mixed = [opacity * int(colour.lstrip("#")[i:i + 2], 16) + (1 - opacity) * int(ground.lstrip("#")[i:i + 2], 16)
             for i in (0, 2, 4)]
    return "#" + "".join(f"{round(v):02X}" for v in mixed)


@dataclass(frozen=True)
class Legibility:
    """Smallest CIEDE2000 asked between neighbours' colours, as seen (normal vision and deuteranopia)."""

    normal: float = 20.0
    deuteranope: float = 10.0
    opacity: float = 1.0  # colours are seen laid with this opacity over white

    def seen(self, colour: str) -> str:
        return over(colour, self.opacity) if self.opacity < 1 else colour

    def margin(self, first: str, second: str) -> float:
        """How far apart two colours look, as a share of what is asked (1 or more: legible)."""
        a, b = self.seen(first), self.seen(second)
        return min(delta_e(a, b) / self.normal, delta_e(deuteranopia(a), deuteranopia(b)) / self.deuteranope)


def assign_colours(neighbours: Mapping[Key, Iterable[Key]], palette: Sequence[str],
                   legibility: Legibility = Legibility()) -> dict[Key, str]:
    """A colour of ``palette`` for every key of ``neighbours``, each used once, neighbours told apart.

    Greedy graph colouring, most-constrained key first (DSatur order: most coloured neighbours, then
    most neighbours), each key taking the unused colour that looks farthest from its coloured
    neighbours; then pairs of keys swap colours while that widens the closest pair of neighbours.
    Raises ValueError when the palette is too short or neighbours stay closer than ``legibility`` asks.
    """
    keys = list(neighbours)
    if len(palette) < len(keys):
        raise ValueError(f"{len(keys)} units need {len(keys)} colours; the palette has {len(palette)}")
    near = {k: {n for n in neighbours[k] if n != k} for k in keys}
    margins = {(a, b): legibility.margin(a, b) for a in palette for b in palette}  # worked out once

    def margin(a: str, b: str) -> float:
        return margins[a, b]

    chosen: dict[Key, str] = {}
    while len(chosen) < len(keys):
        key = max((k for k in keys if k not in chosen),
                  key=lambda k: (sum(n in chosen for n in near[k]), len(near[k]), -keys.index(k)))
        free = [c for c in palette if c not in chosen.values()]
        placed = [chosen[n] for n in near[key] if n in chosen]
        chosen[key] = max(free, key=lambda c: min((margin(c, p) for p in placed), default=math.inf))
    chosen = _widen(near, chosen, margin)
    worst = _closest(near, chosen, margin)
    if worst < 1:
        raise ValueError(f"neighbours end up at {worst:.0%} of the asked distance ({legibility}): "
                         "give a palette of more distinct colours or a higher opacity")
    return {k: chosen[k] for k in keys}


def _closest(neighbours: Mapping[Key, Iterable[Key]], colours: Mapping[Key, str],
             margin: Callable[[str, str], float]) -> float:
    """The smallest ``margin`` between two neighbours' colours."""
    return min((margin(colours[a], colours[b]) for a in neighbours for b in neighbours[a] if a != b),
               default=math.inf)


def _widen(near: Mapping[Key, set[Key]], chosen: dict[Key, str],
           margin: Callable[[str, str], float]) -> dict[Key, str]:
    """Swap the colours of two keys while that widens the closest pair of neighbours."""
    best = _closest(near, chosen, margin)
    improved = True
    while improved:
        improved = False
        for a, b in combinations(list(chosen), 2):
            trial = {**chosen, a: chosen[b], b: chosen[a]}
            score = _closest(near, trial, margin)
            if score > best + 1e-9:
                chosen, best, improved = trial, score, True
    return chosen


def legibility_of(neighbours: Mapping[Key, Iterable[Key]], colours: Mapping[Key, str],
                  legibility: Legibility = Legibility()) -> float:
    """The closest pair of neighbours' colours as a share of what ``legibility`` asks (1 or more: legible)."""
    return _closest(neighbours, colours, legibility.margin)
