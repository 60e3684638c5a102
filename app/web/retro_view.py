"""What the Retro page prints: tiles, tables, chart data and forecasts, built from the
metrics services' reports (numbers formatted here, SVG drawn by :mod:`app.web.charts`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from app.metrics import flow as flow_service
from app.metrics import forecast as forecast_service
from app.metrics import history
from app.metrics import support as support_service
from app.metrics.params import Scope
from app.web import charts
from app.web.dates import day_text as _day_text
from app.web.numbers import number
from app.web.retro_automation import automation_view

__all__ = [
    "FORECAST_DAYS",
    "FORECAST_SEED",
    "build_view",
    "compute",
    "duration",
    "number",
    "percent",
    "unfinished",
]

# The page's forecasts: how many by two weeks out, with a fixed seed so that a reload
# (and the API asked with the same seed) shows the same numbers.
FORECAST_DAYS = 14
FORECAST_SEED = 20_240


class HistoryCard(NamedTuple):
    """A card row of :class:`~app.metrics.history.BoardHistory`, read by name."""

    id: int
    created: float
    column_id: int
    title: str
    blocked: bool
    blocked_since: float | None
    blocked_seconds: float


if HistoryCard._fields != history.HISTORY_FIELDS:  # the metrics rows changed shape
    raise RuntimeError(f"HistoryCard must name {history.HISTORY_FIELDS}")


def unfinished(h: history.BoardHistory) -> int:
    """The (filtered) cards that are not in a done column now: the backlog to forecast."""
    done = {c.id for c in h.columns if c.stage == "done"}
    return sum(1 for card in map(HistoryCard._make, h.cards) if card.column_id not in done)


def compute(data: dict[str, Any], *, today: date) -> dict[str, Any]:
    """The arithmetic over what was read, as the endpoints do it (off the event loop):
    the flow report and both forecasts, with the page's fixed seed."""
    sample = data["sample"]
    items = unfinished(data["history"])
    when = None
    if items:
        try:
            when = forecast_service.forecast_when(sample, items=items, seed=FORECAST_SEED)
        except forecast_service.NoThroughputHistory:
            when = None
    return {
        **data,
        "flow": flow_service.summarise(data["history"]),
        "how_many": forecast_service.forecast_how_many(
            sample, until=today + timedelta(days=FORECAST_DAYS), seed=FORECAST_SEED
        ),
        "when": when,
        "unfinished": items,
    }


# --- What the page prints ----------------------------------------------------------


def percent(share: float | None) -> str:
    """A share from 0 to 1 as a percentage: 0.6 -> "60%" (one decimal at most)."""
    return "—" if share is None else number(share * 100) + "%"


def duration(seconds: float | None) -> str:
    """Seconds as people read them: "45s", "12m", "3h 20m", "2d 4h"; "—" for none."""
    if seconds is None:
        return "—"
    if round(seconds) < 60:
        return f"{round(seconds)}s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 1440:
        h, m = divmod(minutes, 60)
        return f"{h}h {m}m" if m else f"{h}h"
    d, h = divmod(round(seconds / 3600), 24)
    return f"{d}d {h}h" if h else f"{d}d"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _tile(key: str, label: str, value: str, raw: Any, detail: str = "") -> dict[str, Any]:
    return {"key": key, "label": label, "value": value, "raw": raw, "detail": detail}


