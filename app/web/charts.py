"""Server-side SVG charts for the Retro page: plain data in, an accessible ``<svg>`` out.

No chart library and no script: each builder returns a :class:`Chart` whose ``svg`` is
markup the template inlines (``None`` when there is nothing to draw, so the page shows
its empty state instead of a broken chart) and a ``summary`` sentence for screen
readers. Every SVG has ``role="img"``, an ``aria-label`` and a ``<title>``, axes with
ticks and labels, and colours as presentation attributes or classes (the page's CSP
allows no inline style). Marks carry ``class`` and ``data-*`` hooks for the tests::

    circle.point        a card (scatterplot, aging) or a day (run chart)
    line.pline          a percentile line, data-percentile="50|85|95"
    rect.band           an aging percentile band
    path.area           a CFD column, data-column-id
    rect.bar            a forecast level
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Any

from markupsafe import Markup

from app.web.dates import day_label

__all__ = [
    "AgingPoint",
    "Chart",
    "FlowCharts",
    "ScatterPoint",
    "aging_chart",
    "bar_chart",
    "cfd_chart",
    "flow_charts",
    "nice_ticks",
    "run_chart",
    "scatter_chart",
]

W, H = 760, 320
LEFT, RIGHT, TOP, BOTTOM = 58, 118, 16, 48
PLOT_W, PLOT_H = W - LEFT - RIGHT, H - TOP - BOTTOM
LEVELS = ("p50", "p85", "p95")
LEVEL_COLOURS = {"p50": "#15803d", "p85": "#b45309", "p95": "#b91c1c"}
DONE_COLOUR = "#86efac"
# Column colours for the CFD, left to right (cycled on wide boards).
PALETTE = (
    "#94a3b8",
    "#60a5fa",
    "#a78bfa",
    "#f472b6",
    "#fbbf24",
    "#34d399",
    "#22d3ee",
    "#fb923c",
    "#818cf8",
    "#4ade80",
)


@dataclass(frozen=True, slots=True)
class Chart:
    """An inline SVG (None when there is no data) and what it shows, in words."""

    svg: Markup | None
    summary: str

    @property
    def empty(self) -> bool:
        return self.svg is None


@dataclass(frozen=True, slots=True)
class ScatterPoint:
    card_id: int
    title: str
    finish: datetime
    days: float


@dataclass(frozen=True, slots=True)
class AgingPoint:
    card_id: int
    title: str
    column_id: int
    age_days: float


def _n(value: float) -> str:
    """A coordinate: at most one decimal, no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _fmt(value: float) -> str:
    """A tick or label number: whole when it is whole, else up to one decimal."""
    return str(round(value)) if abs(value - round(value)) < 1e-9 else f"{value:.1f}"


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round ticks from 0 up to at least ``top`` (1, 2, 2.5 or 5 times a power of ten)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 6) for i in range(n + 1)]


def _date_step(days: int) -> int:
    return next((s for s in (1, 2, 3, 7, 14, 28, 56, 91, 182) if days / s <= 8), 364)


def _svg(label: str, body: list[str], kind: str) -> Markup:
    text = escape(label)
    return Markup(
        f'<svg class="chart chart-{kind}" viewBox="0 0 {W} {H}" role="img" '
        f'aria-label="{text}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, sans-serif" font-size="12">'
        f"<title>{text}</title>" + "".join(body) + "</svg>"
    )


def _frame(x_label: str, y_label: str) -> list[str]:
    """The plot's two axis lines and their labels."""
    x0, y0 = LEFT, TOP + PLOT_H
    return [
        f'<line class="axis" x1="{x0}" y1="{TOP}" x2="{x0}" y2="{y0}" stroke="#6b7280"/>',
        f'<line class="axis" x1="{x0}" y1="{y0}" x2="{x0 + PLOT_W}" y2="{y0}" stroke="#6b7280"/>',
        f'<text class="axis-label" x="{_n(x0 + PLOT_W / 2)}" y="{H - 6}" '
        f'text-anchor="middle" fill="#374151">{escape(x_label)}</text>',
        f'<text class="axis-label" x="14" y="{_n(TOP + PLOT_H / 2)}" text-anchor="middle" '
        f'fill="#374151" transform="rotate(-90 14 {_n(TOP + PLOT_H / 2)})">'
        f"{escape(y_label)}</text>",
    ]


