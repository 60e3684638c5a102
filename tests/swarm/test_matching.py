"""Who gets invited to a swarm: the matcher on its own, as properties and as examples.

The properties restate the issue's rules independently of the implementation (their
own eligibility check, a brute-force optimum) and hypothesis searches for a counter-
example among small boards: every coverable skill is covered, nobody unavailable, at
their WIP limit, excluded or the requester is invited, and the number of people asked
stays within the greedy bound H(d) * OPT.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Sequence
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.swarm.matching import Candidate, Match, eligible, match, skill_key

# database=None: no example database left behind in the working tree.
PROPERTY = settings(max_examples=200, deadline=None, database=None)

KNOWN = ["billing", "sso", "api", "refunds", "mobile", "data export", "gdpr"]
UNKNOWN = ["kubernetes", "cobol"]  # nobody on any generated board has these


# -- strategies ------------------------------------------------------------------


@st.composite
def spelling(draw: st.DrawFn, key: str) -> str:
    """How a requester might write the skill ``key``: any case, stray whitespace."""
    words = ["".join(c.upper() if draw(st.booleans()) else c for c in w) for w in key.split()]
    sep = draw(st.sampled_from([" ", "  ", "\t"]))
    return (
        draw(st.sampled_from(["", " ", "  "])) + sep.join(words) + draw(st.sampled_from(["", " "]))
    )


@st.composite
def candidates(draw: st.DrawFn) -> list[Candidate]:
    ids = draw(st.lists(st.integers(1, 40), max_size=8, unique=True))
    return [
        Candidate(
            user_id=uid,
            skills=draw(st.dictionaries(st.sampled_from(KNOWN), st.integers(1, 3), max_size=4)),
            available=draw(st.sampled_from([True, True, True, False])),
            wip_limit=draw(st.none() | st.integers(0, 3)),
            load=draw(st.integers(0, 4)),
        )
        for uid in ids
    ]


@st.composite
def requests(draw: st.DrawFn) -> tuple[list[str], list[Candidate], int | None, set[int]]:
    """(requested skills, board members, requester id, people already asked)."""
    people = draw(candidates())
    ids = [p.user_id for p in people]
    keys = draw(st.lists(st.sampled_from(KNOWN + UNKNOWN), max_size=7))
    skills = [draw(spelling(k)) for k in keys]
    if ids:
        requester = draw(st.none() | st.sampled_from(ids) | st.integers(41, 45))
        exclude = draw(st.sets(st.sampled_from(ids), max_size=3))
    else:
        requester, exclude = draw(st.none() | st.integers(41, 45)), set()
    return skills, people, requester, exclude


# -- an independent restatement of the rules ---------------------------------------


def really_eligible(p: Candidate, requester: int | None, exclude: Iterable[int]) -> bool:
    """The issue's wording: available, below their WIP limit, not the requester, not
    already asked."""
    below_limit = p.wip_limit is None or p.load < p.wip_limit
    return p.available and below_limit and p.user_id != requester and p.user_id not in exclude


def wanted(skills: Sequence[str]) -> dict[str, str]:
    """Requested skill key -> the requester's first spelling, in request order."""
    out: dict[str, str] = {}
    for s in skills:
        out.setdefault(" ".join(s.split()).lower(), s)
    return out


def optimum(keys: set[str], pool: list[Candidate]) -> int:
    """The true minimum number of people covering ``keys`` (brute force, small pools)."""
    for size in range(len(pool) + 1):
        for combo in itertools.combinations(pool, size):
            if keys <= {k for p in combo for k in p.skills}:
                return size
    raise AssertionError("keys are not coverable by the pool")


def harmonic(d: int) -> Fraction:
    return sum((Fraction(1, i) for i in range(1, d + 1)), Fraction(0))


def spare(p: Candidate) -> float:
    return float("inf") if p.wip_limit is None else p.wip_limit - p.load


def by_id(people: list[Candidate]) -> dict[int, Candidate]:
    return {p.user_id: p for p in people}


# -- properties ---------------------------------------------------------------------


@PROPERTY
@given(requests())
def test_every_coverable_skill_is_covered_and_only_the_rest_is_unmatched(case):
    skills, people, requester, exclude = case
    result = match(skills, people, requester_id=requester, exclude=exclude)

    want = wanted(skills)
    pool = [p for p in people if really_eligible(p, requester, exclude)]
    coverable = {k for k in want if any(k in p.skills for p in pool)}
    covered = {skill_key(s) for _, picked in result.picks for s in picked}
    assert covered == coverable
    # Unmatched: exactly the uncoverable skills, as first written, in request order.
    assert result.unmatched == [want[k] for k in want if k not in coverable]


@PROPERTY
@given(requests())
def test_only_available_people_below_their_limit_are_invited(case):
    skills, people, requester, exclude = case
    result = match(skills, people, requester_id=requester, exclude=exclude)

    who = by_id(people)
    for uid, _ in result.picks:
        p = who[uid]
        assert uid != requester, "the requester was invited"
        assert uid not in exclude, "someone already asked was invited again"
        assert p.available, "an unavailable person was invited"
        assert p.wip_limit is None or p.load < p.wip_limit, "someone at capacity was invited"
        assert eligible(p, requester_id=requester, exclude=exclude)


