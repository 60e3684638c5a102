"""Support metrics for a board's retro: confirmed resolution first, then response,
resolution, customer scores, automation and SLA attainment, overall and per channel,
product and segment.

The definitions are those of ``DOMAIN.md`` (Support metrics). Where it leaves a choice:

- **closed**: a card in a ``done`` column now whose finish (see :mod:`timeline`) is in
  the range; **confirmed solved**: the customer's latest yes/no answer, whenever it was
  given, is yes (a scores-only survey neither confirms nor withdraws it).
- **FRT** and the cards-based rates (repeat contact, AHT, automation) count the cards
  *created* in the range; TTR, FCR, reopen rate and missed count the cards *closed* in it;
  CSAT, CES and NPS count the answers *given* in it, the latest score of each kind per card.
- Durations are rounded to the millisecond: SQLite's clock arithmetic is that precise.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.board.service import board_role
from app.metrics import repository
from app.metrics import support_repository as sql
from app.metrics.params import Scope
from app.metrics.stats import mean, percentile, rate
from app.metrics.support_repository import CardRow, Policy
from app.metrics.timeline import ColumnInfo, Stay, Timeline, build

__all__ = ["NONE", "REOPEN_WINDOW", "Tally", "durations", "seconds", "support_report", "waited"]

NONE = "none"  # the split key of cards without a channel, product or segment
REOPEN_WINDOW = 7 * 86_400.0  # FCR fails on a reopen this soon after the first resolution
TOP_REASONS = 5


def seconds(later: float, earlier: float) -> float:
    """``later - earlier`` in whole milliseconds, never negative (clock skew)."""
    return round(max(later - earlier, 0.0), 3)


def durations(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    avg = mean(ordered)
    return {
        "count": len(ordered),
        "mean": None if avg is None else round(avg, 3),
        "median": percentile(ordered, 50),
        "p85": percentile(ordered, 85),
    }


def waited(stays: list[Stay], waits: set[int], since: float, until: float, now: float) -> float:
    """Seconds between ``since`` and ``until`` spent in columns that wait on the customer."""
    total = 0.0
    for s in stays:
        if s.column_id in waits:
            left = now if s.left is None else s.left
            total += max(min(left, until) - max(s.entered, since), 0.0)
    return round(total, 3)


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

    def report(self) -> dict[str, Any]:
        aht = mean(self.handle)
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
            "aht_seconds": None if aht is None else round(aht, 3),
            "automation_rate": rate(self.automated, self.bot_handled),
            "handover_rate": rate(self.bot_handled - self.automated, self.bot_handled),
            "missed": self.missed,
        }


class _Report:
    """The tallies of every slice, the SLA counts per policy and the contact reasons."""

    def __init__(self, policies: list[Policy]) -> None:
        self.overall = Tally()
        self.splits: dict[str, dict[str, Tally]] = {"channel": {}, "product": {}, "segment": {}}
        self.policies = {p.id: p for p in policies}
        # policy id -> [frt fulfilled, frt failed, ttr fulfilled, ttr failed]
        self.sla = {p.id: [0, 0, 0, 0] for p in policies}
        self.reasons: Counter[str] = Counter()

    def slices(self, channel: str | None, product: str | None, segment: str | None) -> list[Tally]:
        out = [self.overall]
        for name, key in (("channel", channel), ("product", product), ("segment", segment)):
            out.append(self.splits[name].setdefault(key or NONE, Tally()))
        return out

    def created(self, card: CardRow, repeat: bool) -> None:
        self.reasons[card.product or NONE] += 1
        automated = card.bot_resolved is not None and card.agent_replies == 0
        frt = None if card.first_response is None else seconds(card.first_response, card.created)
        for t in self.slices(card.channel, card.product, card.segment):
            t.cards += 1
            t.repeats += repeat
            if frt is not None:
                t.frt.append(frt)
            if card.handle_seconds > 0:
                t.handle.append(card.handle_seconds)
            if card.bot_handled:
                t.bot_handled += 1
                t.automated += automated

    def closed(self, card: CardRow, tl: Timeline, confirmed: bool) -> None:
        assert tl.finish is not None and tl.first_done is not None
        final = seconds(tl.finish, card.created)
        first = seconds(tl.first_done, card.created)
        net = round(max(final - card.waiting_seconds, 0.0), 3)
        early = any(r - tl.first_done <= REOPEN_WINDOW for r in tl.reopened_at)
        fcr = card.agent_replies <= 1 and not early and confirmed
        reopened = bool(tl.reopened_at) or card.reopen_count > 0
        missed = card.agent_replies == 0 and card.bot_resolved is None
        for t in self.slices(card.channel, card.product, card.segment):
            t.closed += 1
            t.confirmed += confirmed
            t.ttr_first.append(first)
            t.ttr_final.append(final)
            t.net_ttr.append(net)
            t.fcr += fcr
            t.reopened += reopened
            t.missed += missed
        policy = self.policies.get(card.sla_policy_id or 0)
        if policy is not None and policy.ttr_seconds is not None:
            self.sla[policy.id][2 if net <= policy.ttr_seconds else 3] += 1

    def first_response_sla(
        self, card: CardRow, *, stays: list[Stay], waits: set[int], stop: float, now: float
    ) -> None:
        """FRT attainment of a card created in the range: answered within the target of
        business time, answered late, or unanswered past it (``stop``: its finish if it
        was closed unanswered, else now); a card a bot resolved alone is not counted."""
        policy = self.policies.get(card.sla_policy_id or 0)
        if policy is None or policy.frt_seconds is None:
            return
        answered = card.first_response is not None
        if not answered and card.bot_resolved is not None and card.agent_replies == 0:
            return
        end = card.first_response if card.first_response is not None else stop
        business = seconds(end, card.created) - waited(stays, waits, card.created, end, now)
        if business > policy.frt_seconds:
            self.sla[policy.id][1] += 1
        elif answered:
            self.sla[policy.id][0] += 1

    def scores(self, keys: tuple[Any, Any, Any], csat: Any, ces: Any, nps: Any) -> None:
        for t in self.slices(*keys):
            if csat is not None:
                t.csat_rated += 1
                t.csat_good += csat >= 4
            if ces is not None:
                t.ces.append(int(ces))
            if nps is not None:
                t.nps_rated += 1
                t.promoters += nps >= 9
                t.detractors += nps <= 6

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


def _answers(rows: list[tuple[Any, ...]], report: _Report, holds: Any) -> dict[int, bool]:
    """Count the answers given in the range (the latest score of each kind per card) and
    return each card's latest yes/no verdict."""
    verdicts: dict[int, bool] = {}
    latest: dict[int, list[Any]] = {}
    for card_id, at, solved, csat, ces, nps, channel, product, segment in rows:
        if solved is not None:
            verdicts[card_id] = bool(solved)
        if holds(at):
            mine = latest.setdefault(card_id, [(channel, product, segment), None, None, None])
            for i, value in ((1, csat), (2, ces), (3, nps)):
                if value is not None:
                    mine[i] = value
    for keys, csat, ces, nps in latest.values():
        report.scores(keys, csat, ces, nps)
    return verdicts