def _y_axis(ticks: Sequence[float], y: Callable[[float], float]) -> list[str]:
    out = []
    for t in ticks:
        py = _n(y(t))
        out.append(
            f'<line class="grid" x1="{LEFT}" y1="{py}" x2="{LEFT + PLOT_W}" y2="{py}" '
            f'stroke="#e5e7eb"/>'
            f'<line class="tick" x1="{LEFT - 4}" y1="{py}" x2="{LEFT}" y2="{py}" stroke="#6b7280"/>'
            f'<text class="tick-label" x="{LEFT - 7}" y="{py}" dy="4" text-anchor="end" '
            f'fill="#4b5563">{_fmt(t)}</text>'
        )
    return out


def _x_date_axis(start: date, end: date, x: Callable[[date], float]) -> list[str]:
    days = (end - start).days + 1
    step = _date_step(days)
    out = []
    day = start
    while day <= end:
        px = _n(x(day))
        out.append(
            f'<line class="tick" x1="{px}" y1="{TOP + PLOT_H}" x2="{px}" '
            f'y2="{TOP + PLOT_H + 4}" stroke="#6b7280"/>'
            f'<text class="tick-label" x="{px}" y="{TOP + PLOT_H + 17}" text-anchor="middle" '
            f'fill="#4b5563">{day_label(day)}</text>'
        )
        day += timedelta(days=step)
    return out


def _percentile_lines(
    levels: Mapping[str, float | None], y: Callable[[float], float], unit: str
) -> list[str]:
    """Dashed 50/85/95% lines, labelled in the right margin; a label that would sit on
    the one below it (close or equal percentiles) moves up a line."""
    out = []
    below = math.inf
    for key in LEVELS:
        value = levels.get(key)
        if value is None:
            continue
        py = y(value)
        label_y = max(min(py, below - 13), 9)
        below = label_y
        colour = LEVEL_COLOURS[key]
        out.append(
            f'<line class="pline" data-percentile="{key[1:]}" x1="{LEFT}" y1="{_n(py)}" '
            f'x2="{LEFT + PLOT_W}" y2="{_n(py)}" stroke="{colour}" stroke-width="1.5" '
            f'stroke-dasharray="6 4"/>'
            f'<text class="pline-label" x="{LEFT + PLOT_W + 6}" y="{_n(label_y)}" dy="4" '
            f'fill="{colour}">{key[1:]}%: {_fmt(value)} {unit}</text>'
        )
    return out


def scatter_chart(
    points: Sequence[ScatterPoint],
    levels: Mapping[str, float | None],
    *,
    start: date,
    end: date,
) -> Chart:
    """Cycle-time scatterplot: finish date across, cycle time in days up, one dot a card,
    with the 50th, 85th and 95th percentile lines labelled."""
    if not points:
        return Chart(None, "No card finished in this range, so there is no cycle time to plot.")
    top = max([p.days for p in points] + [v for v in levels.values() if v is not None])
    ticks = nice_ticks(top)
    span = (end - start).days + 1

    def x_at(moment: float) -> float:
        return LEFT + PLOT_W * min(max(moment / span, 0.0), 1.0)

    def x_day(day: date) -> float:
        return x_at((day - start).days + 0.5)

    def y(v: float) -> float:
        return TOP + PLOT_H * (1 - v / ticks[-1])

    origin = datetime(start.year, start.month, start.day, tzinfo=points[0].finish.tzinfo)
    body = _y_axis(ticks, y) + _x_date_axis(start, end, x_day)
    body += _frame("Finish date", "Cycle time (days)")
    body += _percentile_lines(levels, y, "d")
    for p in points:
        offset = (p.finish - origin).total_seconds() / 86_400
        tip = f"{p.title}: {_fmt(p.days)} d, finished {day_label(p.finish.date())}"
        body.append(
            f'<circle class="point" data-card-id="{p.card_id}" cx="{_n(x_at(offset))}" '
            f'cy="{_n(y(p.days))}" r="4.5" fill="#1d4ed8" fill-opacity="0.7">'
            f"<title>{escape(tip)}</title></circle>"
        )
    said = ", ".join(
        f"{k[1:]}% within {_fmt(v)} day{'' if v == 1 else 's'}"
        for k in LEVELS
        if (v := levels.get(k)) is not None
    )
    summary = f"{len(points)} finished card{'s' if len(points) != 1 else ''}; {said}."
    label = f"Cycle-time scatterplot: {summary}"
    return Chart(_svg(label, body, "scatter"), summary)