@PROPERTY
@given(requests())
def test_each_person_is_invited_once_for_skills_nobody_before_covered(case):
    skills, people, requester, exclude = case
    result = match(skills, people, requester_id=requester, exclude=exclude)

    want = wanted(skills)
    order = list(want)
    ids = [uid for uid, _ in result.picks]
    assert len(ids) == len(set(ids)), "someone was invited twice"
    who = by_id(people)
    seen: set[str] = set()
    for uid, picked in result.picks:
        keys = [skill_key(s) for s in picked]
        assert keys, f"user {uid} was invited for no new skill"
        assert not seen.intersection(keys), f"user {uid} adds nothing new for {picked}"
        assert all(k in who[uid].skills for k in keys), "invited for a skill they lack"
        # Reported as the requester wrote them, in request order.
        assert picked == [want[k] for k in keys]
        assert keys == sorted(keys, key=order.index)
        seen.update(keys)


@PROPERTY
@given(requests())
def test_no_more_people_are_invited_than_the_greedy_bound(case):
    skills, people, requester, exclude = case
    result = match(skills, people, requester_id=requester, exclude=exclude)

    want = wanted(skills)
    pool = [p for p in people if really_eligible(p, requester, exclude)]
    coverable = {k for k in want if any(k in p.skills for p in pool)}
    if not coverable:
        assert result.picks == []
        return
    best = optimum(coverable, pool)
    d = max(len(coverable.intersection(p.skills)) for p in pool)
    assert len(result.picks) <= harmonic(d) * best, (len(result.picks), best, d)


@PROPERTY
@given(requests())
def test_each_invitation_is_the_greedy_choice_with_the_issue_tie_breaks(case):
    """Each pick covers the most still-uncovered skills; among equals the higher skill
    level wins, then the most spare capacity, then the lower user id."""
    skills, people, requester, exclude = case
    result = match(skills, people, requester_id=requester, exclude=exclude)

    want = wanted(skills)
    remaining = [p for p in people if really_eligible(p, requester, exclude)]
    uncovered = {k for k in want if any(k in p.skills for p in remaining)}
    who = by_id(people)

    def rank(p: Candidate) -> tuple[int, int, float]:
        gain = uncovered.intersection(p.skills)
        return len(gain), sum(p.skills[k] for k in gain), spare(p)

    for uid, picked in result.picks:
        chosen = who[uid]
        assert {skill_key(s) for s in picked} == uncovered.intersection(chosen.skills)
        for other in remaining:
            if other is chosen:
                continue
            assert rank(other) <= rank(chosen), (other, chosen)
            if rank(other) == rank(chosen):
                assert chosen.user_id < other.user_id, (other, chosen)
        uncovered -= set(chosen.skills)
        remaining.remove(chosen)
    assert not uncovered


@PROPERTY
@given(requests(), st.randoms(use_true_random=False))
def test_the_answer_does_not_depend_on_the_order_people_are_listed(case, rnd):
    skills, people, requester, exclude = case
    shuffled = list(people)
    rnd.shuffle(shuffled)
    first = match(skills, people, requester_id=requester, exclude=exclude)
    again = match(skills, shuffled, requester_id=requester, exclude=exclude)
    assert (again.picks, again.unmatched) == (first.picks, first.unmatched)


@PROPERTY
@given(requests())
def test_ineligible_people_have_no_influence_on_the_answer(case):
    skills, people, requester, exclude = case
    result = match(skills, people, requester_id=requester, exclude=exclude)
    pool = [p for p in people if really_eligible(p, requester, exclude)]
    alone = match(skills, pool, requester_id=None)
    assert (alone.picks, alone.unmatched) == (result.picks, result.unmatched)


@PROPERTY
@given(requests(), st.data())
def test_skills_match_whatever_their_case_and_spacing(case, data):
    skills, people, requester, exclude = case
    canonical = match(
        [skill_key(s) for s in skills], people, requester_id=requester, exclude=exclude
    )
    respelled = [data.draw(spelling(skill_key(s))) for s in skills]
    result = match(respelled, people, requester_id=requester, exclude=exclude)
    # The same people for the same skills; only the spelling reported differs.
    assert [(u, [skill_key(s) for s in picked]) for u, picked in result.picks] == canonical.picks
    assert [skill_key(s) for s in result.unmatched] == canonical.unmatched


# -- examples -------------------------------------------------------------------------


def ids(result: Match) -> list[int]:
    return [uid for uid, _ in result.picks]


def test_the_person_covering_most_skills_is_asked_first_even_at_a_lower_level():
    generalist = Candidate(1, {"billing": 1, "sso": 1})
    billing_expert = Candidate(2, {"billing": 3})
    sso_expert = Candidate(3, {"sso": 3})
    result = match(["billing", "sso"], [billing_expert, sso_expert, generalist], requester_id=None)
    assert result.picks == [(1, ["billing", "sso"])]
    assert result.unmatched == []


