"""The demo's AI teammate: "FAQ bot" (its past in the demo's history; live with
``swarmboard serve --demo --agent``).

A user of kind bot on the demo board (role agent, WIP limit 2, skills the demo's
knowledge notes cover), a fresh API token on every start (the previous one is revoked,
as the demo admin's is), and, the first time, a few urgent cards in Triage for it to
pull: three whose titles the knowledge notes answer (it resolves them) and one they do
not (it hands that one over to people). The server then runs the reference agent
(app/agents/reference.py) with the token against its own ``/mcp``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import repository as auth_repository
from app.auth import service as auth_service
from app.auth.schemas import UserCreate
from app.board import cards
from app.board import repository as board_repository
from app.board import service as board_service
from app.board.repository import member_role
from app.board.schemas import CardCreate, MemberCreate
from app.core.db import serialize_startup

__all__ = ["BOT_EMAIL", "BOT_NAME", "DemoBot", "demo_bot_user", "ensure_demo_bot"]

BOT_NAME = "FAQ bot"
# A bot may have no address; a fixed one finds it again on the next start.
BOT_EMAIL = "faq-bot@swarmboard.invalid"
TOKEN_NAME = "demo-agent"
_SKILLS = [("triage", 2), ("payments", 1), ("sso", 1), ("email", 1), ("billing", 1)]

# title, description, product, channel, skills. The first three match knowledge notes
# of the demo (the SSO swarm of app/demo.py, the history's Payments and Assistant
# notes); the last one does not, so the bot hands it over. Pulled oldest first.
CARDS = [
    (
        "Card payment pending for over an hour",
        "The customer paid by card at 9:10; the order still says pending.",
        "Payments",
        "chat",
        ["payments"],
    ),
    (
        "SSO sign-in loops back to the login page for a partner",
        "Their users land on the login page again right after signing in with SSO.",
        "Identity",
        "email",
        ["sso"],
    ),
    (
        "Chatbot answers in the wrong language",
        "The customer writes in German and the chatbot answers in Spanish.",
        "Assistant",
        "chat",
        ["email"],
    ),
    (
        "Refund requested in a different currency",
        "Paid in EUR, wants the refund in CHF to a Swiss account.",
        "Payments",
        "email",
        ["billing"],
    ),
]


@dataclass(frozen=True, slots=True)
class DemoBot:
    user_id: int
    token: str
    created: bool  # first start with --agent: the bot and its cards were made now


def demo_bot_user(
    session: Session, *, admin: auth_service.Principal, board_id: int
) -> auth_service.Principal:
    """The demo's bot user, made once and a member of ``board_id`` (the demo's history
    has it answer bot tickets, so its outcomes fill the retro's Automation section)."""
    user = auth_repository.user_by_email(session, BOT_EMAIL)
    if user is None:
        user, _ = auth_service.create_user(
            session,
            actor=admin,
            data=UserCreate.model_validate(
                {
                    "name": BOT_NAME,
                    "kind": "bot",
                    "email": BOT_EMAIL,
                    "team": "Automation",
                    "skills": [{"name": s, "level": lvl} for s, lvl in _SKILLS],
                    "wip_limit": 2,
                }
            ),
        )
    assert user.id is not None
    _, role = member_role(session, board_id=board_id, user_id=user.id)
    if role is None:
        board_service.add_member(
            session, actor=admin, board_id=board_id, data=MemberCreate(user_id=user.id)
        )
    return auth_service.principal_of(user)


def ensure_demo_bot(session: Session, *, admin_id: int, board_id: int) -> DemoBot:
    """The demo bot on ``board_id`` (its cards made once) and a fresh token for it."""
    admin = auth_service.Principal(id=admin_id, name="Admin", role="admin")
    serialize_startup(session)  # one bot and one set of its cards, however many replicas
    bot = demo_bot_user(session, admin=admin, board_id=board_id)
    created = not _has_cards(session, board_id=board_id)
    if created:
        _add_cards(session, admin=admin, board_id=board_id)
    auth_repository.revoke_named_tokens(session, user_id=bot.id, name=TOKEN_NAME)
    _, token = auth_service.issue_token(session, user_id=bot.id, name=TOKEN_NAME)
    return DemoBot(user_id=bot.id, token=token, created=created)


def _has_cards(session: Session, *, board_id: int) -> bool:
    """Whether the bot's cards were made on an earlier start (found by the first title)."""
    c = board_repository.cards
    stmt = select(c.c.id).where(c.c.board_id == board_id, c.c.title == CARDS[0][0]).limit(1)
    return session.execute(stmt).first() is not None


def _add_cards(session: Session, *, admin: auth_service.Principal, board_id: int) -> None:
    detail = board_service.board_detail(session, actor=admin, board_id=board_id)
    backlog = next(c.id for c in detail.columns if c.stage == "backlog")
    # The unlimited lane: the expedite lane's limit of one is for people's emergencies.
    lane = next((x.id for x in detail.lanes if x.wip_limit is None), None)
    for title, description, product, channel, skills in CARDS:
        cards.create_card(
            session,
            actor=admin,
            board_id=board_id,
            data=CardCreate.model_validate(
                {
                    "title": title,
                    "description": description,
                    "column_id": backlog,
                    "lane_id": lane,
                    # Urgent: the bot pulls them before the demo's older backlog.
                    "priority": "urgent",
                    "channel": channel,
                    "product": product,
                    "segment": "customer",
                    "skills": skills,
                }
            ),
        )
