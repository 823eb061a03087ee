"""Charts of rating answers as SVG drawn on the server: no script, no CDN, no inline style.

A chart is a horizontal bar per point of a 1–5 scale (and one for "no answer"), each as long
as its share of all responses, with a marker at the mean on a 1–5 axis below. The drawing is
one ``<svg>`` with ``role="img"``, a ``<title>`` and a ``<desc>`` that give every number, a
``viewBox`` and ``width="100%"`` so that it shrinks to a phone, and colours both as
presentation attributes (the Content-Security-Policy forbids style attributes, not these) and
as classes that ``static/css/results.css`` turns into system colours in forced-colours mode.
Pages always show the same numbers in a ``<table>`` beside it (``evaluation/_charts.html``),
built from the same :func:`chart_rows`.

Shares of all responses, not of the largest bar: the small multiples that compare editions
then share one scale, whatever the number of responses in each.

Everything here is a pure function of its arguments; every text is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape

SCALE = (1, 2, 3, 4, 5)

# The drawing, in viewBox units: 360 wide, so that 12-unit text stays readable at 340 px.
WIDTH = 360
LABEL_WIDTH = 118  # the labels' column, right-aligned against the bars
BAR_X = 124
BAR_SPACE = 170  # a bar of every response (100 %) is this long; its numbers follow it
ROW_HEIGHT = 24
BAR_HEIGHT = 16
MEAN_HEIGHT = 34  # the strip under the bars with the 1–5 axis and the mean marker
LABEL_LIMIT = 19  # characters of a label drawn before it is cut (the table has it whole)

BAR_COLOUR = "#1d4e89"  # the site's blue: 8.6:1 on white
NO_ANSWER_COLOUR = "#52606d"  # muted grey: 6.4:1
TEXT_COLOUR = "#1f2933"
MARKER_COLOUR = "#b42318"  # 6.2:1, and a shape, not only a colour


@dataclass(frozen=True)
class Distribution:
    """Answers to one rating question: how many chose each point of the scale (lowest
    first), and how many responses left it unanswered."""

    counts: tuple[int, ...]
    no_answer: int = 0

    @property
    def answered(self) -> int:
        return sum(self.counts)

    @property
    def total(self) -> int:
        return self.answered + self.no_answer

    @property
    def mean(self) -> float | None:
        """The mean of the points chosen (1 for the first), None without any."""
        if not self.answered:
            return None
        return sum(point * count for point, count in enumerate(self.counts, 1)) / self.answered


def distribution_of(values: Iterable[int | None], points: int = len(SCALE)) -> Distribution:
    """Count ratings (``None``: left unanswered). A value off the scale is a bug upstream."""
    counts = [0] * points
    no_answer = 0
    for value in values:
        if value is None:
            no_answer += 1
        else:
            if not 1 <= value <= points:
                raise ValueError(f"rating {value} is off the 1–{points} scale")
            counts[value - 1] += 1
    return Distribution(tuple(counts), no_answer)


@dataclass(frozen=True)
class Row:
    """One line of a chart and of its table."""

    label: str
    count: int
    share: float  # of all responses, 0–1
    is_no_answer: bool = False


def chart_rows(distribution: Distribution, labels: Sequence[str]) -> list[Row]:
    """The rows a chart draws and its table lists: one per scale point, then "no answer"."""
    if len(labels) != len(distribution.counts):
        raise ValueError("one label per point of the scale")
    total = distribution.total
    rows = [
        Row(label, count, count / total if total else 0.0)
        for label, count in zip(labels, distribution.counts, strict=True)
    ]
    no_answer = distribution.no_answer
    rows.append(Row(_("No answer"), no_answer, no_answer / total if total else 0.0, True))
    return rows


def cut(label: str, limit: int = LABEL_LIMIT) -> str:
    """A label short enough for the chart's column: cut at ``limit`` characters with "…"."""
    if len(label) <= limit:
        return label
    return label[: limit - 1].rstrip() + "…"


def bar_length(share: float) -> float:
    return round(share * BAR_SPACE, 1)


def mean_x(mean: float, points: int = len(SCALE)) -> float:
    """Where the mean falls on the axis under the bars: 1 at its left end, ``points`` at its
    right end."""
    return round(BAR_X + (mean - 1) / (points - 1) * BAR_SPACE, 1)


def default_number(value: float) -> str:
    return f"{value:.1f}"


def percent(share: float) -> str:
    return f"{round(share * 100)} %"


