"""Support metrics: hand-computed fixtures on a fixed two-week calendar.

Times are hours after Monday 3 March 2025 00:00 UTC; the range is 3-16 March (hours 0
to 336). Board columns: Triage (backlog), Working, Waiting (on the customer), Resolved.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.metrics import repository, support_repository, timeline
from app.metrics.filters import CardFilter, DateRange
from tests import factories
from tests.metrics.support_helpers import (
    BASE,
    interact,
    link,
    make_board,
    pin,
    policy,
    replies,
    support,
    survey,
    ticket,
)

PROBLEM = "application/problem+json"


async def test_closed_cards_confirmed_resolution_ttr_fcr_reopens_and_missed(client, app):
    b, col = await make_board(client)
    t, w, c, r = col["Triage"], col["Working"], col["Waiting"], col["Resolved"]

    # A: one reply, confirmed: the clean first-contact resolution.
    a = await ticket(client, b, channel="chat")
    await replies(client, a, 600)
    await survey(client, a, 4, solved=True)
    await pin(app, a, created=1, path=[(t, 1), (w, 1.5), (r, 3)], first_response=1.5)
    # B: two replies (FCR fails on replies), two hours waiting on the customer.
    bb = await ticket(client, b)
    await replies(client, bb, 300, 300)
    await survey(client, bb, 11, solved=True)
    await pin(app, bb, created=2, path=[(t, 2), (w, 4), (c, 5), (w, 7), (r, 10)], first_response=4)
    # C: reopened 3 days after its first resolution (FCR fails on the reopen).
    cc = await ticket(client, b, channel="chat", product="Login")
    await replies(client, cc, 900)
    await survey(client, cc, 81, solved=True)
    await pin(
        app, cc, created=3, path=[(t, 3), (w, 3.25), (r, 5), (w, 77), (r, 80)], first_response=3.25
    )
    # D: said yes, then no, then sent a CSAT only: the latest yes/no is no (FCR fails).
    d = await ticket(client, b, product="Login")
    await replies(client, d, 1200)
    await survey(client, d, 8, solved=True)
    await survey(client, d, 9, solved=False)
    await survey(client, d, 10, csat=4)
    await pin(app, d, created=4, path=[(t, 4), (w, 5), (r, 6)], first_response=5)
    # J: reopened 8 days after its first resolution: a reopen, yet still FCR.
    j = await ticket(client, b, channel="web", product="Login")
    await replies(client, j, 300)
    await survey(client, j, 25, solved=True)
    await pin(
        app, j, created=22, path=[(t, 22), (w, 23), (r, 24), (w, 216), (r, 220)], first_response=23
    )
    # G: closed without any reply: missed.
    g = await ticket(client, b, product=None, segment=None, customer=None)
    await pin(app, g, created=8, path=[(t, 8), (r, 9)])
    # K: created before the range, closed in it: closed, but not a card of the range.
    k = await ticket(client, b, product="Shipping")
    await replies(client, k, 300)
    await pin(app, k, created=-48, path=[(t, -48), (w, -47), (r, 30)], first_response=-47)
    # L open; M closed after the range; N created and closed before it.
    lo = await ticket(client, b)
    await replies(client, lo, 300)
    await pin(app, lo, created=50, path=[(t, 50), (w, 51)], first_response=51)
    m = await ticket(client, b)
    await pin(app, m, created=300, path=[(t, 300), (w, 301), (r, 340)], first_response=301)
    n = await ticket(client, b)
    await pin(app, n, created=-100, path=[(t, -100), (r, -50)])

    report = await support(client, b)
    o = report["overall"]
    # Closed in range: A, B, C, D, J, G, K; the customer said yes (last) on A, B, C, J.
    assert report["closed"] == {
        "count": 7,
        "confirmed_solved": 4,
        "confirmed_resolution_rate": 0.5714,
    }
    assert (o["closed"], o["confirmed_solved"], o["confirmed_resolution_rate"]) == (7, 4, 0.5714)
    assert o["cards"] == 8  # A B C D J G L M
    # First resolution: A 2h, B 8h, C 2h, D 2h, J 2h, G 1h, K 78h.
    # mean = (3600 + 4 x 7200 + 28800 + 280800) / 7 = 342000 / 7
    assert o["ttr_first"] == {"count": 7, "mean": 48857.143, "median": 7200, "p85": 28800}
    # Final: A 2h, B 8h, C 77h, D 2h, J 198h, G 1h, K 78h; sorted
    # 3600 7200 7200 28800 277200 280800 712800: mean 1317600 / 7, median 4th, p85 6th.
    assert o["ttr_final"] == {"count": 7, "mean": 188228.571, "median": 28800, "p85": 280800}
    # Net: B waited 2h, so 6h; mean (1317600 - 7200) / 7 = 187200.
    assert o["net_ttr"] == {"count": 7, "mean": 187200.0, "median": 21600, "p85": 280800}
    # FCR: A and J (B two replies, C reopened within 7 days, D/G/K not confirmed): 2/7.
    assert o["fcr_rate"] == 0.2857
    # Reopened: C (after 3 days) and J (after 8 days): 2/7.
    assert o["reopen_rate"] == 0.2857
    assert o["missed"] == 1  # G


async def test_csat_ces_nps_take_the_latest_answer_per_card_in_the_range(client, app):
    b, _ = await make_board(client)
    s1, s2, s3, s4, s5, s6, s9, s7, s8 = [await ticket(client, b) for _ in range(9)]
    await survey(client, s1, 10, csat=5, ces=2, nps=10)
    await survey(client, s2, 11, csat=4, ces=3, nps=9)
    await survey(client, s3, 12, csat=2, ces=6, nps=6)
    await survey(client, s4, 13, ces=7)  # no CSAT, no NPS: unrated there
    await survey(client, s5, 13, solved=True)  # no scores at all
    await survey(client, s6, 14, csat=1, nps=0)
    await survey(client, s6, 15, csat=5, nps=7)  # replaces both
    await survey(client, s9, 16, csat=4, nps=10)
    await survey(client, s9, 17, csat=2)  # replaces the CSAT only; the NPS 10 stands
    await survey(client, s7, 400, csat=1, ces=1, nps=0)  # after the range
    await survey(client, s8, -10, csat=1, ces=1, nps=0)  # before it

    o = (await support(client, b))["overall"]
    # CSAT 5, 4, 2, 5, 2: good (4-5) 3 of 5 rated.
    assert o["csat"] == {"score": 0.6, "rated": 5}
    # CES 2, 3, 6, 7: 18 / 4.
    assert o["ces"] == {"mean": 4.5, "rated": 4}
    # NPS 10, 9, 6, 7, 10: promoters 3, detractors 1 -> (3 - 1) / 5 = +40 points.
    assert o["nps"] == {"score": 40.0, "rated": 5}


async def test_frt_aht_and_how_much_the_bot_resolved_alone(client, app):
    b, col = await make_board(client)
    t, w, r = col["Triage"], col["Working"], col["Resolved"]
    f1 = await ticket(client, b)
    await replies(client, f1, 600, 300)
    await pin(app, f1, created=0, path=[(t, 0), (w, 0.5)], first_response=0.5)
    f2 = await ticket(client, b, channel="chat")
    await replies(client, f2, 1200)
    await pin(app, f2, created=1, path=[(t, 1), (w, 2)], first_response=2)
    f3 = await ticket(client, b, channel="chat")
    await replies(client, f3, 0)  # a reply without handle time: not in AHT
    await pin(app, f3, created=2, path=[(t, 2), (w, 2.1)], first_response=2.1)
    f4 = await ticket(client, b, channel="call")  # nobody answered yet
    await pin(app, f4, created=2.5, path=[(t, 2.5)])
    # B1: the bot answered and resolved it alone.
    b1 = await ticket(client, b, channel="bot")
    await interact(client, b1, "bot_reply", "bot")
    await interact(client, b1, "resolution", "bot")
    await pin(app, b1, created=3, path=[(t, 3), (r, 3.1)], bot_resolved=3.1)
    # B2: the bot handed it to a person.
    b2 = await ticket(client, b, channel="bot")
    await interact(client, b2, "bot_reply", "bot")
    await interact(client, b2, "handoff", "bot")
    await replies(client, b2, 300)
    await pin(app, b2, created=4, path=[(t, 4), (w, 5)], first_response=5)
    # B3: marked resolved by the bot, but a person had replied: not automated.
    b3 = await ticket(client, b, channel="bot")
    await interact(client, b3, "bot_reply", "bot")
    await replies(client, b3, 60)
    await interact(client, b3, "resolution", "bot")
    await pin(app, b3, created=5, path=[(t, 5), (r, 6)], first_response=5.5, bot_resolved=6)
    # B4: the bot replied and the customer went away.
    b4 = await ticket(client, b, channel="bot")
    await interact(client, b4, "bot_reply", "bot")
    await pin(app, b4, created=6, path=[(t, 6)])

    o = (await support(client, b))["overall"]
    # FRT: f1 1800, f2 3600, f3 360, b2 3600, b3 1800 -> sorted 360 1800 1800 3600 3600.
    assert o["frt"] == {"count": 5, "mean": 2232.0, "median": 1800, "p85": 3600}
    # AHT over cards with handle time: f1 900, f2 1200, b2 300, b3 60 -> 2460 / 4.
    assert o["aht_seconds"] == 615.0
    # The bot handled b1-b4 and resolved b1 alone: 1/4 automated, 3/4 handed over.
    assert (o["automation_rate"], o["handover_rate"]) == (0.25, 0.75)
    assert o["missed"] == 0  # b1 closed without a reply, but the bot resolved it


async def test_repeat_contacts_need_the_same_customer_and_a_repeat_link(client, app):
    b, col = await make_board(client)
    t = col["Triage"]
    r0 = await ticket(client, b, customer="cust-r1-" + str(b))
    r1 = await ticket(client, b, customer="cust-r1-" + str(b))
    r2 = await ticket(client, b, customer="cust-r1-" + str(b))
    r3 = await ticket(client, b)  # another customer
    r4 = await ticket(client, b, customer="cust-r1-" + str(b))
    r5 = await ticket(client, b, customer=None)
    r6 = await ticket(client, b, customer=None)
    r7 = await ticket(client, b, customer="cust-r1-" + str(b))
    r8 = await ticket(client, b, customer="cust-r1-" + str(b))
    await link(client, r2, r1)  # same customer: a repeat contact
    await link(client, r3, r1)  # a different customer: not one
    await link(client, r4, r1, kind="duplicate")  # a duplicate is not a repeat contact
    await link(client, r6, r5)  # neither has a customer: counts
    await link(client, r7, r0)  # repeats a card from before the range: counts
    await link(client, r8, r1)  # created after the range
    for card, hour in ((r0, -24), (r1, 0), (r2, 5), (r3, 6), (r4, 7), (r5, 8), (r6, 9)):
        await pin(app, card, created=hour, path=[(t, hour)])
    await pin(app, r7, created=10, path=[(t, 10)])
    await pin(app, r8, created=400, path=[(t, 400)])

    o = (await support(client, b))["overall"]
    # Created in range: r1-r7 = 7; repeat contacts r2, r6, r7 = 3.
    assert (o["cards"], o["repeat_contact_rate"]) == (7, 0.4286)


async def test_splits_by_channel_product_and_segment(client, app):
    b, col = await make_board(client)
    t, w, r = col["Triage"], col["Working"], col["Resolved"]
    x1 = await ticket(client, b, channel="chat", product="Billing", segment="customer")
    await replies(client, x1, 120)
    await survey(client, x1, 3, solved=True, csat=5)
    await pin(app, x1, created=0, path=[(t, 0), (w, 0.5), (r, 2)], first_response=0.5)
    x2 = await ticket(client, b, channel="chat", product="Login", segment="partner")
    await replies(client, x2, 240)
    await survey(client, x2, 4, csat=2)
    await pin(app, x2, created=1, path=[(t, 1), (w, 2), (r, 3)], first_response=2)
    x3 = await ticket(client, b, channel="email", product="Billing", segment="partner")
    await pin(app, x3, created=2, path=[(t, 2)])
    x4 = await ticket(client, b, channel="web", product=None, segment=None, customer=None)
    await pin(app, x4, created=3, path=[(t, 3)])

    report = await support(client, b)
    chat, email, web = (report["by_channel"][k] for k in ("chat", "email", "web"))
    assert list(report["by_channel"]) == ["chat", "email", "web"]
    # chat: x1 (confirmed, FRT 30 min, 2h to resolve) and x2 (not confirmed, FRT 1h).
    assert (chat["cards"], chat["closed"], chat["confirmed_resolution_rate"]) == (2, 2, 0.5)
    assert chat["frt"] == {"count": 2, "mean": 2700.0, "median": 1800, "p85": 3600}
    assert chat["csat"] == {"score": 0.5, "rated": 2}
    assert (email["cards"], email["closed"], email["confirmed_resolution_rate"]) == (1, 0, None)
    assert (web["cards"], web["frt"]["count"], web["csat"]["score"]) == (1, 0, None)

    products = report["by_product"]
    assert sorted(products) == ["Billing", "Login", "none"]
    assert (products["Billing"]["cards"], products["Billing"]["closed"]) == (2, 1)
    assert products["Billing"]["confirmed_resolution_rate"] == 1.0
    assert products["Login"]["confirmed_resolution_rate"] == 0.0
    assert products["Login"]["ttr_final"]["median"] == 7200  # x2: hour 1 to hour 3
    assert products["none"]["cards"] == 1

    segments = report["by_segment"]
    assert sorted(segments) == ["customer", "none", "partner"]
    assert (segments["partner"]["cards"], segments["partner"]["closed"]) == (2, 1)
    assert segments["customer"]["fcr_rate"] == 1.0  # x1: one reply, no reopen, a yes
    assert segments["none"]["cards"] == 1


async def test_top_five_reasons_are_the_most_frequent_products(client, app):
    b, col = await make_board(client)
    mix = ["Billing"] * 4 + ["Login"] * 3 + ["Refunds", "Shipping"] * 2 + [None] * 2
    mix += ["API", "Mobile"]
    for i, product in enumerate(mix):
        card = await ticket(client, b, product=product)
        await pin(app, card, created=i, path=[(col["Triage"], i)])
    old = await ticket(client, b, product="Mobile")  # before the range: not a reason
    await pin(app, old, created=-5, path=[(col["Triage"], -5)])

    report = await support(client, b)
    # Ties (2 each) by name; API and Mobile (1 each) drop out.
    assert report["top_reasons"] == [
        {"product": "Billing", "count": 4},
        {"product": "Login", "count": 3},
        {"product": "Refunds", "count": 2},
        {"product": "Shipping", "count": 2},
        {"product": "none", "count": 2},
    ]


async def test_sla_attainment_pauses_while_waiting_on_the_customer(client, app):
    b, col = await make_board(client)
    t, w, c, r = col["Triage"], col["Working"], col["Waiting"], col["Resolved"]
    p1 = await policy(client, b, "Email", channel="email", frt_seconds=3600, ttr_seconds=14400)
    p2 = await policy(client, b, "Chat", channel="chat", frt_seconds=600)
    p3 = await policy(client, b, "Unused", product="Nothing", frt_seconds=60)

    e1 = await ticket(client, b)  # answered in 30 min; 6h raw, 3h of it waiting: in time
    await replies(client, e1, 60)
    await pin(
        app, e1, created=0, path=[(t, 0), (w, 0.5), (c, 1), (w, 4), (r, 6)], first_response=0.5
    )
    e2 = await ticket(client, b)  # 2h to answer, 1.5h of it waiting: 30 min business
    await replies(client, e2, 60)
    await pin(app, e2, created=1, path=[(t, 1), (c, 1.25), (w, 2.75), (r, 4)], first_response=3)
    e3 = await ticket(client, b)  # answered after 2h, resolved after 7h: both late
    await replies(client, e3, 60)
    await pin(app, e3, created=2, path=[(t, 2), (w, 4), (r, 9)], first_response=4)
    e4 = await ticket(client, b)  # never answered, still open: late now
    await pin(app, e4, created=3, path=[(t, 3)])
    e5 = await ticket(client, b)  # unanswered, but waiting on the customer since 6 min in
    await pin(app, e5, created=5, path=[(t, 5), (c, 5.1)])
    e6 = await ticket(client, b, channel="email")  # the bot resolved it: no FRT to meet
    await interact(client, e6, "resolution", "bot")
    await pin(app, e6, created=6, path=[(t, 6), (r, 6.5)], bot_resolved=6.5)
    h1 = await ticket(client, b, channel="chat")  # answered in 6 min
    await replies(client, h1, 60)
    await pin(app, h1, created=10, path=[(t, 10), (w, 10.1)], first_response=10.1)
    h2 = await ticket(client, b, channel="chat")  # answered in 30 min: late
    await replies(client, h2, 60)
    await pin(app, h2, created=11, path=[(t, 11), (w, 11.5), (r, 12)], first_response=11.5)
    h3 = await ticket(client, b, channel="chat")  # closed after an hour, never answered
    await pin(app, h3, created=12, path=[(t, 12), (r, 13)])

    sla = (await support(client, b))["sla"]
    assert [s["policy_id"] for s in sla] == [p1, p2, p3]
    email, chat, unused = sla
    # FRT: e1, e2 in time; e3 late, e4 unanswered past the hour; e5 not due; e6 the bot's.
    assert email["frt"] == {"fulfilled": 2, "failed": 2, "attainment": 0.5}
    # TTR (net of waiting, 4h): e1 3h, e2 1.5h, e6 0.5h in time; e3 7h late.
    assert email["ttr"] == {"fulfilled": 3, "failed": 1, "attainment": 0.75}
    assert chat["name"] == "Chat"
    assert chat["frt"] == {"fulfilled": 1, "failed": 2, "attainment": 0.3333}
    assert chat["ttr"] == {"fulfilled": 0, "failed": 0, "attainment": None}
    assert unused["frt"] == {"fulfilled": 0, "failed": 0, "attainment": None}


async def test_an_empty_range_gives_zeros_and_nulls(client, app):
    b, col = await make_board(client)
    await policy(client, b, "Email", channel="email", frt_seconds=3600)
    card = await ticket(client, b)
    await pin(app, card, created=0, path=[(col["Triage"], 0), (col["Resolved"], 1)])

    report = await support(client, b, **{"from": "2024-01-01", "to": "2024-01-07"})
    assert (report["from"], report["to"]) == ("2024-01-01", "2024-01-07")
    assert report["closed"] == {
        "count": 0,
        "confirmed_solved": 0,
        "confirmed_resolution_rate": None,
    }
    o = report["overall"]
    assert (o["cards"], o["closed"], o["missed"]) == (0, 0, 0)
    assert o["frt"] == {"count": 0, "mean": None, "median": None, "p85": None}
    assert o["fcr_rate"] is o["repeat_contact_rate"] is o["automation_rate"] is None
    assert o["csat"] == {"score": None, "rated": 0} and o["aht_seconds"] is None
    assert report["by_channel"] == report["by_product"] == report["by_segment"] == {}
    assert report["sla"][0]["frt"] == {"fulfilled": 0, "failed": 0, "attainment": None}
    assert report["top_reasons"] == []


async def test_a_single_card_is_its_own_median_and_85th_percentile(client, app):
    b, col = await make_board(client)
    card = await ticket(client, b, channel="call", product="Router", segment="partner")
    await replies(client, card, 450)
    await survey(client, card, 30, solved=True, csat=4, ces=3, nps=9)
    path = [(col["Triage"], 24), (col["Working"], 24.25), (col["Resolved"], 27)]
    await pin(app, card, created=24, path=path, first_response=24.25)

    report = await support(client, b)
    o = report["overall"]
    assert report["closed"] == {"count": 1, "confirmed_solved": 1, "confirmed_resolution_rate": 1.0}
    assert o["frt"] == {"count": 1, "mean": 900.0, "median": 900, "p85": 900}
    assert o["ttr_final"] == {"count": 1, "mean": 10800.0, "median": 10800, "p85": 10800}
    assert (o["fcr_rate"], o["reopen_rate"], o["aht_seconds"]) == (1.0, 0.0, 450.0)
    assert (o["csat"]["score"], o["ces"]["mean"], o["nps"]["score"]) == (1.0, 3.0, 100.0)
    assert report["by_channel"]["call"] == o
    assert report["top_reasons"] == [{"product": "Router", "count": 1}]


async def test_filters_narrow_every_figure_and_bad_ones_are_422(client, app):
    b, col = await make_board(client)
    t, r = col["Triage"], col["Resolved"]
    chat = await ticket(client, b, channel="chat", product="Billing", segment="partner")
    await survey(client, chat, 5, solved=True, csat=5)
    await pin(app, chat, created=1, path=[(t, 1), (r, 4)])
    mail = await ticket(client, b, channel="email", product="Login", segment="customer")
    await survey(client, mail, 5, csat=1)
    await pin(app, mail, created=2, path=[(t, 2), (r, 3)])

    only_chat = await support(client, b, channel="chat")
    assert only_chat["closed"] == {
        "count": 1,
        "confirmed_solved": 1,
        "confirmed_resolution_rate": 1.0,
    }
    assert only_chat["overall"]["csat"] == {"score": 1.0, "rated": 1}
    assert list(only_chat["by_product"]) == ["Billing"]
    by_segment = await support(client, b, segment="customer")
    assert by_segment["overall"]["cards"] == 1 and by_segment["overall"]["csat"]["score"] == 0.0
    by_product = await support(client, b, product="Login")
    assert by_product["top_reasons"] == [{"product": "Login", "count": 1}]
    nothing = await support(client, b, priority="urgent")
    assert nothing["overall"]["cards"] == 0

    for params in ({"channel": "fax"}, {"from": "2025-03-10", "to": "2025-03-01"}):
        bad = await client.get(f"/api/boards/{b}/metrics/support", params=params)
        assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM


async def test_members_read_the_metrics_and_others_get_404(client, as_user):
    b, _ = await make_board(client)
    viewer, viewer_token = await factories.create_user(client, role="viewer")
    await factories.add_member(client, b, viewer["id"], "viewer")
    _, outsider_token = await factories.create_user(client)

    seen = await as_user(viewer_token).get(f"/api/boards/{b}/metrics/support")
    assert seen.status_code == 200 and seen.json()["board_id"] == b
    hidden = await as_user(outsider_token).get(f"/api/boards/{b}/metrics/support")
    assert hidden.status_code == 404 and hidden.headers["content-type"] == PROBLEM
    missing = await client.get("/api/boards/2147483647/metrics/support")
    assert missing.status_code == 404


async def test_card_facts_folded_in_sql_match_the_timeline_module(client, app):
    board = await factories.create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Working", "stage": "active"},
            {"name": "Resolved", "stage": "done"},
            {"name": "Archived", "stage": "done"},
        ],
    )
    b = int(board["id"])
    t, w, r, x = (int(c["id"]) for c in board["columns"])
    paths = [
        [(t, 0), (w, 1), (r, 2)],  # the plain flow
        [(r, 3)],  # created straight into done
        [(t, 4), (r, 5)],  # skipped every active column
        [(t, 6), (w, 7), (r, 8), (w, 9), (r, 10), (w, 11), (r, 12)],  # reopened twice
        [(t, 13), (w, 14), (r, 15), (x, 16), (w, 17), (r, 18), (x, 19)],  # done -> done moves
        [(t, 20), (w, 21)],  # still open
        [(t, 22)],  # never started
    ]
    for path in paths:
        card = await ticket(client, b)
        await pin(app, card, created=path[0][1], path=path)

    def compare(session: Session) -> list[tuple[Any, ...]]:
        columns = {c.id: c for c in repository.columns(session, b)}
        period = DateRange(date(2025, 3, 3), date(2025, 3, 16))
        rows = support_repository.card_rows(
            session, board_id=b, filters=CardFilter(), period=period, now=BASE.timestamp() + 1e6
        )
        stays = repository.stays_for(session, [row.id for row in rows])
        out = []
        for row in sorted(rows):
            tl = timeline.build(row.id, row.created, stays[row.id], columns, 0.0)
            first_reopen = tl.reopened_at[0] if tl.reopened_at else None
            expected = (tl.start, tl.first_done if tl.finish else None, tl.finish, first_reopen)
            got = (row.start, row.first_done, row.finish, row.first_reopen if row.finish else None)
            out.append((expected, got))
        return out

    pairs = await app.state.db.read(compare)
    assert len(pairs) == len(paths)
    for expected, got in pairs:
        assert got == pytest.approx(expected)
    # The fourth card: started at 7, first done at 8, reopened at 9, finished at 12.
    hour = BASE.timestamp()
    assert pairs[3][1] == pytest.approx(
        (hour + 7 * 3600, hour + 8 * 3600, hour + 12 * 3600, hour + 9 * 3600)
    )
    # The fifth: Resolved -> Archived is no reopen; it finished again at 18, not 19.
    assert pairs[4][1][2:] == pytest.approx((hour + 18 * 3600, hour + 17 * 3600))
