"""The Retro page's "Automation" section: AI agents measured by what the customer
confirmed, next to what an assumed-resolution count would report, hand-overs and what
followed them, and the cost per confirmed resolution of bots and of people."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.metrics import automation
from app.web.numbers import number

__all__ = ["automation_view", "money"]

SPLIT_HEAD = (
    "Cards bots worked",
    "Confirmed",
    "Assumed-resolution count would report",
    "Rejected",
    "Hand-overs",
    "Bot cost per confirmed resolution",
    "People's cost per confirmed resolution",
)


def _percent(share: float | None) -> str:
    return "—" if share is None else number(share * 100) + "%"


def money(value: float | None) -> str:
    """US dollars: cents, or four places below a dollar ("$0.0125"); "—" for none."""
    if value is None:
        return "—"
    if value >= 1 or value == 0:
        return f"${value:,.2f}"
    whole, _, frac = f"{value:.4f}".partition(".")
    return f"${whole}.{frac[:2] + frac[2:].rstrip('0')}"


def _share(part: int, rate: float | None) -> str:
    return f"{part} ({_percent(rate)})" if rate is not None else str(part)


def _split(key: str, split: dict[str, dict[str, Any]]) -> dict[str, Any]:
    rows = []
    for name, m in split.items():
        if not (m["bot_cards_worked"] or m["people_resolutions"]):
            continue
        cells = [
            str(m["bot_cards_worked"]),
            _share(m["confirmed"], m["confirmed_rate"]),
            _share(m["confirmed"] + m["assumed"], m["assumed_rate"]),
            str(m["rejected"]),
            _share(m["handovers"], m["handover_rate"]),
            money(m["cost_per_confirmed_resolution_usd"]),
            money(m["people_cost_per_confirmed_resolution_usd"]),
        ]
        label = f"(no {key})" if name == automation.NONE else name
        rows.append({"key": name, "label": label, "cells": cells})
    return {"key": key, "rows": rows}


def automation_view(
    a: dict[str, Any], *, duration: Callable[[float | None], str]
) -> dict[str, Any]:
    """What the section prints, from the support report's ``automation`` object;
    ``duration`` is the page's format for seconds."""
    follow = a["handover_followup"]
    cycle = follow["swarm_cycle_seconds"]
    return {
        "worked": a["bot_cards_worked"],
        "empty": a["bot_cards_worked"] == 0,
        "confirmed": a["confirmed"],
        "confirmed_rate": a["confirmed_rate"],
        "confirmed_rate_text": _percent(a["confirmed_rate"]),
        "assumed": a["assumed"],
        "assumed_rate": a["assumed_rate"],
        "assumed_rate_text": _percent(a["assumed_rate"]),
        "rejected": a["rejected"],
        "awaiting": a["awaiting"],
        "resolutions": a["bot_resolutions"],
        "fin": automation.FIN_DEFINITION,
        "handovers": a["handovers"],
        "handover_rate": a["handover_rate"],
        "handover_rate_text": _percent(a["handover_rate"]),
        "followup": {
            "ended": follow["swarms_ended"],
            "open": follow["swarms_open"],
            "cycle_median": duration(cycle["median"]),
            "cycle_p85": duration(cycle["p85"]),
            "confirmed": follow["customer_confirmed"],
            "rejected": follow["customer_rejected"],
            "unanswered": follow["customer_unanswered"],
        },
        "bot_cost": money(a["bot_cost_usd"]),
        "bot_cost_raw": a["bot_cost_usd"],
        "tokens": f"{a['bot_input_tokens']:,} in, {a['bot_output_tokens']:,} out",
        "bot_per_confirmed": money(a["cost_per_confirmed_resolution_usd"]),
        "bot_per_confirmed_raw": a["cost_per_confirmed_resolution_usd"],
        "people_per_confirmed": money(a["people_cost_per_confirmed_resolution_usd"]),
        "people_per_confirmed_raw": a["people_cost_per_confirmed_resolution_usd"],
        "people_confirmed": a["people_confirmed"],
        "hourly": money(a["staff_hourly_cost"]) if a["staff_hourly_cost"] is not None else None,
        "split_head": SPLIT_HEAD,
        "splits": [_split(k, a[f"by_{k}"]) for k in ("channel", "product")],
    }