def support_report(
    session: Session, *, actor: Principal, board_id: int, scope: Scope, now: float | None = None
) -> dict[str, Any]:
    """The board's support metrics over the range, overall and per channel/product/segment."""
    board_role(session, actor=actor, board_id=board_id)
    now = time.time() if now is None else now
    period, filters = scope.period, scope.filters
    columns: dict[int, ColumnInfo] = {c.id: c for c in repository.columns(session, board_id)}
    waits = sql.waiting_columns(session, board_id)
    report = _Report(sql.policies(session, board_id))
    verdicts = _answers(
        sql.answers(session, board_id=board_id, filters=filters), report, period.holds
    )
    repeats = sql.repeat_cards(session, board_id=board_id, filters=filters, period=period)
    stays = repository.stays_of_board(session, board_id=board_id, filters=filters)
    for card in sql.card_rows(session, board_id=board_id, filters=filters, period=period):
        mine = stays.get(card.id, [])
        tl = build(card.id, card.created, mine, columns, now) if card.stage == "done" else None
        finish = None if tl is None else tl.finish
        if period.holds(card.created):
            report.created(card, card.id in repeats)
            stop = now if finish is None else finish
            report.first_response_sla(card, stays=mine, waits=waits, stop=stop, now=now)
        if tl is not None and period.holds(finish):
            report.closed(card, tl, verdicts.get(card.id) is True)
    overall = report.overall.report()
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
            for name, split in report.splits.items()
        },
        "sla": report.sla_report(),
        "top_reasons": [{"product": p, "count": n} for p, n in reasons],
    }
