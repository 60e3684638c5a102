"""Which members a comment's @handles name (app/comments/mentions.py)."""

from __future__ import annotations

from app.comments.mentions import Person, handles, resolve

MAYA = Person(id=1, email="maya@example.com", name="Maya Lee")
SAM_A = Person(id=2, email="sam.a@example.com", name="Sam Archer")
SAM_B = Person(id=3, email="sbrook@example.com", name="Sam Brook")
JOSE = Person(id=4, email="j.garcia@example.com", name="José García")
ONE_WORD = Person(id=5, email="ops@example.com", name="Ops")
BOARD = [MAYA, SAM_A, SAM_B, JOSE, ONE_WORD]


def test_handles_are_case_folded_once_each_in_order():
    assert handles("@Maya and @sam.a, then @MAYA again (cc @ops)") == ["maya", "sam.a", "ops"]


def test_an_email_address_or_a_lone_at_sign_is_not_a_mention():
    assert handles("write to maya@example.com or @ alone, or @@maya") == []


def test_sentence_punctuation_ends_a_handle():
    assert handles("thanks @maya. Ask @sam.a! Also @j.garcia's note; @ops:") == [
        "maya",
        "sam.a",
        "j.garcia",
        "ops",
    ]


def test_a_member_is_named_by_their_email_local_part_in_any_case():
    assert resolve("@MAYA can you look? @j.garcia too", BOARD, author_id=None) == [1, 4]


def test_a_unique_first_name_names_its_member_even_with_accents():
    assert resolve("@josé and @maya", BOARD, author_id=None) == [4, 1]
    assert resolve("@Ops", BOARD, author_id=None) == [5]


def test_a_first_name_two_members_share_names_nobody():
    assert resolve("@sam please", BOARD, author_id=None) == []
    # Each Sam is still reachable by their own local part.
    assert resolve("@sam.a and @sbrook", BOARD, author_id=None) == [2, 3]


def test_people_who_are_not_members_are_ignored():
    assert resolve("@nobody @root @admin", BOARD, author_id=None) == []


def test_the_author_is_never_in_their_own_mentions_and_repeats_count_once():
    assert resolve("@maya @Maya @maya.", BOARD, author_id=None) == [1]
    assert resolve("note to self @maya, and @ops", BOARD, author_id=1) == [5]


def test_a_local_part_shared_by_two_members_names_neither_nor_a_first_name():
    twins = [
        Person(id=7, email="kim@a.example", name="Kim One"),
        Person(id=8, email="kim@b.example", name="Kim Two"),
        Person(id=9, email="kb@example.com", name="Kim"),
    ]
    assert resolve("@kim", twins, author_id=None) == []


def test_a_local_part_wins_over_someone_elses_first_name():
    people = [
        Person(id=1, email="lee@example.com", name="Ann Smith"),
        Person(id=2, email="x@example.com", name="Lee Jones"),
    ]
    assert resolve("@lee", people, author_id=None) == [1]
    assert resolve("@ann", people, author_id=None) == [1]


def test_a_body_without_handles_mentions_nobody():
    assert resolve("plain text, no mentions", BOARD, author_id=None) == []
