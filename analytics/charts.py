"""Charts for the HR pages, drawn on the server with matplotlib.

Each function returns a `Chart`: in a template `{{ chart }}` renders an ``<img>`` whose source is
the SVG as a ``data:`` URI (the Content-Security-Policy allows ``img-src data:``; an SVG inside an
``<img>`` runs no script and needs no inline style on the page), with ``alt`` text that says what
the chart shows. Every chart on a page is also given as a table with the same numbers next to it,
so the figures can be read without the picture. `Chart.png()` gives the same picture for PDFs.

The figure API (`matplotlib.figure.Figure`) is used, never `pyplot`: it keeps no global state, so
it is safe in threaded servers and Celery workers. Colours are the Okabe–Ito palette, which
colour-blind readers can tell apart.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import math
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext
from markupsafe import Markup
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

#: Okabe–Ito, without black and yellow (too light on white)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
#: a sequential blue scale for heatmaps (light to dark)
HEAT = "Blues"

_RC = {
    "svg.fonttype": "none",  # text stays text: smaller, selectable, and scales with the page
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#6b7280",
    "axes.labelcolor": "#374151",
    "xtick.color": "#374151",
    "ytick.color": "#374151",
    "axes.grid": True,
    "grid.color": "#e5e7eb",
    "grid.linewidth": 0.8,
    "legend.frameon": False,
    "svg.hashsalt": "fasthold",  # stable ids: the same data gives the same SVG
    "axes.axisbelow": True,  # grid lines behind bars, not across them
}


#: rendered SVGs by the chart's inputs: the same figures draw the same picture, and drawing is
#: most of an HR page's time (about 0.15–0.4 s a chart); bounded, so memory stays flat
_SVG_CACHE: OrderedDict[str, bytes] = OrderedDict()
_SVG_CACHE_SIZE = 128
#: the same for the PNGs of PDF exports, by inputs and resolution
_PNG_CACHE: OrderedDict[tuple[str, int], bytes] = OrderedDict()
_PNG_CACHE_SIZE = 64


def _recall(cache: OrderedDict, key) -> bytes | None:
    try:  # no lock: another thread may evict the entry between the lookup and the move
        data = cache[key]
        cache.move_to_end(key)
        return data
    except KeyError:
        return None


def _remember(cache: OrderedDict, key, data: bytes, size: int) -> bytes:
    cache[key] = data
    try:
        cache.move_to_end(key)
        while len(cache) > size:
            cache.popitem(last=False)
    except KeyError:  # evicted by another thread meanwhile: nothing to keep in order
        pass
    return data


@dataclass
class Chart:
    """A drawn chart: SVG for pages, PNG for PDFs, and alt text for screen readers. The figure is
    built only when a picture is asked for, and an SVG already drawn for the same inputs is reused."""

    build: Callable[[], Figure]
    alt: str
    #: a digest of the function and its arguments (None: not cached)
    key: str | None = None

    @property
    def figure(self) -> Figure:
        return self.build()

    def svg(self) -> bytes:
        if self.key is not None and (data := _recall(_SVG_CACHE, self.key)) is not None:
            return data
        out = io.BytesIO()
        with rc_context(_RC):
            self.build().savefig(out, format="svg", metadata={"Date": None})
        if self.key is None:
            return out.getvalue()
        return _remember(_SVG_CACHE, self.key, out.getvalue(), _SVG_CACHE_SIZE)

    def png(self, dpi: int = 150) -> bytes:
        if self.key is not None and (data := _recall(_PNG_CACHE, (self.key, dpi))) is not None:
            return data
        out = io.BytesIO()
        with rc_context(_RC):
            self.build().savefig(out, format="png", dpi=dpi)
        if self.key is None:
            return out.getvalue()
        return _remember(_PNG_CACHE, (self.key, dpi), out.getvalue(), _PNG_CACHE_SIZE)

    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg()).decode("ascii")

    def __html__(self) -> Markup:
        return Markup('<img class="chart" src="{}" alt="{}">').format(self.data_uri(), self.alt)

    def __str__(self) -> str:
        return str(self.__html__())


def _locale() -> str:
    """The reader's language (a chart's own words, such as "n/a", are translated)."""
    try:
        from flask_babel import get_locale

        locale = get_locale()
        return str(locale) if locale is not None else ""
    except Exception:  # outside a request (a task, a test): no locale
        return ""


def _lazy(draw: Callable[..., Chart]) -> Callable[..., Chart]:
    """Make a chart function lazy and cacheable: it returns at once a `Chart` that draws (calling
    `draw`) only when its picture is needed, keyed by a digest of the arguments."""

    @functools.wraps(draw)
    def chart(*args, alt: str, **kwargs) -> Chart:
        key = hashlib.sha256(repr((draw.__name__, args, sorted(kwargs.items()), alt, _locale())).encode()).hexdigest()
        return Chart(lambda: draw(*args, alt=alt, **kwargs).build(), alt, key)

    return chart


def _figure(width: float = 7.0, height: float = 3.2) -> tuple[Figure, Any]:
    # no layout engine: constrained layout measured every tick label twice more and was half of a
    # chart's drawing time; `_fit` sets the margins from the few texts that decide them
    with rc_context(_RC):
        fig = Figure(figsize=(width, height))
        ax = fig.add_subplot()
    return fig, ax


@functools.lru_cache(maxsize=1)
def _measure_renderer():
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(1, 1, 72)  # 72 dpi: widths come back in points


@functools.lru_cache(maxsize=4096)
def _text_size(text: str, size: float) -> tuple[float, float]:
    """Width and height of a one-line text in inches, in the charts' font."""
    from matplotlib.font_manager import FontProperties

    if not text:
        return 0.0, 0.0
    w, h, _d = _measure_renderer().get_text_width_height_descent(
        text, FontProperties(family=_RC["font.family"], size=size), ismath=False)
    return w / 72, h / 72


