"""Report images: a map as a print-quality PNG, SVG or PDF, drawn by matplotlib without a browser.

A :class:`Sheet` is the page (A4 landscape at 300 dpi unless asked otherwise); :func:`draw_sheet` puts
the layers (already projected for print by :func:`geo.display.for_print`, in metres), a title, a
legend, a scale bar, a north arrow and a source line on it and writes the file. Layers are styled
with the same Leaflet path options the HTML maps use (``color``, ``weight``, ``fillColor``,
``fillOpacity``, ``dashArray``, ``fill``), so a picture and its interactive map look alike.

Chinese names need a font that has them: :func:`cjk_font` finds Noto Sans CJK (Debian's
``fonts-noto-cjk``) or takes the path of another. Builds are byte-identical: no dates in the files,
a fixed SVG id salt.

>>> Sheet().size_in
(11.69, 8.27)
"""

from __future__ import annotations

import math
import os
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd

from chengyu.geo.errors import AtlasError

__all__ = ["A4_LANDSCAPE", "FORMATS", "LegendEntry", "Sheet", "SheetLayer", "cjk_font", "draw_sheet", "image_format"]

FORMATS: Final = ("png", "svg", "pdf")
#: Where the font of Chinese names is looked for, first to last, when none is named.
CJK_FONTS: Final = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch, Fedora
    "/System/Library/Fonts/PingFang.ttc",  # macOS
    "C:/Windows/Fonts/msyh.ttc",  # Windows: Microsoft YaHei
)
FONT_ENV: Final = "CHENGYU_CJK_FONT"
_PX_PT: Final = 0.75  # a Leaflet pixel (1/96 in) in points (1/72 in): line widths and dashes
_MM_IN: Final = 1 / 25.4


@dataclass(frozen=True)
class Sheet:
    """The page: size in millimetres and resolution (PNG only; SVG and PDF are vector)."""

    width_mm: float = 297.0
    height_mm: float = 210.0
    dpi: int = 300

    @property
    def size_in(self) -> tuple[float, float]:
        return round(self.width_mm * _MM_IN, 2), round(self.height_mm * _MM_IN, 2)


#: The default page: A4 landscape at 300 dpi.
A4_LANDSCAPE: Final = Sheet()


@dataclass(frozen=True)
class SheetLayer:
    """Units to draw: a frame in a metric print CRS, Leaflet-style ``look``, optional ``fills`` per row."""

    frame: gpd.GeoDataFrame
    look: Mapping[str, Any]
    fills: Sequence[str] | None = None


@dataclass(frozen=True)
class LegendEntry:
    """One line of the legend: a swatch drawn with ``look`` and its ``label``."""

    label: str
    look: Mapping[str, Any]


def cjk_font(path: str | os.PathLike[str] | None = None) -> str:
    """The family name of a font with Chinese characters, registered with matplotlib.

    ``path`` (or the ``CHENGYU_CJK_FONT`` environment variable) names a font file; otherwise the usual
    places of Noto Sans CJK, PingFang and Microsoft YaHei are tried.
    """
    from matplotlib import font_manager, ft2font

    named = path or os.environ.get(FONT_ENV)
    candidates = [Path(named)] if named else [Path(p) for p in CJK_FONTS]
    for candidate in candidates:
        if not candidate.is_file():
            continue
        try:
            font_manager.fontManager.addfont(str(candidate))
            face = ft2font.FT2Font(str(candidate))
        except (OSError, RuntimeError, ValueError) as err:
            raise AtlasError(candidate, f"is not a font matplotlib can read ({err})") from None
        if not face.get_char_index(ord("沙")):
            raise AtlasError(candidate, "has no Chinese characters; name a CJK font such as Noto Sans CJK")
        return face.family_name
    if named:
        raise AtlasError(named, "no such font file")
    raise AtlasError("<font>", "no font with Chinese characters found: install Debian's fonts-noto-cjk "
                               f"(apt-get install fonts-noto-cjk), or name a font file with font= or {FONT_ENV}")