def _chart_id(value: str) -> str:
    """An id safe in an attribute and unique per chart of a page (the caller's key)."""
    return "chart-" + (re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-") or "x")


def describe(
    distribution: Distribution,
    labels: Sequence[str],
    number: Callable[[float], str] = default_number,
) -> str:
    """Every number of the chart as one sentence, for its ``<desc>`` (screen readers)."""
    parts = [
        f"{row.label}: {row.count} ({percent(row.share)})"
        for row in chart_rows(distribution, labels)
    ]
    mean = distribution.mean
    summary = (
        _(
            "Mean %(mean)s of %(points)d, from %(count)d answers.",
            mean=number(mean),
            points=len(labels),
            count=distribution.answered,
        )
        if mean is not None
        else _("No answers yet.")
    )
    return "; ".join(parts) + ". " + summary


def distribution_svg(
    distribution: Distribution,
    labels: Sequence[str],
    *,
    title: str,
    key: str,
    number: Callable[[float], str] = default_number,
) -> Markup:
    """The chart of one question. ``key`` makes the ids of its title and description unique
    on the page; ``number`` formats the mean in the reader's locale."""
    chart = _chart_id(key)
    rows = chart_rows(distribution, labels)
    bars_height = len(rows) * ROW_HEIGHT
    height = bars_height + MEAN_HEIGHT
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}"'
        f' width="100%" role="img" aria-labelledby="{chart}-title {chart}-desc"'
        ' focusable="false">',
        f'<title id="{chart}-title">{escape(title)}</title>',
        f'<desc id="{chart}-desc">{escape(describe(distribution, labels, number))}</desc>',
    ]
    for index, row in enumerate(rows):
        y = index * ROW_HEIGHT
        middle = y + ROW_HEIGHT / 2
        length = bar_length(row.share)
        kind, colour = (
            ("chart-bar chart-bar-none", NO_ANSWER_COLOUR)
            if row.is_no_answer
            else ("chart-bar", BAR_COLOUR)
        )
        parts.append(
            f'<text class="chart-text" x="{LABEL_WIDTH}" y="{middle}" text-anchor="end"'
            f' dominant-baseline="middle" font-size="12" fill="{TEXT_COLOUR}">'
            f"{escape(cut(row.label))}</text>"
        )
        parts.append(
            f'<rect class="{kind}" x="{BAR_X}" y="{y + (ROW_HEIGHT - BAR_HEIGHT) / 2}"'
            f' width="{length}" height="{BAR_HEIGHT}" fill="{colour}"/>'
        )
        parts.append(
            f'<text class="chart-text" x="{BAR_X + length + 4}" y="{middle}"'
            f' dominant-baseline="middle" font-size="12" fill="{TEXT_COLOUR}">'
            f"{row.count} ({escape(percent(row.share))})</text>"
        )
    parts.append(_mean_strip(distribution, bars_height, len(labels), number))
    parts.append("</svg>")
    return Markup("".join(parts))


def _mean_strip(
    distribution: Distribution, top: int, points: int, number: Callable[[float], str]
) -> str:
    """The 1–5 axis under the bars, its ends labelled, and a marker at the mean."""
    axis_y = top + 8
    end = BAR_X + BAR_SPACE
    parts = [
        f'<line class="chart-axis" x1="{BAR_X}" y1="{axis_y}" x2="{end}" y2="{axis_y}"'
        f' stroke="{NO_ANSWER_COLOUR}" stroke-width="1"/>',
        f'<text class="chart-text" x="{BAR_X}" y="{axis_y + 20}" text-anchor="middle"'
        f' font-size="11" fill="{TEXT_COLOUR}">1</text>',
        f'<text class="chart-text" x="{end}" y="{axis_y + 20}" text-anchor="middle"'
        f' font-size="11" fill="{TEXT_COLOUR}">{points}</text>',
    ]
    mean = distribution.mean
    if mean is None:
        parts.append(
            f'<text class="chart-text" x="{LABEL_WIDTH}" y="{axis_y + 4}" text-anchor="end"'
            f' font-size="12" fill="{TEXT_COLOUR}">{escape(_("No answers"))}</text>'
        )
        return "".join(parts)
    x = mean_x(mean, points)
    parts.append(
        f'<path class="chart-marker" d="M{x} {axis_y - 6} l6 12 h-12 z" fill="{MARKER_COLOUR}"/>'
    )
    parts.append(
        f'<text class="chart-text" x="{LABEL_WIDTH}" y="{axis_y + 4}" text-anchor="end"'
        f' font-size="12" font-weight="bold" fill="{TEXT_COLOUR}">'
        f"{escape(_('Mean %(mean)s', mean=number(mean)))}</text>"
    )
    return "".join(parts)


def small_multiples(
    panels: Sequence[tuple[str, Distribution]],
    *,
    question: str,
    key: str,
    number: Callable[[float], str] = default_number,
) -> list[Markup]:
    """One small chart per edition (``(label, distribution)``, oldest first), all on the same
    scale (shares of each edition's responses), labelled by the points of the scale."""
    charts = []
    for index, (label, distribution) in enumerate(panels):
        points = [str(point) for point in range(1, len(distribution.counts) + 1)]
        charts.append(
            distribution_svg(
                distribution,
                points,
                title=f"{question} — {label}",
                key=f"{key}-{index}",
                number=number,
            )
        )
    return charts
