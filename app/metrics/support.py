"""Support metrics for a board's retro: confirmed resolution first, then response,
resolution, customer scores, automation and SLA attainment, overall and per channel,
product and segment.

The definitions are those of ``DOMAIN.md`` (Support metrics). Where it leaves a choice:

- **closed**: a card in a ``done`` column now whose finish (as :mod:`timeline` defines
  it; ``support_repository.card_rows`` folds the stays in SQL) is in the range;
  **confirmed solved**: the customer's latest yes/no answer, whenever it was given, is
  yes (a scores-only survey neither confirms nor withdraws it).
- **FRT** and the cards-based rates (repeat contact, AHT, automation) count the cards
  *created* in the range; TTR, FCR, reopen rate and missed count the cards *closed* in it;
  CSAT, CES and NPS count the answers *given* in it, the latest score of each kind per card.
- Durations are reported to the millisecond: SQLite's clock arithmetic is that precise.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.board.access import board_role
from app.metrics import support_repository as sql
from app.metrics.automation import automation_report
from app.metrics.params import Scope
from app.metrics.stats import mean, percentile, rate
from app.metrics.support_repository import CardRow, Policy

__all__ = ["NONE", "REOPEN_WINDOW", "Tally", "durations", "support_report"]

NONE = "none"  # the split key of cards without a channel, product or segment
REOPEN_WINDOW = 7 * 86_400.0  # FCR fails on a reopen this soon after the first resolution
TOP_REASONS = 5
SPLITS = ("channel", "product", "segment")
Keys = tuple[str | None, str | None, str | None]


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def durations(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "mean": _ms(mean(ordered)),
        "median": _ms(percentile(ordered, 50)),
        "p85": _ms(percentile(ordered, 85)),
    }


class Tally:
    """What one slice of cards (all of them, or one channel, product or segment) adds up to."""

    def __init__(self) -> None:
        self.cards = self.repeats = self.bot_handled = self.automated = 0
        self.closed = self.confirmed = self.fcr = self.reopened = self.missed = 0
        self.frt: list[float] = []
        self.handle: list[float] = []
        self.ttr_first: list[float] = []
        self.ttr_final: list[float] = []
        self.net_ttr: list[float] = []
        self.csat_good = self.csat_rated = 0
        self.ces: list[int] = []
        self.promoters = self.detractors = self.nps_rated = 0

    def absorb(self, other: Tally) -> None:
        for name, value in vars(other).items():
            mine = getattr(self, name)
            if isinstance(mine, list):
                mine.extend(value)
            else:
                setattr(self, name, mine + value)

    def report(self) -> dict[str, Any]:
        ces = mean(self.ces)
        nps = self.promoters - self.detractors
        return {
            "cards": self.cards,
            "closed": self.closed,
            "confirmed_solved": self.confirmed,
            "confirmed_resolution_rate": rate(self.confirmed, self.closed),
            "frt": durations(self.frt),
            "ttr_first": durations(self.ttr_first),
            "ttr_final": durations(self.ttr_final),
            "net_ttr": durations(self.net_ttr),
            "fcr_rate": rate(self.fcr, self.closed),
            "reopen_rate": rate(self.reopened, self.closed),
            "repeat_contact_rate": rate(self.repeats, self.cards),
            "csat": {"score": rate(self.csat_good, self.csat_rated), "rated": self.csat_rated},
            "ces": {"mean": None if ces is None else round(ces, 2), "rated": len(self.ces)},
            "nps": {
                "score": round(100 * nps / self.nps_rated, 1) if self.nps_rated else None,
                "rated": self.nps_rated,
            },
            "aht_seconds": _ms(mean(self.handle)),
            "automation_rate": rate(self.automated, self.bot_handled),
            "handover_rate": rate(self.bot_handled - self.automated, self.bot_handled),
            "missed": self.missed,
        }


class _Report:
    """One tally per (channel, product, segment) combination, merged into the overall
    and per-split figures at the end; SLA counts per policy; contact reasons."""

    def __init__(self, policies: list[Policy]) -> None:
        self.combos: dict[Keys, Tally] = {}
        self.policies = {p.id: p for p in policies}
        # policy id -> [frt fulfilled, frt failed, ttr fulfilled, ttr failed]
        self.sla = {p.id: [0, 0, 0, 0] for p in policies}
        self.reasons: Counter[str] = Counter()

    def tally(self, keys: Keys) -> Tally:
        found = self.combos.get(keys)
        if found is None:
            found = self.combos[keys] = Tally()
        return found

    def created(self, card: CardRow, t: Tally, repeat: bool) -> None:
        self.reasons[card.product or NONE] += 1
        t.cards += 1
        t.repeats += repeat
        if card.first_response is not None:
            t.frt.append(max(card.first_response - card.created, 0.0))
        if card.handle_seconds > 0:
            t.handle.append(card.handle_seconds)
        if card.bot_handled:
            t.bot_handled += 1
            t.automated += bool(card.bot_resolved) and card.agent_replies == 0

    def closed(self, card: CardRow, t: Tally, confirmed: bool) -> None:
        finish, first_done, reopen = card.finish, card.first_done, card.first_reopen
        assert finish is not None and first_done is not None
        final = max(finish - card.created, 0.0)
        net = max(final - card.waiting_seconds, 0.0)
        early = reopen is not None and round(reopen - first_done, 3) <= REOPEN_WINDOW
        t.closed += 1
        t.confirmed += confirmed
        t.ttr_first.append(max(first_done - card.created, 0.0))
        t.ttr_final.append(final)
        t.net_ttr.append(net)
        t.fcr += card.agent_replies <= 1 and not early and confirmed
        t.reopened += reopen is not None or card.reopen_count > 0
        t.missed += card.agent_replies == 0 and not card.bot_resolved
        policy = self.policies.get(card.sla_policy_id or 0)
        if policy is not None and policy.ttr_seconds is not None:
            self.sla[policy.id][2 if round(net, 3) <= policy.ttr_seconds else 3] += 1

    def first_response_sla(self, card: CardRow, now: float) -> None:
        """FRT attainment of a card created in the range: answered within the target of
        business time, answered late, or unanswered past it (until its finish if it was
        closed unanswered, else until now); a card a bot resolved alone is not counted."""
        policy = self.policies.get(card.sla_policy_id or 0)
        if policy is None or policy.frt_seconds is None:
            return
        answered = card.first_response is not None
        if not answered and card.bot_resolved and card.agent_replies == 0:
            return
        end = card.first_response if answered else card.finish
        end = now if end is None else end
        business = round(max(end - card.created, 0.0) - card.frt_waited, 3)
        if business > policy.frt_seconds:
            self.sla[policy.id][1] += 1
        elif answered:
            self.sla[policy.id][0] += 1

    def scores(self, keys: Keys, csat: Any, ces: Any, nps: Any) -> None:
        t = self.tally(keys)
        if csat is not None:
            t.csat_rated += 1
            t.csat_good += csat >= 4
        if ces is not None:
            t.ces.append(int(ces))
        if nps is not None:
            t.nps_rated += 1
            t.promoters += nps >= 9
            t.detractors += nps <= 6

    def slices(self) -> tuple[Tally, dict[str, dict[str, Tally]]]:
        overall = Tally()
        splits: dict[str, dict[str, Tally]] = {name: {} for name in SPLITS}
        for keys, combo in self.combos.items():
            overall.absorb(combo)
            for name, key in zip(SPLITS, keys, strict=True):
                target = splits[name].get(key or NONE)
                if target is None:
                    target = splits[name][key or NONE] = Tally()
                target.absorb(combo)
        return overall, splits

    def sla_report(self) -> list[dict[str, Any]]:
        def attained(ok: int, late: int) -> dict[str, Any]:
            return {"fulfilled": ok, "failed": late, "attainment": rate(ok, ok + late)}

        return [
            {
                "policy_id": p.id,
                "name": p.name,
                "frt": attained(*self.sla[p.id][:2]),
                "ttr": attained(*self.sla[p.id][2:]),
            }
            for p in self.policies.values()
        ]


def _scores(rows: list[tuple[Any, ...]], report: _Report) -> None:
    """Count the answers given in the range: the latest score of each kind per card."""
    latest: dict[int, list[Any]] = {}
    for card_id, csat, ces, nps, channel, product, segment in rows:  # oldest first
        mine = latest.setdefault(card_id, [(channel, product, segment), None, None, None])
        for i, value in ((1, csat), (2, ces), (3, nps)):
            if value is not None:
                mine[i] = value
    for keys, csat, ces, nps in latest.values():
        report.scores(keys, csat, ces, nps)


def support_report(
    session: Session, *, actor: Principal, board_id: int, scope: Scope, now: float | None = None
) -> dict[str, Any]:
    """The board's support metrics over the range, overall and per channel/product/segment."""
    board_role(session, actor=actor, board_id=board_id)
    now = time.time() if now is None else now
    period, filters = scope.period, scope.filters
    start, end = period.start_ts, period.end_ts
    report = _Report(sql.policies(session, board_id))
    _scores(sql.answers(session, board_id=board_id, filters=filters, period=period), report)
    repeats = sql.repeat_cards(session, board_id=board_id, filters=filters, period=period)
    confirmed = sql.confirmed_cards(session, board_id=board_id)
    rows = sql.card_rows(session, board_id=board_id, filters=filters, period=period, now=now)
    for card in rows:
        t = report.tally((card.channel, card.product, card.segment))
        if start <= card.created < end:
            report.created(card, t, card.id in repeats)
            report.first_response_sla(card, now)
        if card.finish is not None and start <= card.finish < end:
            report.closed(card, t, card.id in confirmed)
    totals, splits = report.slices()
    overall = totals.report()
    reasons = sorted(report.reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REASONS]
    return {
        "board_id": board_id,
        "from": period.start,
        "to": period.end,
        "generated_at": datetime.fromtimestamp(now, UTC),
        "closed": {
            "count": overall["closed"],
            "confirmed_solved": overall["confirmed_solved"],
            "confirmed_resolution_rate": overall["confirmed_resolution_rate"],
        },
        "overall": overall,
        **{
            f"by_{name}": {key: t.report() for key, t in sorted(split.items())}
            for name, split in splits.items()
        },
        "sla": report.sla_report(),
        "top_reasons": [{"product": p, "count": n} for p, n in reasons],
        "automation": automation_report(session, board_id=board_id, scope=scope, now=now),
    }