def support_tiles(m: dict[str, Any]) -> list[dict[str, Any]]:
    """The support tiles of a metric set, in the page's order (after the headline)."""
    frt, first, final, net = m["frt"], m["ttr_first"], m["ttr_final"], m["net_ttr"]
    nps = m["nps"]["score"]
    return [
        _tile(
            "frt",
            "First response",
            duration(frt["median"]),
            frt["median"],
            f"median of {frt['count']}; 85% within {duration(frt['p85'])}",
        ),
        _tile(
            "ttr_first",
            "Time to first resolution",
            duration(first["median"]),
            first["median"],
            f"median of {first['count']}; 85% within {duration(first['p85'])}",
        ),
        _tile(
            "ttr_final",
            "Time to final resolution",
            duration(final["median"]),
            final["median"],
            f"median of {final['count']}; 85% within {duration(final['p85'])}",
        ),
        _tile(
            "net_ttr",
            "Net time to resolution",
            duration(net["median"]),
            net["median"],
            "median, without waiting on the customer",
        ),
        _tile(
            "fcr_rate",
            "First-contact resolution",
            percent(m["fcr_rate"]),
            m["fcr_rate"],
            "one reply, not reopened, confirmed",
        ),
        _tile(
            "reopen_rate",
            "Reopened",
            percent(m["reopen_rate"]),
            m["reopen_rate"],
            "of closed cards",
        ),
        _tile(
            "repeat_contact_rate",
            "Repeat contacts",
            percent(m["repeat_contact_rate"]),
            m["repeat_contact_rate"],
            f"of {plural(m['cards'], 'new card')}",
        ),
        _tile(
            "csat",
            "CSAT",
            percent(m["csat"]["score"]),
            m["csat"]["score"],
            f"{plural(m['csat']['rated'], 'rating')}, 4 or 5 of 5 is good",
        ),
        _tile(
            "ces",
            "CES",
            "—" if m["ces"]["mean"] is None else f"{number(m['ces']['mean'], 2)} / 7",
            m["ces"]["mean"],
            f"mean effort of {plural(m['ces']['rated'], 'answer')}",
        ),
        _tile(
            "nps",
            "NPS",
            "—" if nps is None else ("+" if nps > 0 else "") + number(nps),
            nps,
            f"{plural(m['nps']['rated'], 'answer')}, from -100 to +100",
        ),
        _tile(
            "aht",
            "Average handle time",
            duration(m["aht_seconds"]),
            m["aht_seconds"],
            "agent working time per card",
        ),
        _tile(
            "automation_rate",
            "Automation",
            percent(m["automation_rate"]),
            m["automation_rate"],
            f"resolved by a bot; hand-over {percent(m['handover_rate'])}",
        ),
        _tile("missed", "Missed", str(m["missed"]), m["missed"], "closed with no agent reply"),
    ]


def headline(closed: dict[str, Any]) -> dict[str, Any]:
    """Confirmed solved against closed: the page's first number."""
    count, yes, share = (
        closed["count"],
        closed["confirmed_solved"],
        closed["confirmed_resolution_rate"],
    )
    sentence = f"{yes} confirmed solved of {count} closed"
    if share is not None:
        sentence += f" ({percent(share)})"
    return {
        "confirmed": yes,
        "closed": count,
        "rate": share,
        "rate_text": percent(share),
        "sentence": sentence,
        "note": "A closed card is not a solved problem: only the customer's “yes, it is "
        "resolved” counts as confirmed.",
    }


BREAKDOWN_HEAD = (
    "Cards",
    "Closed",
    "Confirmed solved",
    "First response (median)",
    "Final resolution (median)",
    "FCR",
    "Reopened",
    "CSAT",
    "Missed",
)


def _breakdown(key: str, split: dict[str, dict[str, Any]]) -> dict[str, Any]:
    rows = []
    for name, m in split.items():
        confirmed = f"{m['confirmed_solved']}"
        if m["confirmed_resolution_rate"] is not None:
            confirmed += f" ({percent(m['confirmed_resolution_rate'])})"
        cells = [
            str(m["cards"]),
            str(m["closed"]),
            confirmed,
            duration(m["frt"]["median"]),
            duration(m["ttr_final"]["median"]),
            percent(m["fcr_rate"]),
            percent(m["reopen_rate"]),
            percent(m["csat"]["score"]),
            str(m["missed"]),
        ]
        label = f"(no {key})" if name == support_service.NONE else name
        rows.append({"key": name, "label": label, "cells": cells})
    return {"key": key, "rows": rows}


def _attainment(a: dict[str, Any]) -> str:
    judged = a["fulfilled"] + a["failed"]
    if not judged:
        return "—"
    return f"{percent(a['attainment'])} ({a['fulfilled']} of {judged})"