def test_a_tie_in_coverage_goes_to_the_higher_skill_level():
    people = [
        Candidate(1, {"billing": 1}, wip_limit=10),
        Candidate(2, {"billing": 3}, wip_limit=2, load=1),  # less spare, higher level
        Candidate(3, {"billing": 2}),
    ]
    assert ids(match(["Billing"], people, requester_id=None)) == [2]


def test_a_tie_in_level_counts_every_skill_the_person_would_cover():
    people = [
        Candidate(1, {"billing": 3, "sso": 1}),  # 4
        Candidate(2, {"billing": 2, "sso": 3}),  # 5
        Candidate(3, {"billing": 1, "sso": 2}),  # 3
    ]
    assert match(["sso", "billing"], people, requester_id=None).picks == [(2, ["sso", "billing"])]


def test_a_tie_in_level_goes_to_the_most_spare_capacity():
    people = [
        Candidate(1, {"billing": 2}, wip_limit=3, load=2),  # 1 free
        Candidate(2, {"billing": 2}, wip_limit=5, load=2),  # 3 free
        Candidate(3, {"billing": 2}, wip_limit=4, load=2),  # 2 free
    ]
    assert ids(match(["billing"], people, requester_id=None)) == [2]
    # No personal limit is the most spare capacity of all.
    unlimited = Candidate(9, {"billing": 2}, wip_limit=None, load=7)
    assert ids(match(["billing"], [*people, unlimited], requester_id=None)) == [9]


def test_a_complete_tie_goes_to_the_lower_user_id_whatever_the_order():
    people = [Candidate(uid, {"billing": 2, "api": 1}, wip_limit=3) for uid in (17, 4, 9)]
    for seed in range(5):
        shuffled = list(people)
        random.Random(seed).shuffle(shuffled)
        assert match(["api", "billing"], shuffled, requester_id=None).picks == [
            (4, ["api", "billing"])
        ]


def test_skills_match_case_insensitively_and_keep_the_requesters_spelling():
    people = [Candidate(1, {"data export": 2}), Candidate(2, {"sso": 1})]
    result = match(["  Data   EXPORT ", "SSO", "sso", "Kubernetes"], people, requester_id=None)
    assert result.picks == [(1, ["  Data   EXPORT "]), (2, ["SSO"])]
    assert result.unmatched == ["Kubernetes"]
    assert skill_key("  Data \t EXPORT ") == "data export"


def test_unmatched_skills_keep_the_request_order_and_first_spelling():
    people = [Candidate(1, {"billing": 1})]
    result = match(
        ["Zebra", "billing", "apple", "ZEBRA", "Mango", "kubernetes"], people, requester_id=None
    )
    assert result.unmatched == ["Zebra", "apple", "Mango", "kubernetes"]
    assert result.picks == [(1, ["billing"])]


def test_the_requester_is_never_invited_even_as_the_only_expert():
    people = [Candidate(5, {"billing": 3}), Candidate(6, {"sso": 1})]
    result = match(["billing", "sso"], people, requester_id=5)
    assert result.picks == [(6, ["sso"])]
    assert result.unmatched == ["billing"]


@pytest.mark.parametrize(
    "busy",
    [
        Candidate(1, {"billing": 3}, available=False),
        Candidate(1, {"billing": 3}, wip_limit=2, load=2),
        Candidate(1, {"billing": 3}, wip_limit=2, load=5),
        Candidate(1, {"billing": 3}, wip_limit=0),
    ],
    ids=["unavailable", "at-limit", "over-limit", "limit-zero"],
)
def test_people_who_cannot_take_more_work_are_passed_over(busy):
    fallback = Candidate(2, {"billing": 1}, wip_limit=1)
    assert match(["billing"], [busy, fallback], requester_id=None).picks == [(2, ["billing"])]
    assert match(["billing"], [busy], requester_id=None).unmatched == ["billing"]


def test_people_already_asked_are_not_asked_again():
    people = [Candidate(1, {"billing": 3}), Candidate(2, {"billing": 1})]
    assert ids(match(["billing"], people, requester_id=None, exclude=[1])) == [2]
    result = match(["billing"], people, requester_id=None, exclude={1, 2})
    assert (result.picks, result.unmatched) == ([], ["billing"])


def test_greedy_can_exceed_the_optimum_but_stays_within_its_bound():
    """The textbook case: the widest generalist first, then two to fill the gaps,
    where two specialists alone would do. 3 <= H(4) * 2."""
    people = [
        Candidate(1, {"a": 1, "b": 1, "c": 1, "d": 1}),
        Candidate(2, {"a": 1, "b": 1, "e": 1}),
        Candidate(3, {"c": 1, "d": 1, "f": 1}),
    ]
    result = match(list("abcdef"), people, requester_id=None)
    assert ids(result) == [1, 2, 3]
    assert optimum(set("abcdef"), people) == 2
    assert len(result.picks) <= harmonic(4) * 2


def test_nothing_requested_invites_nobody():
    result = match([], [Candidate(1, {"billing": 1})], requester_id=None)
    assert (result.picks, result.unmatched) == ([], [])