def aging_chart(
    columns: Sequence[tuple[int, str]],
    items: Sequence[AgingPoint],
    bands: Mapping[str, float | None],
) -> Chart:
    """Aging work in progress: one lane per column, a dot at each card's age in days, on
    bands coloured by the cycle-time percentiles (how old is too old)."""
    shown = {cid for cid, _ in columns}
    dots = [i for i in items if i.column_id in shown]
    if not columns or not dots:
        return Chart(None, "No work in progress: nothing is aging right now.")
    values = [v for v in bands.values() if v is not None]
    ticks = nice_ticks(max([d.age_days for d in dots] + values))
    slot = PLOT_W / len(columns)

    def y(v: float) -> float:
        return TOP + PLOT_H * (1 - min(v, ticks[-1]) / ticks[-1])

    body: list[str] = []
    floor = 0.0
    for key, colour in (("p50", "#dcfce7"), ("p85", "#fef9c3"), ("p95", "#ffedd5")):
        value = bands.get(key)
        if value is None:
            continue
        body.append(
            f'<rect class="band" data-percentile="{key[1:]}" x="{LEFT}" y="{_n(y(value))}" '
            f'width="{PLOT_W}" height="{_n(y(floor) - y(value))}" fill="{colour}"/>'
        )
        floor = value
    if values:
        body.append(
            f'<rect class="band" data-percentile="100" x="{LEFT}" y="{TOP}" width="{PLOT_W}" '
            f'height="{_n(y(floor) - TOP)}" fill="#fee2e2"/>'
        )
    body += _y_axis(ticks, y)
    for i, (_, name) in enumerate(columns):
        cx = _n(LEFT + slot * (i + 0.5))
        body.append(
            f'<text class="tick-label" x="{cx}" y="{TOP + PLOT_H + 17}" text-anchor="middle" '
            f'fill="#4b5563">{escape(_short(name, 22))}</text>'
        )
    body += _frame("Column", "Age (days)")
    body += _percentile_lines(bands, y, "d")
    index = {cid: i for i, (cid, _) in enumerate(columns)}
    stacked: dict[tuple[int, int], int] = {}
    for d in dots:
        i = index[d.column_id]
        spot = (i, round(y(d.age_days) / 6))
        k = stacked.get(spot, 0)
        stacked[spot] = k + 1
        # Cards of the same age sit side by side instead of on top of each other.
        shift = (k % 2 * 2 - 1) * ((k + 1) // 2) * 9
        px = LEFT + slot * (i + 0.5) + max(min(shift, slot / 2 - 6), -slot / 2 + 6)
        tip = f"{d.title}: {_fmt(d.age_days)} days old"
        body.append(
            f'<circle class="point" data-card-id="{d.card_id}" cx="{_n(px)}" '
            f'cy="{_n(y(d.age_days))}" r="5" fill="#1f2937" fill-opacity="0.75">'
            f"<title>{escape(tip)}</title></circle>"
        )
    oldest = max(dots, key=lambda d: d.age_days)
    summary = (
        f"{len(dots)} card{'s' if len(dots) != 1 else ''} in progress; the oldest is "
        f"{_fmt(oldest.age_days)} days old."
    )
    return Chart(_svg(f"Aging work in progress: {summary}", body, "aging"), summary)


def cfd_chart(
    columns: Sequence[tuple[int, str]],
    days: Sequence[tuple[date, Mapping[int, int]]],
    *,
    done: Collection[int] = (),
) -> Chart:
    """Cumulative flow: for each day, the cards in each column stacked, the rightmost
    (done) column at the bottom, one filled area per column (done columns in green)."""
    totals = [sum(counts.get(cid, 0) for cid, _ in columns) for _, counts in days]
    if not columns or not days or not any(totals):
        return Chart(None, "No cards on the board in this range, so there is no flow to show.")
    ticks = nice_ticks(max(totals))
    start, end = days[0][0], days[-1][0]
    span = max((end - start).days, 1)

    def x(day: date) -> float:
        return LEFT + PLOT_W * ((day - start).days / span if len(days) > 1 else 0.5)

    def y(v: float) -> float:
        return TOP + PLOT_H * (1 - v / ticks[-1])

    xs = [x(day) for day, _ in days]
    series = [counts for _, counts in days]
    if len(days) == 1:  # one day: a narrow block rather than a line
        xs, series = [xs[0] - 8, xs[0] + 8], series * 2
    body = _y_axis(ticks, y) + _x_date_axis(start, end, x)
    legend: list[str] = []
    below = [0] * len(xs)
    for i, (cid, name) in reversed(list(enumerate(columns))):
        above = [b + counts.get(cid, 0) for b, counts in zip(below, series, strict=True)]
        edge = " L".join(f"{_n(px)},{_n(y(v))}" for px, v in zip(xs, above, strict=True))
        back = " L".join(
            f"{_n(px)},{_n(y(v))}" for px, v in reversed(list(zip(xs, below, strict=True)))
        )
        colour = DONE_COLOUR if cid in done else PALETTE[i % len(PALETTE)]
        body.append(
            f'<path class="area" data-column-id="{cid}" d="M{edge} L{back} Z" '
            f'fill="{colour}" stroke="#ffffff" stroke-width="0.5">'
            f"<title>{escape(name)}: {series[-1].get(cid, 0)} on {day_label(end)}</title></path>"
        )
        ly = TOP + 16 * (len(columns) - 1 - i) + 6
        legend.append(
            f'<rect class="swatch" x="{LEFT + PLOT_W + 8}" y="{ly - 8}" width="10" height="10" '
            f'fill="{colour}"/><text x="{LEFT + PLOT_W + 22}" y="{ly + 1}" fill="#374151">'
            f"{escape(_short(name, 15))}</text>"
        )
        below = above
    body += _frame("Day", "Cards")
    body += reversed(legend)
    last = days[-1][1]
    said = ", ".join(f"{name} {last.get(cid, 0)}" for cid, name in columns)
    summary = f"{len(days)} day{'s' if len(days) != 1 else ''}; on {day_label(end)}: {said}."
    return Chart(_svg(f"Cumulative flow diagram: {summary}", body, "cfd"), summary)


def run_chart(per_day: Sequence[tuple[date, int]]) -> Chart:
    """Throughput run chart: cards finished each day, a dot per day joined by a line,
    with the median day drawn across."""
    if not per_day or not any(n for _, n in per_day):
        return Chart(None, "No card finished in this range.")
    ticks = nice_ticks(max(n for _, n in per_day))
    start, end = per_day[0][0], per_day[-1][0]
    span = max((end - start).days, 1)

    def x(day: date) -> float:
        return LEFT + PLOT_W * ((day - start).days / span if len(per_day) > 1 else 0.5)

    def y(v: float) -> float:
        return TOP + PLOT_H * (1 - v / ticks[-1])

    body = _y_axis(ticks, y) + _x_date_axis(start, end, x) + _frame("Day", "Cards finished")
    ordered = sorted(n for _, n in per_day)
    median = ordered[(len(ordered) - 1) // 2]
    py = _n(y(median))
    body.append(
        f'<line class="median" x1="{LEFT}" y1="{py}" x2="{LEFT + PLOT_W}" y2="{py}" '
        f'stroke="#6b7280" stroke-dasharray="4 4"/><text x="{LEFT + PLOT_W + 6}" y="{py}" '
        f'dy="4" fill="#4b5563">median {median}</text>'
    )
    path = " ".join(f"{_n(x(d))},{_n(y(n))}" for d, n in per_day)
    body.append(
        f'<polyline class="run" points="{path}" fill="none" stroke="#1d4ed8" stroke-width="2"/>'
    )
    for d, n in per_day:
        body.append(
            f'<circle class="point" data-date="{d.isoformat()}" cx="{_n(x(d))}" '
            f'cy="{_n(y(n))}" r="3.5" fill="#1d4ed8"><title>{day_label(d)}: {n}</title></circle>'
        )
    total = sum(n for _, n in per_day)
    summary = (
        f"{total} card{'s' if total != 1 else ''} finished over {len(per_day)} "
        f"day{'s' if len(per_day) != 1 else ''}; median {median} a day, most "
        f"{ordered[-1]} in a day."
    )
    return Chart(_svg(f"Throughput run chart: {summary}", body, "run"), summary)


def bar_chart(
    bars: Sequence[tuple[str, float, str]], *, title: str, unit_label: str, summary: str
) -> Chart:
    """Horizontal bars, one per confidence level: ``(label, value, text at the bar)``."""
    if not bars:
        return Chart(None, summary)
    height = 54 + 34 * len(bars)
    ticks = nice_ticks(max(v for _, v, _ in bars))
    left, width = 70, W - 70 - 220

    def x(v: float) -> float:
        return left + width * v / ticks[-1]

    body = []
    base = height - 44
    for t in ticks:
        px = _n(x(t))
        body.append(
            f'<line class="tick" x1="{px}" y1="{base}" x2="{px}" y2="{base + 4}" '
            f'stroke="#6b7280"/><text class="tick-label" x="{px}" y="{base + 16}" '
            f'text-anchor="middle" fill="#4b5563">{_fmt(t)}</text>'
        )
    body.append(f'<line class="axis" x1="{left}" y1="8" x2="{left}" y2="{base}" stroke="#6b7280"/>')
    body.append(
        f'<line class="axis" x1="{left}" y1="{base}" x2="{left + width}" y2="{base}" '
        f'stroke="#6b7280"/><text class="axis-label" x="{_n(left + width / 2)}" '
        f'y="{base + 34}" text-anchor="middle" fill="#374151">{escape(unit_label)}</text>'
    )
    for i, (label, value, text) in enumerate(bars):
        top = 12 + 34 * i
        colour = list(LEVEL_COLOURS.values())[i % 3]
        body.append(
            f'<text x="{left - 8}" y="{top + 15}" text-anchor="end" fill="#374151">'
            f"{escape(label)}</text>"
            f'<rect class="bar" x="{left}" y="{top}" width="{_n(max(x(value) - left, 1))}" '
            f'height="22" fill="{colour}" fill-opacity="0.8"><title>{escape(text)}</title></rect>'
            f'<text x="{_n(x(value) + 6)}" y="{top + 15}" fill="#111827">{escape(text)}</text>'
        )
    svg = Markup(
        f'<svg class="chart chart-bars" viewBox="0 0 {W} {height}" role="img" '
        f'aria-label="{escape(title)}: {escape(summary)}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, sans-serif" font-size="12"><title>{escape(title)}: '
        f"{escape(summary)}</title>" + "".join(body) + "</svg>"
    )
    return Chart(svg, summary)


# --- The Retro page's flow charts, from the flow service's answer ---------------------

MAX_TABLE_ROWS = 200


@dataclass(frozen=True, slots=True)
class FlowCharts:
    """The four flow charts and, for each, a small table of the data it draws."""

    charts: dict[str, Chart]
    tables: dict[str, dict[str, object]]


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _as_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _table(
    caption: str, head: list[str], rows: list[list[str]], *, day_rows: bool = False
) -> dict[str, object]:
    """A chart's data as a table; ``day_rows``: each row is a day (its label never wraps)."""
    if len(rows) > MAX_TABLE_ROWS:
        caption += f" (the first {MAX_TABLE_ROWS} of {len(rows)})"
        rows = rows[:MAX_TABLE_ROWS]
    return {"caption": caption, "head": head, "rows": rows, "day_rows": day_rows}


def _sampled(rows: list[list[str]]) -> list[list[str]]:
    """A long daily series as weekly rows (and its last day), for a readable table."""
    if len(rows) <= 62:
        return rows
    return [r for i, r in enumerate(rows) if i % 7 == 0 or i == len(rows) - 1]


def flow_charts(flow: Mapping[str, Any], *, start: date, end: date) -> FlowCharts:
    """Scatterplot, aging WIP, CFD and throughput run chart of a flow report."""
    ct, aging, cfd, tp = flow["cycle_time"], flow["aging"], flow["cfd"], flow["throughput"]
    points = [
        ScatterPoint(int(i["card_id"]), str(i["title"]), _as_datetime(i["finish"]), i["days"])
        for i in ct["items"]
    ]
    scatter = scatter_chart(points, ct["days"], start=start, end=end)
    # Tables label days "7 Dec", with the year when the range spans two or more.
    years = start.year != end.year
    scatter_rows = [
        [p.title, day_label(p.finish.date(), year=years), _fmt(p.days)]
        for p in sorted(points, key=lambda p: p.finish)
    ]
    names = {int(c["id"]): str(c["name"]) for c in cfd["columns"]}
    holding = {int(i["column_id"]) for i in aging["items"]}
    lanes = [
        (int(c["id"]), str(c["name"]))
        for c in cfd["columns"]
        if c["stage"] == "active" or int(c["id"]) in holding
    ]
    dots = [
        AgingPoint(int(i["card_id"]), str(i["title"]), int(i["column_id"]), i["age_hours"] / 24)
        for i in aging["items"]
    ]
    bands = {k: None if v is None else v / 24 for k, v in aging["bands"].items()}
    aging_rows = [
        [d.title, names.get(d.column_id, "?"), _fmt(d.age_days), _fmt(i["percentile"] or 0) + "%"]
        for d, i in sorted(
            zip(dots, aging["items"], strict=True), key=lambda pair: -pair[0].age_days
        )
    ]
    columns = [(int(c["id"]), str(c["name"])) for c in cfd["columns"]]
    days = [
        (_as_date(d["date"]), {int(k): int(v) for k, v in d["counts"].items()}) for d in cfd["days"]
    ]
    done = {int(c["id"]) for c in cfd["columns"] if c["stage"] == "done"}
    cfd_rows = [
        [day_label(day, year=years), *(str(c.get(cid, 0)) for cid, _ in columns)] for day, c in days
    ]
    per_day = [(_as_date(d["date"]), int(d["count"])) for d in tp["per_day"]]
    run_rows = [[day_label(day, year=years), str(n)] for day, n in per_day]
    if len(run_rows) > 62:
        run_rows = [
            [day_label(_as_date(w["week_start"]), year=years), str(w["count"])]
            for w in tp["per_week"]
        ]
    return FlowCharts(
        charts={
            "scatter": scatter,
            "aging": aging_chart(lanes, dots, bands),
            "cfd": cfd_chart(columns, days, done=done),
            "run": run_chart(per_day),
        },
        tables={
            "scatter": _table("Cards finished", ["Card", "Finished", "Days"], scatter_rows),
            "aging": _table(
                "Unfinished cards, oldest first",
                ["Card", "Column", "Age (days)", "Percentile"],
                aging_rows,
            ),
            "cfd": _table(
                "Cards in each column at the end of the day",
                ["Day", *(n for _, n in columns)],
                _sampled(cfd_rows),
                day_rows=True,
            ),
            "run": _table(
                "Cards finished" + (" each week" if len(per_day) > 62 else " each day"),
                ["Week of" if len(per_day) > 62 else "Day", "Finished"],
                run_rows,
                day_rows=True,
            ),
        },
    )
