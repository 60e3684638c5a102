"""The customer's page: a plain form anyone can use, one answer per link, and a clear
page for every link that no longer takes one."""

from __future__ import annotations

from tests import factories
from tests.confirm.helpers import (
    BLANK,
    closed_card,
    confirmation,
    expire,
    last_seq,
    make_board,
    move,
    set_external_ref,
    types_since,
)
from tests.web.helpers import Node, parse


def _labelled(doc: Node, control: Node) -> bool:
    return bool(doc.find_all("label", for_=control.attrs.get("id", "-")))


def _fieldset_of(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None and parent.tag != "fieldset":
        parent = parent.parent
    return parent


async def test_the_form_asks_the_question_accessibly_without_script_or_cookies(
    client, as_user, app
):
    board_id, cols = await make_board(client)
    card_id, path = await closed_card(client, board_id, cols, title="Refund shows twice")
    await set_external_ref(app, card_id, "ZD-4711")

    page = await as_user(None).get(path)

    assert page.status_code == 200 and "set-cookie" not in page.headers
    doc = parse(page.text)
    assert doc.find("html").attrs["lang"] == "en"
    [h1] = doc.find_all("h1")
    assert h1.text().strip() == "Is your problem solved?"
    assert "Refund shows twice" in page.text and "ZD-4711" in page.text
    # Nothing runs and nothing comes from elsewhere: no script, no style attribute, no CDN.
    assert not doc.find_all("script") and not doc.find_all(style=True)
    assert all(link.attrs["href"].startswith(("/", "data:")) for link in doc.find_all("link"))
    assert not [n for n in doc.find_all(tabindex=True) if int(n.attrs["tabindex"]) > 0]
    form = doc.find("form")
    assert form.attrs["method"] == "post" and form.attrs["action"] == path
    assert not form.find_all("input", type="hidden")  # no CSRF token: the link is the key
    controls = form.find_all("input") + form.find_all("textarea")
    assert controls and all(_labelled(doc, c) for c in controls)
    # Every radio group is a fieldset with a legend that asks the question.
    groups = {c.attrs["name"]: _fieldset_of(c) for c in form.find_all("input", type="radio")}
    assert set(groups) == {"solved", "csat", "ces", "nps"}
    legends = {name: fs.find("legend").text() for name, fs in groups.items() if fs}
    assert "Is your problem solved?" in legends["solved"]
    assert "satisfied" in legends["csat"] and "recommend" in legends["nps"]
    # The scales are explained in words, and each score can be left unanswered.
    assert "1, very dissatisfied, to 5, very satisfied" in page.text
    assert "From 0, not at all likely, to 10, extremely likely" in page.text
    values = {n: [r.attrs["value"] for r in form.find_all("input", name=n)] for n in groups}
    assert values["solved"] == ["yes", "no"]
    assert values["csat"] == ["", "1", "2", "3", "4", "5"]
    assert values["ces"] == ["", *map(str, range(1, 8))]
    assert values["nps"] == ["", *map(str, range(11))]
    assert form.find("textarea", name="comment").attrs["maxlength"] == "2000"


async def test_the_stylesheet_is_served_and_shows_focus(client, as_user):
    board_id, cols = await make_board(client)
    _, path = await closed_card(client, board_id, cols)
    doc = parse((await as_user(None).get(path)).text)
    [sheet] = doc.find_all("link", rel="stylesheet")
    css = await as_user(None).get(sheet.attrs["href"])
    assert css.status_code == 200 and ":focus-visible" in css.text and "outline" in css.text


async def test_yes_is_recorded_and_the_page_thanks_the_customer(client, as_user):
    board_id, cols = await make_board(client)
    card_id, path = await closed_card(client, board_id, cols)
    seq = await last_seq(client, board_id)
    customer = as_user(None)

    answer = {**BLANK, "solved": "yes", "csat": "5", "ces": "6", "nps": "9", "comment": "Fast!"}
    r = await customer.post(path, data=answer)

    assert r.status_code == 303 and r.headers["location"] == path
    assert "set-cookie" not in r.headers
    shown = await confirmation(client, card_id)
    assert (shown["state"], shown["solved"]) == ("confirmed", True)
    assert (shown["csat"], shown["ces"], shown["nps"], shown["comment"]) == (5, 6, 9, "Fast!")
    assert shown["answered_at"] is not None
    logged = await factories.events(client, board_id, since=seq)
    assert [e["type"] for e in logged] == ["customer.confirmed"]
    assert logged[0]["actor"] == {"id": None, "kind": "customer"}
    assert logged[0]["data"] == {
        "card_id": card_id,
        "confirmation_id": shown["id"],
        "csat": 5,
        "ces": 6,
        "nps": 9,
        "has_comment": True,
    }
    # The card stays done.
    card = (await client.get(f"/api/cards/{card_id}")).json()
    assert card["column_id"] == cols["Resolved"]

    page = await customer.get(path)
    assert page.status_code == 200 and not parse(page.text).find_all("form")
    assert "Thank you" in page.text and "Fast!" in page.text
    assert "5 out of 5 (Very satisfied)" in page.text and "9 out of 10" in page.text


async def test_a_replayed_answer_changes_nothing_and_shows_the_first(client, as_user):
    board_id, cols = await make_board(client)
    card_id, path = await closed_card(client, board_id, cols)
    customer = as_user(None)
    assert (await customer.post(path, data={**BLANK, "solved": "yes"})).status_code == 303
    seq = await last_seq(client, board_id)
    before = await confirmation(client, card_id)

    again = await customer.post(path, data={**BLANK, "solved": "no", "csat": "1"})

    assert again.status_code == 200
    assert "already been answered" in again.text and "Thank you" in again.text
    assert not parse(again.text).find_all("form")
    assert await types_since(client, board_id, seq) == []
    assert await confirmation(client, card_id) == before
    # Even an invalid second answer only shows the recorded one.
    odd = await customer.post(path, data={"solved": "perhaps"})
    assert odd.status_code == 200 and "already" not in odd.text and "Thank you" in odd.text
    assert await types_since(client, board_id, seq) == []


async def test_a_client_sending_only_the_fields_can_answer(client, as_user):
    board_id, cols = await make_board(client)
    card_id, path = await closed_card(client, board_id, cols)
    bare = as_user(None)

    r = await bare.post(
        path,
        content=b"solved=yes&csat=&ces=&nps=&comment=",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert r.status_code == 303
    shown = await confirmation(client, card_id)
    assert (shown["state"], shown["csat"], shown["comment"]) == ("confirmed", None, None)


async def test_an_invalid_form_is_shown_again_with_errors_and_nothing_written(client, as_user):
    board_id, cols = await make_board(client)
    card_id, path = await closed_card(client, board_id, cols)
    seq = await last_seq(client, board_id)
    comment = "Line one\nline two " + "x" * 2000

    r = await as_user(None).post(
        path, data={"solved": "maybe", "csat": "9", "ces": "3", "nps": "", "comment": comment}
    )

    assert r.status_code == 422
    doc = parse(r.text)
    assert doc.find("title").text().startswith("Error:")
    assert doc.find(role="alert").find_all("a")  # a summary linking to each problem
    solved = doc.find("fieldset", aria_describedby="solved-hint solved-error")
    assert "Choose yes or no" in doc.find(id="solved-error").text()
    assert not solved.find_all("input", checked=True)
    csat = doc.find("fieldset", aria_describedby="csat-hint csat-error")
    assert "from 1 to 5" in doc.find(id="csat-error").text()
    assert not csat.find_all("input", checked=True)
    # What was valid is kept as entered.
    assert doc.find("input", id="ces-3").attrs.get("checked") is not None
    assert doc.find("input", id="nps-none").attrs.get("checked") is not None
    area = doc.find("textarea", name="comment")
    assert area.attrs["aria-describedby"] == "comment-hint comment-error"
    assert area.attrs["aria-invalid"] == "true" and area.text().strip() == comment
    assert "shorten it to 2000" in doc.find(id="comment-error").text()
    assert await types_since(client, board_id, seq) == []
    assert (await confirmation(client, card_id))["state"] == "pending"


async def test_a_missing_answer_keeps_the_comment(client, as_user):
    board_id, cols = await make_board(client)
    _, path = await closed_card(client, board_id, cols)
    r = await as_user(None).post(path, data={"comment": "It works on my phone only"})
    assert r.status_code == 422 and "It works on my phone only" in r.text


async def test_a_tampered_or_unknown_link_is_a_clear_404(client, as_user):
    board_id, cols = await make_board(client)
    card_id, path = await closed_card(client, board_id, cols)
    seq = await last_seq(client, board_id)
    customer = as_user(None)
    token = path.removeprefix("/c/")
    tampered = "/c/" + token[:-2] + ("AA" if token[-2:] != "AA" else "BB")

    for bad in (tampered, "/c/not-a-token", "/c/" + "x" * 500):
        page = await customer.get(bad)
        assert page.status_code == 404 and "could not find this link" in page.text
        assert not parse(page.text).find_all("form")
        posted = await customer.post(bad, data={**BLANK, "solved": "yes"})
        assert posted.status_code == 404
    assert await types_since(client, board_id, seq) == []
    assert (await confirmation(client, card_id))["state"] == "pending"


async def test_an_expired_link_is_410_and_takes_no_answer(client, as_user, app):
    board_id, cols = await make_board(client)
    card_id, path = await closed_card(client, board_id, cols)
    await expire(app, card_id)
    seq = await last_seq(client, board_id)
    customer = as_user(None)

    page = await customer.get(path)
    posted = await customer.post(path, data={**BLANK, "solved": "no"})

    assert page.status_code == 410 and "expired" in page.text
    assert posted.status_code == 410 and "expired" in posted.text
    assert await types_since(client, board_id, seq) == []
    shown = await confirmation(client, card_id)
    assert (shown["state"], shown["expired"]) == ("pending", True)
    assert (await client.get(f"/api/cards/{card_id}")).json()["column_id"] == cols["Resolved"]


async def test_a_superseded_link_is_410_and_takes_no_answer(client, as_user):
    board_id, cols = await make_board(client)
    card_id, path = await closed_card(client, board_id, cols)
    await move(client, card_id, cols["Investigating"])
    await move(client, card_id, cols["Resolved"])  # asked again with a new link
    seq = await last_seq(client, board_id)

    posted = await as_user(None).post(path, data={**BLANK, "solved": "yes"})

    assert posted.status_code == 410 and "no longer in use" in posted.text
    assert await types_since(client, board_id, seq) == []
    shown = await confirmation(client, card_id)
    assert shown["state"] == "pending" and shown["history"][0]["state"] == "superseded"