def _tick_texts(axis) -> list[str]:
    """The labels an axis will draw: fixed labels, or its locator's ticks through its formatter."""
    labels = [t.get_text() for t in axis.get_ticklabels()]
    if any(labels):
        return labels
    lo, hi = sorted(axis.get_view_interval())
    ticks = [v for v in axis.get_major_locator()() if lo - 1e-12 <= v <= hi + 1e-12]
    return axis.get_major_formatter().format_ticks(ticks) if ticks else []


def _fit(fig: Figure, ax) -> None:
    """Margins that hold the tick labels, axis labels and title, without a layout engine."""
    size = _RC["font.size"]
    pad = 0.12  # inches around the outside
    tick = 0.1  # tick length and gap to its label
    width, height = fig.get_size_inches()
    ylabels = _tick_texts(ax.yaxis)
    left = pad + tick + max((_text_size(t, size)[0] for t in ylabels), default=0.0)
    if ax.get_ylabel():
        left += _text_size(ax.get_ylabel(), size)[1] + 0.08
    xlabels = _tick_texts(ax.xaxis)
    rotation = ax.xaxis.get_ticklabels()[0].get_rotation() if ax.xaxis.get_ticklabels() else 0
    line = _text_size("Hg", size)[1]
    if rotation:
        s = math.sin(math.radians(rotation))
        widest = max((_text_size(t, size)[0] for t in xlabels), default=0.0)
        bottom = pad + tick + widest * s + line * math.cos(math.radians(rotation))
        # a right-aligned rotated first label reaches left of the axes
        left = max(left, pad + (_text_size(xlabels[0], size)[0] * math.cos(math.radians(rotation)) if xlabels else 0))
    else:
        bottom = pad + tick + line
    if ax.get_xlabel():
        bottom += line + 0.08
    top = pad + (_text_size(ax.get_title(loc="left"), 11)[1] + 0.12 if ax.get_title(loc="left") else 0.05)
    # an unrotated label centred on the last tick reaches half its width past the axes
    right = pad + max(0.1, _text_size(xlabels[-1], size)[0] / 2 if xlabels and not rotation else 0.0)
    fig.subplots_adjust(left=min(0.6, left / width), right=1 - right / width,
                        bottom=min(0.6, bottom / height), top=max(0.4, 1 - top / height))


class _LocalPercent(PercentFormatter):
    """Percent ticks with as many decimals as the axis range needs, in the reader's notation
    (5,5 % in Danish and Swedish, 5.5% in English)."""

    def __init__(self, language: str) -> None:
        super().__init__(xmax=1.0, decimals=None)
        self.language = language

    def format_pct(self, x, display_range):
        text = super().format_pct(x, display_range)
        return text if self.language in ("", "en") else text.replace(".", ",").replace("%", "\u00a0%")


def _localise(text: str, language: str) -> str:
    return text if language in ("", "en") else text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def _formatter(kind: str | None) -> FuncFormatter | PercentFormatter:
    language = _locale().split("_")[0]
    if kind == "percent":
        return _LocalPercent(language)
    if kind == "integer":
        return FuncFormatter(lambda v, _pos: _localise(f"{v:,.0f}", language))
    return FuncFormatter(lambda v, _pos: _localise(f"{v:,.10g}" if abs(v) >= 1000 else f"{v:.10g}", language))


