"""The demo board's customer loop: tickets from channels and bots, a confirmed answer and
an insight nearly ready for engineering (its column, from the preset, takes only complete
ones)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.board import cards
from app.board.schemas import CardMove, CardUpdate
from app.confirm import service as confirm_service
from app.confirm.schemas import SurveyCreate
from app.tickets import service as tickets
from app.tickets.schemas import InteractionCreate, LinkCreate, TicketCreate

__all__ = ["seed_customer_loop"]

_TICKETS = [
    (
        "ZD-4101",
        "Two-factor codes arrive after they expire",
        "chat",
        "Identity",
        "acme-17",
        "Priya Raman",
        "priya@acme.example",
    ),
    (
        "ZD-4102",
        "Password reset mail lands in spam again",
        "email",
        "Identity",
        "globex-03",
        "Tom Weber",
        "tom@globex.example",
    ),
    (
        "BOT-889",
        "How do I download last month's invoice?",
        "bot",
        "Billing",
        "initech-11",
        None,
        None,
    ),
]


def _ticket(session: Session, admin: Principal, board_id: int, spec: tuple[str | None, ...]) -> int:
    ref, title, channel, product, cref, name, email = spec
    ticket, _ = tickets.take_in(
        session,
        actor=admin,
        board_id=board_id,
        # The demo's tables are plain strings; validation checks them as for a request.
        data=TicketCreate.model_validate(
            {
                "external_ref": ref,
                "title": title,
                "channel": channel,
                "product": product,
                "segment": "customer",
                "customer": {"ref": cref, "name": name, "email": email},
            }
        ),
    )
    return int(ticket["id"])


def _contact(session: Session, admin: Principal, card_id: int, kind: str, by: str) -> None:
    tickets.record_interaction(
        session,
        actor=admin,
        card_id=card_id,
        data=InteractionCreate.model_validate(
            {"kind": kind, "actor_kind": by, "handle_seconds": 240 if by == "user" else None}
        ),
    )


def seed_customer_loop(
    session: Session,
    *,
    admin: Principal,
    board_id: int,
    column_ids: list[int],
    card_ids: list[int],
) -> None:
    """Tickets with interactions and links, a "yes" from a customer, and an insight."""
    two_factor, spam, invoice = (_ticket(session, admin, board_id, t) for t in _TICKETS)
    _contact(session, admin, two_factor, "bot_reply", "bot")
    _contact(session, admin, two_factor, "handoff", "bot")
    _contact(session, admin, two_factor, "agent_reply", "user")
    # The spam report repeats an earlier ticket: its frequency goes up.
    tickets.link_cards(
        session, actor=admin, card_id=spam, data=LinkCreate(card_id=card_ids[5], kind="repeat")
    )
    # The bot answered the invoice question alone: an automated resolution.
    _contact(session, admin, invoice, "bot_reply", "bot")
    _contact(session, admin, invoice, "resolution", "bot")
    cards.move_card(session, actor=admin, card_id=invoice, data=CardMove(column_id=column_ids[-1]))
    # The customer of a finished card said "yes" (through the survey tool).
    confirm_service.record_survey(
        session, actor=admin, card_id=card_ids[11], data=SurveyCreate(solved=True, csat=5, nps=9)
    )
    cards.update_card(
        session,
        actor=admin,
        card_id=card_ids[2],
        data=CardUpdate(
            problem_statement="Webhook deliveries stop after the first 5xx from a partner.",
            suggested_fix="Retry with the documented backoff instead of giving up.",
            impact_per_month=4200,
            effort_hours=6,
            owner_team="Platform",
        ),
    )
