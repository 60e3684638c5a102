"""The demo history's script: who writes in, when, about what, and how long each step
takes. Drawn up front from one seeded generator, so the same seed and end give the same
past; app/demo_history.py plays it through the services."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = [
    "BLOCK_REASONS",
    "DAYS",
    "EXPERTS",
    "KNOWLEDGE",
    "SEED",
    "SKILLS",
    "CardPlan",
    "Survey",
    "is_work",
    "next_work",
    "plan_arrivals",
    "start_of",
    "work_add",
]

DAYS = 90
SEED = 20_261_207  # fixed: the demo's past is the same on every fresh database
_WORK_START, _WORK_END = 8, 18  # the team's hours, UTC, Monday to Friday
# Cards a day, Monday first: a busy Monday, a quieter Friday, a trickle at weekends.
_ARRIVALS = (8, 7, 7, 6, 5, 1, 1)

_ISSUES = {
    "Billing": [
        "Invoice total is off by one cent",
        "Credit note missing from the invoice list",
        "VAT number rejected at checkout",
        "Annual plan charged monthly",
        "Proration looks wrong after an upgrade",
    ],
    "Identity": [
        "SSO login fails after the IdP certificate rotated",
        "Two-factor codes rejected on the second try",
        "Invited user never gets the invitation mail",
        "Session ends every few minutes",
        "SCIM provisioning creates duplicate users",
    ],
    "API": [
        "Webhook signatures fail to verify",
        "Pagination skips records on the orders endpoint",
        "429 responses well under the documented rate limit",
        "Timestamps come back without a time zone",
        "OAuth token refresh returns invalid_grant",
    ],
    "Payments": [
        "Card payment stuck as pending",
        "Refund not visible to the customer",
        "3-D Secure challenge never appears",
        "Payout arrived a day late",
        "Chargeback notice without the order number",
    ],
    "Reports": [
        "Monthly report shows last month's numbers",
        "Scheduled export arrives empty",
        "Dashboard totals differ from the CSV",
        "Chart legend hides half the series",
    ],
    "Mobile": [
        "App logs out when switching to the camera",
        "Push notifications arrive twice",
        "Attachments fail to upload on mobile data",
        "Dark mode makes the totals unreadable",
    ],
    "Assistant": [
        "Chatbot answers in the wrong language",
        "Bot loops on the address change question",
        "How do I change the billing email?",
        "Where can I download my invoices?",
    ],
}
_COMPANIES = [
    ("acme", "Acme Corp"),
    ("globex", "Globex"),
    ("initech", "Initech"),
    ("umbrella", "Umbrella Health"),
    ("hooli", "Hooli"),
    ("stark", "Stark Logistics"),
    ("wayne", "Wayne Retail"),
    ("wonka", "Wonka Foods"),
    ("tyrell", "Tyrell Labs"),
    ("soylent", "Soylent Co"),
]
_FIRST = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivan", "Jun"]
_LAST = ["Silva", "Kowalski", "Nguyen", "Haddad", "Okoro", "Berg", "Rossi", "Tanaka"]

# The skills a swarm asks for, and who usually takes a product's cards (indexes into the
# demo's people: Maya, Arjun, Sofia, Lars).
SKILLS = {
    "Billing": ["billing", "payments"],
    "Identity": ["sso", "triage"],
    "API": ["api", "payments"],
    "Payments": ["payments", "api"],
    "Reports": ["billing", "api"],
    "Mobile": ["api", "email"],
    "Assistant": ["email", "triage"],
}
EXPERTS = {
    "Billing": [1, 0],
    "Identity": [2, 0],
    "API": [2, 3],
    "Payments": [3, 1],
    "Reports": [1, 0],
    "Mobile": [2, 1],
    "Assistant": [1, 0],
}
KNOWLEDGE = {
    "Billing": "Proration uses the plan's start date, not the upgrade date: check both.",
    "Identity": "After an IdP certificate rotation, ask the partner for the new metadata "
    "URL before debugging anything else.",
    "API": "Signature failures are nearly always a proxy re-encoding the body: verify "
    "against the raw bytes.",
    "Payments": "Pending card payments older than an hour: look up the gateway's webhook "
    "log; a lost callback leaves them pending forever.",
    "Reports": "Exports run in the account's time zone; an empty file usually means the "
    "range ended before midnight there.",
    "Mobile": "Camera hand-offs kill the app's session on older Android: reproduce on an "
    "Android 11 device.",
    "Assistant": "The bot's language comes from the browser, not the account: ask for the "
    "browser language first.",
}
BLOCK_REASONS = [
    "Waiting for the payment gateway's support team",
    "Needs a production log export from Platform",
    "The partner's IdP is in a change freeze",
    "Fix ships with the next mobile release",
    "Needs the account owner's written consent",
]
_CHANNELS = ["email", "email", "email", "chat", "chat", "web", "call"]


@dataclass(frozen=True, slots=True)
class Survey:
    after_hours: float
    solved: bool
    csat: int
    ces: int
    nps: int


@dataclass(frozen=True, slots=True)
class CardPlan:
    """One card's past, as planned; the team's queue and limits decide the real times."""

    kind: str  # "card" (made on the board), "ticket" (a channel) or "bot"
    title: str
    channel: str
    product: str
    priority: str
    segment: str
    customer: tuple[str, str | None, str | None] | None
    ref: str | None
    arrive: datetime
    triage_hours: float  # working hours until someone first looks at it
    path: str  # "resolve", "wait" (on the customer) or "swarm"
    work_hours: float  # working hours in Investigating
    wait_days: float
    swarm_hours: float
    block: str | None  # a blocked spell's reason while investigating
    survey: Survey | None
    rework_hours: float  # when the customer says "not solved"
    bot_solves: bool


def is_work(t: datetime) -> bool:
    return t.weekday() < 5 and _WORK_START <= t.hour < _WORK_END


def next_work(t: datetime) -> datetime:
    """``t`` if the team is at work then, else the start of their next working day."""
    if is_work(t):
        return t
    day = t.replace(hour=_WORK_START, minute=0, second=0, microsecond=0)
    if t.hour >= _WORK_START:
        day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def work_add(t: datetime, hours: float) -> datetime:
    """``hours`` of working time after ``t`` (nights and weekends do not count)."""
    left = timedelta(hours=hours)
    t = next_work(t)
    while True:
        close = t.replace(hour=_WORK_END, minute=0, second=0, microsecond=0)
        if t + left <= close:
            return t + left
        left -= close - t
        t = next_work(close)


def _survey(rng: random.Random) -> Survey | None:
    if rng.random() > 0.45:
        return None
    after = rng.uniform(2, 30)
    if rng.random() < 0.1:  # "not solved": the card reopens
        return Survey(after, False, rng.choice([1, 2]), rng.randint(4, 7), rng.randint(0, 5))
    return Survey(
        after, True, rng.choice([3, 4, 4, 5, 5, 5]), rng.randint(1, 3), rng.randint(6, 10)
    )


def _plan(rng: random.Random, n: int, arrive: datetime) -> CardPlan:
    product = rng.choice(list(_ISSUES))
    roll = rng.random()
    kind = "bot" if roll < 0.15 else "ticket" if roll < 0.6 else "card"
    channel = "bot" if kind == "bot" else rng.choice(_CHANNELS)
    if kind == "card" and channel == "chat":
        channel = "call"  # chats come in as tickets; the board's own cards are calls
    priority = rng.choices(["low", "normal", "high", "urgent"], [2, 12, 4, 1])[0]
    if kind != "card" and priority == "urgent":
        priority = "high"  # urgent work is logged on the board, in the Expedite lane
    slug, company = rng.choice(_COMPANIES)
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    email = f"{first.lower()}@{slug}.example" if kind == "ticket" else None
    customer = (f"{slug}-{rng.randint(1, 40):02d}", f"{first} {last}", email)
    path = rng.choices(["resolve", "wait", "swarm"], [55, 33, 12])[0]
    if priority == "urgent" and path == "wait":
        path = "resolve"  # nobody parks an outage on the customer
    if kind == "bot":
        ref = f"BOT-{1000 + n}"
        triage = rng.uniform(0.2, 2)
    elif kind == "ticket":
        ref = f"ZD-{3000 + n}"
        triage = rng.uniform(0.03, 0.4) if channel == "chat" else rng.lognormvariate(0.8, 0.9)
    else:
        ref, triage = None, rng.lognormvariate(0.3, 0.8)
    if priority == "urgent":
        triage = rng.uniform(0.1, 1.5)
    return CardPlan(
        kind=kind,
        title=f"{rng.choice(_ISSUES[product])} ({company})",
        channel=channel,
        product=product,
        priority=priority,
        segment=rng.choice(["customer", "customer", "partner"]),
        customer=customer if kind != "card" else None,
        ref=ref,
        arrive=arrive,
        triage_hours=triage,
        path=path,
        work_hours=min(rng.lognormvariate(1.7, 0.6), 24) / (4 if priority == "urgent" else 1),
        wait_days=rng.uniform(0.5, 4.5),
        swarm_hours=rng.uniform(2, 14),
        block=rng.choice(BLOCK_REASONS) if rng.random() < 0.12 else None,
        survey=_survey(rng),
        rework_hours=rng.uniform(1, 6),
        bot_solves=rng.random() < 0.6,
    )


def plan_arrivals(rng: random.Random, end: datetime) -> list[CardPlan]:
    """Every card that arrives in the ``DAYS`` days before ``end``, in arrival order."""
    first = (end - timedelta(days=DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
    plans: list[CardPlan] = []
    day = first
    while day < end:
        weekday = day.weekday()
        count = _ARRIVALS[weekday] + (rng.choice([-1, 0, 0, 1]) if weekday < 5 else 0)
        hours = sorted(
            rng.triangular(8, 17.5, 9.5) if weekday < 5 else rng.uniform(0, 24)
            for _ in range(count)
        )
        for hour in hours:
            arrive = (day + timedelta(hours=hour)).replace(microsecond=0)
            if arrive < end:
                plans.append(_plan(rng, len(plans), arrive))
        day += timedelta(days=1)
    return plans


def start_of(end: datetime) -> datetime:
    """When the demo board was set up: the day before its history begins."""
    return (end - timedelta(days=DAYS + 1)).replace(
        hour=7, minute=0, second=0, microsecond=0, tzinfo=UTC
    )