def _finish(ax, *, title: str | None, x_label: str | None, y_label: str | None, y_format: str | None,
            legend: bool, numeric_y: bool = True) -> None:
    with rc_context(_RC):
        if title:
            ax.set_title(title, loc="left", fontsize=11, color="#111827")
        if x_label:
            ax.set_xlabel(x_label)
        if y_label:
            ax.set_ylabel(y_label)
        if numeric_y:
            ax.yaxis.set_major_formatter(_formatter(y_format))
        if y_format == "integer":
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        if legend and ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best", fontsize=9)
        _fit(ax.figure, ax)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@_lazy
def line_chart(
    series: Mapping[str, Sequence[tuple[Any, float | None]]],
    *,
    alt: str,
    title: str | None = None,
    x_label: str | None = None,
    y_label: str | None = None,
    y_format: str | None = None,
    y_min: float | None = None,
    y_max: float | None = None,
    bands: Mapping[str, Sequence[tuple[Any, float, float]]] | None = None,
    reference: float | None = None,
) -> Chart:
    """One line per series of (x, y) points; x may be dates, numbers or period labels (strings).

    A ``None`` y leaves a gap (a hidden value, e.g. a group below the threshold, is never drawn as
    zero). `bands` shades (x, low, high) intervals behind the series of the same name; `reference`
    draws a dashed horizontal line (e.g. zero for eNPS, or the organisation's average).
    """
    fig, ax = _figure()
    categorical = any(isinstance(x, str) for points in series.values() for x, _ in points)
    labels: list[str] = []
    if categorical:
        for points in series.values():
            for x, _ in points:
                if x not in labels:
                    labels.append(x)
    position = {label: i for i, label in enumerate(labels)}
    with rc_context(_RC):
        for i, (name, points) in enumerate(series.items()):
            colour = PALETTE[i % len(PALETTE)]
            xs = [position[x] if categorical else x for x, _ in points]
            ys = [float("nan") if _is_missing(y) else y for _, y in points]
            ax.plot(xs, ys, marker="o", markersize=3.5, linewidth=2, color=colour, label=name)
            if bands and name in bands:
                band = bands[name]
                bx = [position[x] if categorical else x for x, _, _ in band]
                ax.fill_between(bx, [lo for _, lo, _ in band], [hi for _, _, hi in band], color=colour,
                                alpha=0.15, linewidth=0)
        if reference is not None:
            ax.axhline(reference, color="#6b7280", linewidth=1, linestyle="--")
        if categorical:
            ax.set_xticks(range(len(labels)), labels, rotation=45 if len(labels) > 8 else 0,
                          ha="right" if len(labels) > 8 else "center")
        elif any(isinstance(x, date) for points in series.values() for x, _ in points):
            fig.autofmt_xdate()
        if y_min is not None or y_max is not None:
            ax.set_ylim(bottom=y_min, top=y_max)
    _finish(ax, title=title, x_label=x_label, y_label=y_label, y_format=y_format, legend=len(series) > 1)
    return Chart(lambda: fig, alt)


@_lazy
def step_chart(
    curves: Mapping[str, Sequence[tuple[float, float, float | None, float | None]]],
    *,
    alt: str,
    title: str | None = None,
    x_label: str | None = None,
    y_label: str | None = None,
    y_format: str | None = "percent",
) -> Chart:
    """Survival curves (Kaplan–Meier): per group (time, estimate, lower, upper) points, drawn as
    steps with the 95% interval shaded. The y axis runs from 0 to 100%."""
    fig, ax = _figure(7.0, 3.6)
    with rc_context(_RC):
        for i, (name, points) in enumerate(curves.items()):
            colour = PALETTE[i % len(PALETTE)]
            ts = [t for t, _, _, _ in points]
            ax.step(ts, [s for _, s, _, _ in points], where="post", linewidth=2, color=colour, label=name)
            if all(lo is not None and hi is not None for _, _, lo, hi in points):
                ax.fill_between(ts, [lo for _, _, lo, _ in points], [hi for _, _, _, hi in points], step="post",
                                color=colour, alpha=0.15, linewidth=0)
        ax.set_ylim(0, 1.02)
        ax.xaxis.set_major_formatter(_formatter(None))
    _finish(ax, title=title, x_label=x_label, y_label=y_label, y_format=y_format, legend=len(curves) > 1)
    return Chart(lambda: fig, alt)