def support_view(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "headline": headline(report["closed"]),
        "tiles": support_tiles(report["overall"]),
        "sla": [
            {
                "policy_id": row["policy_id"],
                "name": row["name"],
                "frt": _attainment(row["frt"]),
                "ttr": _attainment(row["ttr"]),
            }
            for row in report["sla"]
        ],
        "reasons": [
            {
                **r,
                "product": "(no product)" if r["product"] == support_service.NONE else r["product"],
            }
            for r in report["top_reasons"][:5]
        ],
        "breakdown_head": BREAKDOWN_HEAD,
        "breakdowns": [
            _breakdown(key, report[f"by_{key}"]) for key in ("channel", "product", "segment")
        ],
        "generated_at": report["generated_at"],
    }


def _hours(h: float | None) -> str:
    return duration(None if h is None else h * 3600)


def flow_view(flow: dict[str, Any]) -> dict[str, Any]:
    """The flow tiles and the where-it-waited and blocked tables."""
    ct, lt, wip, tp, blocked = (
        flow["cycle_time"],
        flow["lead_time"],
        flow["wip"],
        flow["throughput"],
        flow["blocked"],
    )
    days = ct["days"]
    tiles = [
        _tile("wip", "Work in progress", str(wip["now"]), wip["now"], "started, not finished"),
        _tile("throughput", "Finished", str(tp["total"]), tp["total"], "cards done in the range"),
        _tile(
            "cycle_p50",
            "Cycle time, 50%",
            "—" if days["p50"] is None else plural(days["p50"], "day"),
            days["p50"],
            f"{_hours(ct['p50'])} from start to finish",
        ),
        _tile(
            "cycle_p85",
            "Cycle time, 85%",
            "—" if days["p85"] is None else plural(days["p85"], "day"),
            days["p85"],
            f"{_hours(ct['p85'])} from start to finish",
        ),
        _tile(
            "cycle_p95",
            "Cycle time, 95%",
            "—" if days["p95"] is None else plural(days["p95"], "day"),
            days["p95"],
            f"{_hours(ct['p95'])} from start to finish",
        ),
        _tile(
            "lead_p85",
            "Lead time, 85%",
            _hours(lt["p85"]),
            lt["p85"],
            f"creation to finish; median {_hours(lt['p50'])}",
        ),
        _tile(
            "blocked",
            "Blocked",
            _hours(blocked["total_hours"]),
            blocked["total_hours"],
            f"across {plural(blocked['cards'], 'card')}",
        ),
    ]
    tic = {
        "caption": "Time in each column, summed over visits, of the cards that were in it",
        "head": ["Column", "Cards", "Median", "85%"],
        "rows": [
            [c["name"], str(c["cards"]), _hours(c["median_hours"]), _hours(c["p85_hours"])]
            for c in flow["time_in_column"]
            if c["cards"]
        ],
    }
    blocked_table = {
        "caption": "The cards blocked longest",
        "head": ["Card", "Blocked"],
        "rows": [[b["title"], _hours(b["hours"])] for b in blocked["items"][:10]],
    }
    summary = (
        f"{_hours(blocked['total_hours'])} blocked in all, "
        f"across {plural(blocked['cards'], 'card')}."
    )
    return {
        "flow_tiles": tiles,
        "time_in_column": tic,
        "blocked": {**blocked_table, "summary": summary},
    }


