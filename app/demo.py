"""The demo board: a realistic support team, seeded through the ordinary services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import demo_bot
from app.auth import service as auth_service
from app.auth.models import User
from app.auth.schemas import UserCreate
from app.board import cards
from app.board import service as board_service
from app.board.repository import boards, members, users
from app.board.schemas import (
    BoardCreate,
    CardCreate,
    CardMove,
    MemberCreate,
)
from app.core.db import serialize_startup
from app.core.models import simulated_now, table_of
from app.demo_history import DemoBoard, write_history
from app.demo_history_plan import start_of
from app.demo_loop import seed_customer_loop
from app.swarm import service as swarm_service
from app.swarm.schemas import SwarmCreate
from app.wiring import install as install_wiring

__all__ = ["DEMO_BOARD_NAME", "DEMO_LOGIN", "DEMO_PASSWORD", "seed_demo"]

DEMO_BOARD_NAME = "Customer Support"
# Every demo person signs in with this password; the CLI prints the lead's login.
DEMO_PASSWORD = "swarmboard-demo"
DEMO_LOGIN = "maya@example.com"

_PEOPLE = [
    ("Maya Okafor", "maya@example.com", "lead", "Support Ops", [("triage", 3), ("billing", 2)], 6),
    ("Arjun Mehta", "arjun@example.com", "agent", "Frontline", [("billing", 2), ("email", 3)], 4),
    ("Sofia Lindqvist", "sofia@example.com", "agent", "Platform", [("api", 3), ("sso", 3)], 3),
    ("Lars Nielsen", "lars@example.com", "agent", "Payments", [("payments", 3), ("api", 1)], 3),
    ("Ines Duarte", "ines@example.com", "facilitator", "Support Ops", [("retros", 3)], None),
]

# title, column index, lane index, priority, channel, product, segment, assignee index
_CARDS = [
    ("Invoice PDF shows the wrong VAT rate", 0, 1, "normal", "email", "Billing", "customer", None),
    ("SSO login loops back to the sign-in page", 2, 0, "urgent", "chat", "Identity", "partner", 2),
    ("Webhook retries stop after the first failure", 1, 1, "high", "web", "API", "partner", 3),
    (
        "Card declined although the bank approved it",
        1,
        1,
        "high",
        "call",
        "Payments",
        "customer",
        3,
    ),
    (
        "CSV export misses the last day of the month",
        1,
        1,
        "normal",
        "email",
        "Reports",
        "customer",
        1,
    ),
    ("Password reset mail lands in spam", 3, 1, "normal", "email", "Identity", "customer", 1),
    (
        "Chatbot hands over without the conversation",
        0,
        1,
        "normal",
        "bot",
        "Assistant",
        "customer",
        None,
    ),
    ("Refund shows twice in the statement", 2, 1, "high", "call", "Payments", "customer", 3),
    ("API rate limit headers are missing", 0, 1, "low", "web", "API", "partner", None),
    ("Mobile app crashes on the attachments tab", 1, 1, "normal", "chat", "Mobile", "customer", 2),
    (
        "Partner dashboard times out on large accounts",
        3,
        1,
        "normal",
        "email",
        "Reports",
        "partner",
        0,
    ),
    ("Duplicate account after social login", 4, 1, "normal", "chat", "Identity", "customer", 2),
]


def _existing_demo_board(session: Session) -> int | None:
    """The demo board seeded earlier, found by its lead's membership (it may be renamed)."""
    lead_email = _PEOPLE[0][1]
    stmt = (
        select(members.c.board_id)
        .join(users, users.c.id == members.c.user_id)
        .where(users.c.email == lead_email)
        .order_by(members.c.board_id)
        .limit(1)
    )
    found = session.execute(stmt).scalar_one_or_none()
    if found is not None:
        return int(found)
    legacy = session.execute(
        select(boards.c.id).where(boards.c.name == DEMO_BOARD_NAME).limit(1)
    ).scalar_one_or_none()
    return int(legacy) if legacy is not None else None


def _give_passwords(session: Session, password_hash: str | None) -> None:
    """Demo people without a password get the demo one (also on an older demo database)."""
    if password_hash is None:
        return
    emails = [person[1] for person in _PEOPLE]
    for user in session.execute(select(User).where(table_of(User).c.email.in_(emails))).scalars():
        if user.password_hash is None:
            user.password_hash = password_hash
    session.flush()


def seed_demo(
    session: Session,
    *,
    admin_id: int,
    password_hash: str | None = None,
    now: datetime | None = None,
) -> int:
    """Create the demo board once (idempotent), with 90 days of history; return its id.

    ``password_hash`` (of :data:`DEMO_PASSWORD`) is given to demo people who have none.
    ``now`` (default: the wall clock) is where the history ends: a fixed one gives the
    same past on every fresh database.
    """
    install_wiring()  # the card moves below need board's reactions (idempotent)
    serialize_startup(session)  # replicas started together seed one demo between them
    existing = _existing_demo_board(session)
    if existing is not None:
        _give_passwords(session, password_hash)
        return existing
    admin = auth_service.Principal(id=admin_id, name="Admin", role="admin")
    # The history ends a little before now, so the present-day cards come after it.
    end = min(now or datetime.now(UTC), datetime.now(UTC)) - timedelta(minutes=10)
    with simulated_now(start_of(end)):  # the team set the board up before its history
        board = _seed_board(session, admin=admin)
    write_history(session, board=board, end=end)
    _seed_present(session, admin=admin, board=board)
    _give_passwords(session, password_hash)
    return board.board_id