@_lazy
def bar_chart(
    labels: Sequence[str],
    values: Mapping[str, Sequence[float | None]] | Sequence[float | None],
    *,
    alt: str,
    title: str | None = None,
    x_label: str | None = None,
    y_label: str | None = None,
    value_format: str | None = None,
    horizontal: bool = True,
    reference: float | None = None,
) -> Chart:
    """Bars per label; `values` is one sequence, or a mapping of series name to sequences (grouped
    bars). A ``None`` value is a hidden figure: no bar, and the label says "hidden" (n/a)."""
    grouped = dict(values) if isinstance(values, Mapping) else {"": list(values)}
    n_series = len(grouped)
    height = max(2.4, 0.32 * len(labels) * max(1, n_series) + 1.0) if horizontal else 3.4
    fig, ax = _figure(7.0, min(height, 12.0))
    width = 0.8 / n_series
    with rc_context(_RC):
        for i, (name, vals) in enumerate(grouped.items()):
            colour = PALETTE[i % len(PALETTE)]
            offsets = [j - 0.4 + width * (i + 0.5) for j in range(len(labels))]
            shown = [0.0 if _is_missing(v) else v for v in vals]
            if horizontal:
                bars = ax.barh(offsets, shown, height=width, color=colour, label=name or None)
            else:
                bars = ax.bar(offsets, shown, width=width, color=colour, label=name or None)
            for bar, v in zip(bars, vals):
                if _is_missing(v):
                    bar.set_alpha(0)
                    if horizontal:
                        ax.annotate(gettext("n/a"), (0, bar.get_y() + bar.get_height() / 2), xytext=(3, 0),
                                    textcoords="offset points", va="center", fontsize=8, color="#6b7280")
                    else:
                        ax.annotate(gettext("n/a"), (bar.get_x() + bar.get_width() / 2, 0), xytext=(0, 3),
                                    textcoords="offset points", ha="center", fontsize=8, color="#6b7280")
        if horizontal:
            ax.set_yticks(range(len(labels)), labels)
            ax.invert_yaxis()
            ax.grid(axis="y", visible=False)
            ax.xaxis.set_major_formatter(_formatter(value_format))
            if reference is not None:
                ax.axvline(reference, color="#6b7280", linewidth=1, linestyle="--")
        else:
            ax.set_xticks(range(len(labels)), labels, rotation=45 if len(labels) > 6 else 0,
                          ha="right" if len(labels) > 6 else "center")
            ax.grid(axis="x", visible=False)
            if reference is not None:
                ax.axhline(reference, color="#6b7280", linewidth=1, linestyle="--")
    _finish(ax, title=title, x_label=x_label, y_label=y_label,
            y_format=None if horizontal else value_format, legend=n_series > 1, numeric_y=not horizontal)
    return Chart(lambda: fig, alt)


@_lazy
def heatmap(
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    matrix: Sequence[Sequence[float | None]],
    *,
    alt: str,
    title: str | None = None,
    value_format: str | None = None,
) -> Chart:
    """A grid of values (rows × columns), darker for larger; each cell is labelled with its value.
    ``None`` cells are hidden figures: left blank and marked "–"."""
    rows, cols = len(row_labels), len(column_labels)
    fig, ax = _figure(max(4.0, 0.9 * cols + 2.5), max(2.0, 0.4 * rows + 1.2))
    data = [[float("nan") if _is_missing(v) else float(v) for v in row] for row in matrix]
    finite = [v for row in data for v in row if not math.isnan(v)]
    top = max(finite) if finite else 1.0
    with rc_context(_RC):
        ax.grid(False)
        ax.imshow(data, cmap=HEAT, vmin=0, vmax=top or 1.0, aspect="auto")
        ax.set_xticks(range(cols), column_labels, rotation=35 if cols > 4 else 0, ha="right" if cols > 4 else "center")
        ax.set_yticks(range(rows), row_labels)
        for spine in ax.spines.values():
            spine.set_visible(False)
        for r, row in enumerate(data):
            for c, v in enumerate(row):
                if math.isnan(v):
                    text, colour = "–", "#6b7280"
                else:
                    text = f"{v * 100:.0f}%" if value_format == "percent" else f"{v:g}"
                    colour = "white" if top and v > 0.6 * top else "#111827"
                ax.text(c, r, text, ha="center", va="center", fontsize=8, color=colour)
    _finish(ax, title=title, x_label=None, y_label=None, y_format=None, legend=False, numeric_y=False)
    return Chart(lambda: fig, alt)


def describe_points(points: Sequence[tuple[Any, float | None]], fmt=str) -> str:
    """A short text of a series for alt text: "Jan 2026: 4%, Feb 2026: 5%" (hidden values as "n/a")."""
    return ", ".join(f"{x}: {'n/a' if _is_missing(y) else fmt(y)}" for x, y in points)