def swarm_view(report: dict[str, Any]) -> dict[str, Any]:
    size = report["median_swarm_size"]
    ct = report["cycle_time"]
    tiles = [
        _tile("swarms", "Swarms", str(report["swarms"]), report["swarms"], "started in the range"),
        _tile(
            "cards_swarmed", "Cards swarmed", str(report["cards_swarmed"]), report["cards_swarmed"]
        ),
        _tile(
            "median_swarm_size",
            "Median swarm size",
            "—" if size is None else number(size),
            size,
            "people in a swarm",
        ),
        _tile(
            "time_to_swarm",
            "Time to swarm",
            duration(report["median_time_to_swarm_seconds"]),
            report["median_time_to_swarm_seconds"],
            "median, from the card's creation",
        ),
    ]
    cycle = {
        "caption": "Cycle time of the cards finished in the range",
        "head": ["Cards", "Finished", "Median", "85%"],
        "rows": [
            [label, str(ct[key]["count"]), _hours(ct[key]["p50"]), _hours(ct[key]["p85"])]
            for key, label in (("swarmed", "Swarmed"), ("not_swarmed", "Not swarmed"))
        ],
    }
    teams = {
        "caption": "How many teams the swarmed cards' fixes needed",
        "head": ["Teams", "Cards"],
        "rows": [[k, str(v)] for k, v in report["teams_needed"].items()],
    }
    return {"swarms": report["swarms"], "tiles": tiles, "cycle": cycle, "teams": teams}


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def forecast_view(
    how_many: dict[str, Any], when: dict[str, Any] | None, items: int
) -> dict[str, Any]:
    """The two forecasts at 50/85/95%, as sentences and bars."""
    until = _as_date(how_many["until"])
    history = how_many["history"]
    hm_levels: list[dict[str, Any]] = []
    hm_bars: list[tuple[str, float, str]] = []
    for key in charts.LEVELS if history["finished"] else ():
        n, label = int(how_many[key]), f"{key[1:]}%"
        text = f"at least {plural(n, 'card')}"
        hm_levels.append({"key": key, "label": label, "value": n, "text": text})
        hm_bars.append((label, n, text))
    w_levels: list[dict[str, Any]] = []
    w_bars: list[tuple[str, float, str]] = []
    for key in charts.LEVELS if when is not None else ():
        assert when is not None
        at, label = when[key], f"{key[1:]}%"
        if at["days"] is None:
            text, day = "not within 10 years", ""
        else:
            days = int(at["days"])
            text, day = f"by {_day_text(_as_date(at['date']))} ({plural(days, 'day')})", at["date"]
            w_bars.append((label, days, text))
        w_levels.append(
            {"key": key, "label": label, "value": str(day), "days": at["days"], "text": text}
        )
    start, end = _as_date(history["from"]), _as_date(history["to"])
    no_history = (
        f"No card was finished from {_day_text(start)} to {_day_text(end)}, so there is no "
        "throughput to forecast from: pick a range in which cards were finished."
    )
    return {
        "runs_text": f"{int(how_many['runs']):,}",
        "history_text": (
            f"{plural(int(history['finished']), 'card')} finished from {_day_text(start)} to "
            f"{_day_text(end)}, {number(history['mean_per_day'], 2)} a day on average"
        ),
        "how_many": {
            "until": until.isoformat(),
            "until_text": _day_text(until),
            "levels": hm_levels,
            "chart": charts.bar_chart(
                hm_bars,
                title=f"Cards finished by {_day_text(until)}",
                unit_label="cards finished",
                summary="; ".join(f"{f['label']} confident: {f['text']}" for f in hm_levels),
            ),
            "message": no_history,
        },
        "when": {
            "count": items,
            "levels": w_levels,
            "chart": charts.bar_chart(
                w_bars,
                title=f"Days until {plural(items, 'card')} are done",
                unit_label="days from today",
                summary="; ".join(f"{f['label']} confident: {f['text']}" for f in w_levels),
            ),
            "message": no_history if items else "No card is unfinished: nothing to forecast.",
        },
    }


def build_view(read: dict[str, Any], scope: Scope, *, today: date) -> dict[str, Any]:
    """Everything the page prints for a valid scope, from what was read."""
    data = compute(read, today=today)
    period = scope.period
    flow = data["flow"]
    built = charts.flow_charts(flow, start=period.start, end=period.end)
    return {
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "start_text": _day_text(period.start),
            "end_text": _day_text(period.end),
            "days": len(period.days),
        },
        **support_view(data["support"]),
        "automation": automation_view(data["support"]["automation"], duration=duration),
        **flow_view(flow),
        "charts": built.charts,
        "tables": built.tables,
        "swarm": swarm_view(data["swarms"]),
        "forecast": forecast_view(data["how_many"], data["when"], data["unfinished"]),
    }