def image_format(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """``fmt``, or the format ``path``'s suffix names: one of :data:`FORMATS`, or an AtlasError.

    >>> image_format("map.PDF"), image_format("map.tmp", "svg")
    ('pdf', 'svg')
    """
    kind = (fmt or Path(path).suffix.lstrip(".")).lower()
    if kind not in FORMATS:
        raise AtlasError(path, f"cannot tell the image format: use a .png, .svg or .pdf name, or fmt= one of "
                               f"{', '.join(FORMATS)}")
    return kind


def draw_sheet(path: str | os.PathLike[str], layers: Sequence[SheetLayer], *, title: str, legend_title: str,
               legend: Sequence[LegendEntry], source: str, view: Sequence[float] | None = None,
               sheet: Sheet = A4_LANDSCAPE, fmt: str | None = None, font: str | os.PathLike[str] | None = None) -> None:
    """Draw ``layers`` with their furniture on ``sheet`` and write it to ``path`` as ``fmt`` (else its suffix).

    ``view``: the bounds (in the layers' CRS) the map is fitted to, widened to the map's shape; by
    default all the layers'.
    """
    kind = image_format(path, fmt)
    family = cjk_font(font)
    with _quiet_matplotlib(family):
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=sheet.size_in, dpi=sheet.dpi)
        try:
            ax = fig.add_axes((0.03, 0.09, 0.68, 0.80))
            for layer in layers:
                _draw_layer(ax, layer)
            _frame_view(ax, _bounds(layers) if view is None else view)
            _scale_bar(ax)
            _north_arrow(ax)
            fig.text(0.03, 0.93, title, fontsize=17, weight="bold", va="bottom")
            _legend(fig, ax, legend_title, legend)
            fig.text(0.03, 0.03, source, fontsize=7, color="#444444", va="bottom", wrap=True)
            fig.savefig(path, format=kind, dpi=sheet.dpi, metadata=_NO_DATES[kind])
        finally:
            plt.close(fig)


# File metadata that would differ between builds (dates, versions): left out.
_NO_DATES: Final[dict[str, dict[str, Any]]] = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
}


@contextmanager
def _quiet_matplotlib(family: str) -> Iterator[None]:
    """matplotlib on its file-only backend, with our font and settings for this drawing only."""
    import matplotlib

    matplotlib.use("agg", force=False)
    settings: dict[Any, Any] = {  # matplotlib types the keys as a Literal of every setting's name
        "font.family": [family], "font.size": 9, "svg.fonttype": "none", "svg.hashsalt": "chengyu-atlas",
        "pdf.fonttype": 3, "lines.scale_dashes": False, "axes.unicode_minus": False,
    }
    with matplotlib.rc_context(settings):
        yield


def _dashes(look: Mapping[str, Any]) -> Any:
    dash = look.get("dashArray")
    if not dash:
        return "solid"
    return (0, tuple(float(v) * _PX_PT for v in str(dash).replace(",", " ").split()))


def _colours(look: Mapping[str, Any], count: int, fills: Sequence[str] | None) -> tuple[Any, Any]:
    """Face and edge colours of ``count`` units as matplotlib takes them (RGBA, opacity applied)."""
    from matplotlib.colors import to_rgba

    edge = to_rgba(look.get("color", "#3388ff"), float(look.get("opacity", 1.0)))
    if look.get("fill", True) is False:
        return "none", edge
    opacity = float(look.get("fillOpacity", 0.2))
    base = look.get("fillColor", look.get("color", "#3388ff"))
    faces = [to_rgba(c, opacity) for c in fills] if fills is not None else [to_rgba(base, opacity)] * count
    return faces, edge


def _draw_layer(ax: Any, layer: SheetLayer) -> None:
    if layer.frame.empty:
        return
    faces, edge = _colours(layer.look, len(layer.frame), layer.fills)
    width = float(layer.look.get("weight", 3)) * _PX_PT
    layer.frame.plot(ax=ax, facecolor=faces, edgecolor=edge, linewidth=width, linestyle=_dashes(layer.look),
                     hatch=layer.look.get("hatch"))


