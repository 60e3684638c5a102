"""The customer's confirmation page at ``/c/{token}``: no login, no JavaScript needed.

The signed token in the address is the credential, so the page sets no cookie and its
form carries no CSRF token: a client that posts only the answer fields works. Thin, like
every router: :mod:`app.confirm.service` decides, the templates render. It lives in
``web`` with the other pages (the confirm domain stays below the pages).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from app.confirm import service
from app.confirm.exceptions import LinkExpired, LinkGone, LinkNotFound, LinkSuperseded
from app.confirm.schemas import COMMENT_MAX, SCALES, FormReading, read_form
from app.core.deps import Db
from app.web import login as web_login
from app.web.templating import render, security_headers

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class Question:
    """An optional score question: the scale is explained in words at both ends."""

    name: str
    question: str
    short: str
    hint: str
    words: dict[int, str]

    @property
    def options(self) -> list[tuple[int, str]]:
        low, high = SCALES[self.name]
        return [(n, self.words.get(n, "")) for n in range(low, high + 1)]

    @property
    def high(self) -> int:
        return SCALES[self.name][1]


QUESTIONS = (
    Question(
        "csat",
        "How satisfied are you with the help you got?",
        "Satisfaction",
        "From 1, very dissatisfied, to 5, very satisfied.",
        {
            1: "Very dissatisfied",
            2: "Dissatisfied",
            3: "Neutral",
            4: "Satisfied",
            5: "Very satisfied",
        },
    ),
    Question(
        "ces",
        "How easy was it to get your problem handled?",
        "Ease",
        "From 1, very difficult, to 7, very easy.",
        {1: "Very difficult", 4: "Neither easy nor difficult", 7: "Very easy"},
    ),
    Question(
        "nps",
        "How likely are you to recommend us to a friend or colleague?",
        "Likely to recommend",
        "From 0, not at all likely, to 10, extremely likely.",
        {0: "Not at all likely", 10: "Extremely likely"},
    ),
)

# What each closed link says, in plain words, with the status it is served with.
_CLOSED: dict[type[Exception], tuple[str, str]] = {
    LinkNotFound: (
        "We could not find this link",
        "Please check that you opened the whole address from our message. If your problem "
        "is not solved, reply to that message or contact support again.",
    ),
    LinkExpired: (
        "This link has expired",
        "It is too late to answer through this link. If your problem is not solved, "
        "reply to our message or contact support again and we will pick it up.",
    ),
    LinkSuperseded: (
        "This link is no longer in use",
        "Your ticket changed after we sent this link: it was reopened or updated. When we "
        "consider it solved again, we will send you a new link.",
    ),
}


async def _closed(exc: LinkNotFound | LinkGone) -> Response:
    heading, message = _CLOSED.get(type(exc), _CLOSED[LinkNotFound])
    context = {"title": heading, "heading": heading, "message": message}
    return await render("confirm_message.html", context, status=exc.status)


async def _show(
    token: str, view: dict[str, Any], *, reading: FormReading | None = None, status: int = 200
) -> Response:
    answered = view["state"] in service.ANSWERED
    errors = reading.errors if reading is not None else {}
    if answered:
        title = "Thank you for your answer"
    else:
        title = ("Error: " if errors else "") + "Is your problem solved?"
    context = {
        "title": title,
        "answered": answered,
        "view": view,
        "action": "/c/" + quote(token, safe=""),
        "errors": errors,
        "values": reading.values if reading is not None else {},
        "questions": QUESTIONS,
        "comment_max": COMMENT_MAX,
    }
    return await render("confirm.html", context, status=status)


@router.get("/c/{token}")
async def confirmation_page(token: str, db: Db) -> Response:
    """Ask "Is your problem solved?", or show the answer already recorded."""
    try:
        view = await db.read(service.link_page, token=token)
    except (LinkNotFound, LinkGone) as exc:
        return await _closed(exc)
    return await _show(token, view)


@router.post("/c/{token}")
async def confirmation_answer(token: str, request: Request, db: Db) -> Response:
    """Record the customer's answer, then go back to the page (303), which thanks them."""
    reading = read_form(await web_login.read_form(request) or {})
    try:
        if reading.answer is None:
            view = await db.read(service.link_page, token=token)
            if view["state"] in service.ANSWERED:  # one answer per link: show it
                return await _show(token, view)
            return await _show(token, view, reading=reading, status=422)
        view = await db.write(service.answer_link, token=token, answer=reading.answer)
    except (LinkNotFound, LinkGone) as exc:
        return await _closed(exc)
    if view["replayed"]:
        return await _show(token, view)
    return RedirectResponse(
        "/c/" + quote(token, safe=""), status_code=303, headers=security_headers()
    )