def _seed_board(session: Session, *, admin: auth_service.Principal) -> DemoBoard:
    """The board, its people and its SLA policies."""
    board = board_service.create_board(
        session,
        actor=admin,
        # The board a lead gets from "Support swarming" on the board list: columns,
        # lanes, limits and SLA policies (app/board/presets.py).
        data=BoardCreate(name=DEMO_BOARD_NAME, preset="support-swarming"),
    )
    assert board.id is not None
    detail = board_service.board_detail(session, actor=admin, board_id=board.id)
    people: list[auth_service.Principal] = []
    for name, email, role, team, skills, wip in _PEOPLE:
        user = session.execute(
            select(User).where(table_of(User).c.email == email)
        ).scalar_one_or_none()
        if user is None:
            user, _ = auth_service.create_user(
                session,
                actor=admin,
                # The demo's tables are plain strings; validated as a request would be.
                data=UserCreate.model_validate(
                    {
                        "name": name,
                        "email": email,
                        "role": role,
                        "team": team,
                        "skills": [{"name": s, "level": lvl} for s, lvl in skills],
                        "wip_limit": wip,
                    }
                ),
            )
        assert user.id is not None
        people.append(auth_service.Principal(id=user.id, name=name, role=role))
        board_service.add_member(
            session, actor=admin, board_id=board.id, data=MemberCreate(user_id=user.id)
        )
    return DemoBoard(
        board_id=board.id,
        admin=admin,
        people=people,
        bot=demo_bot.demo_bot_user(session, admin=admin, board_id=board.id),
        # The flow's five columns: "Ready for engineering" takes only complete insights
        # (the present-day insight card, app/demo_loop.py), so no history passes it.
        column_ids=[c.id for c in detail.columns if not c.requires_insight],
        lane_ids=[lane.id for lane in detail.lanes],
    )


def _seed_present(session: Session, *, admin: auth_service.Principal, board: DemoBoard) -> None:
    """Today's open cards, swarms, tickets, a confirmed answer and an insight."""
    column_ids, lane_ids = board.column_ids, board.lane_ids
    people = [p.id for p in board.people]
    card_ids: list[int] = []
    for title, col, lane, prio, channel, product, segment, who in _CARDS:
        card = cards.create_card(
            session,
            actor=admin,
            board_id=board.board_id,
            data=CardCreate.model_validate(
                {
                    "title": title,
                    "column_id": column_ids[0],
                    "lane_id": lane_ids[lane],
                    "priority": prio,
                    "channel": channel,
                    "product": product,
                    "segment": segment,
                    "description": f"Reported via {channel}. Steps and screenshots attached.",
                    "owner_id": people[who] if who is not None else None,
                    "assignee_ids": [people[who]] if who is not None else [],
                }
            ),
        )
        card_ids.append(card.id)
        # Walk the card through the flow so the event log tells a real story.
        for step in range(1, col + 1):
            cards.move_card(
                session, actor=admin, card_id=card.id, data=CardMove(column_id=column_ids[step])
            )
    _seed_swarms(session, people=people, card_ids=card_ids)
    seed_customer_loop(
        session, admin=admin, board_id=board.board_id, column_ids=column_ids, card_ids=card_ids
    )


def _seed_swarms(session: Session, *, people: list[int], card_ids: list[int]) -> None:
    """One swarm already resolved (so the knowledge base has a note) and one running."""
    maya, _, sofia, lars, _ = (
        auth_service.Principal(id=uid, name=p[0], role=p[2])
        for uid, p in zip(people, _PEOPLE, strict=True)
    )
    sso = swarm_service.request_swarm(
        session,
        actor=sofia,
        card_id=card_ids[1],
        data=SwarmCreate(
            skills=["sso", "triage"],
            question="SSO login loops back to the sign-in page for one partner tenant.",
            tried="Cleared the partner's IdP metadata cache; reproduced with a test user.",
        ),
    )
    swarm_service.join_swarm(session, actor=maya, swarm_id=sso.id, role="helper")
    swarm_service.resolve_swarm(
        session,
        actor=sofia,
        swarm_id=sso.id,
        outcome="The partner's IdP clock was 6 minutes fast, so every assertion had expired.",
        knowledge="When SSO loops, compare the IdP's clock with ours before anything else: "
        "assertions older than 5 minutes are refused without an error page.",
    )
    refund = swarm_service.request_swarm(
        session,
        actor=lars,
        card_id=card_ids[7],
        data=SwarmCreate(
            skills=["payments", "billing", "api"],
            question="A refund appears twice on the customer's statement.",
            tried="Checked the refund log: one refund call, but the gateway shows two.",
        ),
    )
    invited = refund.invitations[0]
    swarm_service.accept_invitation(
        session,
        actor=auth_service.Principal(id=invited.user_id, name=invited.name, role="agent"),
        swarm_id=refund.id,
        invitation_id=invited.id,
        role="helper",
    )