def _bounds(layers: Sequence[SheetLayer]) -> tuple[float, float, float, float]:
    boxes = [layer.frame.total_bounds for layer in layers if not layer.frame.empty]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _frame_view(ax: Any, view: Sequence[float]) -> None:
    """Fit the view to ``view``'s bounds, metres both ways, widened to the axes' own shape."""
    minx, miny, maxx, maxy = view
    width, height = (maxx - minx) * 1.08, (maxy - miny) * 1.08
    box = ax.get_window_extent()
    shape = box.width / box.height
    width, height = max(width, height * shape), max(height, width / shape)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    ax.set_xlim(cx - width / 2, cx + width / 2)
    ax.set_ylim(cy - height / 2, cy + height / 2)
    ax.set_aspect("equal")
    ax.set_axis_off()


def nice_length(span_m: float) -> float:
    """The scale bar's length: a round 1, 2 or 5 × 10ⁿ metres near a fifth of ``span_m``.

    >>> nice_length(93_000), nice_length(640_000), nice_length(2_400)
    (10000.0, 100000.0, 200.0)
    """
    target = span_m / 5
    power = 10 ** math.floor(math.log10(target))
    return float(max(step * power for step in (1, 2, 5) if step * power <= target))


def _scale_bar(ax: Any) -> None:
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    x0, x1 = ax.get_xlim()
    length = nice_length(x1 - x0)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    bar = AnchoredSizeBar(ax.transData, length, label, "lower left", pad=0.4, borderpad=0.8, sep=3,
                          size_vertical=0.006 * (x1 - x0), color="#222222", frameon=True, fontproperties={"size": 7})
    bar.patch.set(facecolor="white", alpha=0.85, edgecolor="none")
    ax.add_artist(bar)


def _north_arrow(ax: Any) -> None:
    ax.annotate("N", xy=(0.96, 0.97), xytext=(0.96, 0.87), xycoords="axes fraction", ha="center", va="top",
                fontsize=11, weight="bold", zorder=10,
                bbox={"boxstyle": "circle,pad=0.15", "fc": "white", "ec": "none"},
                arrowprops={"arrowstyle": "-|>", "color": "#222222", "linewidth": 1.2})


def wrapped(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns (a Chinese character takes two), broken at spaces
    where there are any and anywhere in Chinese, which has none.

    >>> wrapped("Host districts by gdp per km² (quantiles, 5 classes)", 30)
    ['Host districts by gdp per km²', '(quantiles, 5 classes)']
    >>> wrapped("承载区：国内生产总值（每平方公里）（分位数，5 级）", 20)
    ['承载区：国内生产总值', '（每平方公里）（分位', '数，5 级）']
    """
    lines: list[str] = []
    line, used, last_space = "", 0, -1
    for char in text:
        wide = 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used + wide > width and line:
            if last_space > 0 and not char.isspace() and wide == 1:  # move the last word down
                lines.append(line[:last_space])
                line = line[last_space + 1:]
            else:
                lines.append(line.rstrip())
                line = ""
            used, last_space = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line), -1
        if char == " " and not line:
            continue
        if char == " ":
            last_space = len(line)
        line += char
        used += wide
    return [*lines, line] if line else lines


def _legend(fig: Any, ax: Any, title: str, entries: Sequence[LegendEntry]) -> None:
    from matplotlib.patches import Patch

    handles = []
    for entry in entries:
        faces, edge = _colours(entry.look, 1, None)
        handles.append(Patch(facecolor=faces if faces == "none" else faces[0], edgecolor=edge,
                             linewidth=float(entry.look.get("weight", 1)) * _PX_PT,
                             linestyle=_dashes(entry.look), hatch=entry.look.get("hatch"), label=entry.label))
    fig.legend(handles=handles, title="\n".join(wrapped(title, 40)), loc="upper left",
               bbox_to_anchor=(0.73, 0.89), frameon=False,
               fontsize=8, title_fontsize=9, alignment="left", handlelength=1.6, handleheight=1.1)
