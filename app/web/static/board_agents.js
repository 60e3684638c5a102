/* Swarmboard board page: bots (AI agents) as teammates, and pulling work.
 *
 * - SB.isBot(id) and SB.botBadge(): who is a bot (the board's #board-meta lists the bot
 *   members' ids) and the small "Bot" badge the page puts beside a bot's name: on a card
 *   (a chip for each bot assignee, SB.setBots), in the drawer's people, the activity and
 *   the swarm's hand-over note.
 * - SB.setSkills(el, skills): the chips of the skills a card needs.
 * - "Pull next" (#pull-next, only for roles that work cards): POST /api/boards/{id}/pull
 *   takes the best card waiting for your skills; the card is then highlighted and opened.
 *   "Nothing waiting" and a refusal (the problem's detail: a WIP limit, …) show in
 *   #pull-result, an aria-live region beside the button. */
"use strict";
(function () {
  const SB = window.SB;

  SB.isBot = function (id) {
    if (id === null || id === undefined) return false;
    return (SB.meta().bots || []).map(Number).includes(Number(id));
  };

  SB.botBadge = function () {
    const badge = SB.el("span", "bot-badge", "Bot");
    badge.title = "An AI agent";
    return badge;
  };

  /** A chip on the card for each assignee who is a bot, before the owner's initials. */
  SB.setBots = function (el, assigneeIds) {
    for (const old of el.querySelectorAll(".bot-assignee")) old.remove();
    const meta = el.querySelector(".meta");
    if (!meta) return;
    const anchor = meta.querySelector(".owner") || meta.querySelector(".move-menu");
    for (const id of assigneeIds.map(Number).filter(SB.isBot)) {
      const name = SB.meta().members[id] || "Bot " + id;
      const chip = SB.el("span", "bot-assignee");
      chip.dataset.userId = String(id);
      chip.title = "Assigned to " + name + ", a bot";
      chip.append(SB.el("span", "bot-badge", "Bot"), " " + name);
      if (anchor) anchor.before(chip); else meta.append(chip);
    }
  };

  /** The chips of the skills the card needs, under its title (none: no row). */
  SB.setSkills = function (el, skills) {
    let row = el.querySelector(".card-skills");
    if (!skills || !skills.length) { if (row) row.remove(); return; }
    if (!row) {
      row = SB.el("span", "card-skills");
      row.title = "Skills this card needs";
      el.querySelector(".meta").before(row);
    }
    row.replaceChildren(...skills.map((s) => SB.el("span", "skill-tag", s)));
  };

  /* --- Pull next ------------------------------------------------------------------------ */
  const button = document.getElementById("pull-next");
  const result = document.getElementById("pull-result");
  if (!button || !result) return;

  function say(message, state) {
    result.textContent = message || "";
    result.dataset.state = state || "";
    result.hidden = !message;
  }

  function highlight(cardId) {
    const el = SB.card(cardId);
    if (!el) return;
    el.classList.remove("just-pulled");
    void el.offsetWidth; // restart the animation when the same card is pulled again
    el.classList.add("just-pulled");
    el.scrollIntoView({ block: "nearest", inline: "nearest" });
    setTimeout(() => el.classList.remove("just-pulled"), 4000);
  }

  button.addEventListener("click", async function () {
    button.disabled = true;
    say("Looking for the next card…", "busy");
    const res = await SB.api("POST", "/api/boards/" + SB.boardId + "/pull");
    button.disabled = false;
    if (!res.ok) { say(res.body.detail, "error"); return; }
    const card = res.body.card;
    if (!card) { say("Nothing waiting for your skills.", "empty"); return; }
    say("Pulled “" + card.title + "”: it is yours now, in " + (SB.columnName(card.column_id) || "progress") + ".", "ok");
    highlight(card.id);
    if (SB.openDrawer) SB.openDrawer(card.id);
  });

  // The move arrives over the live connection, maybe after the answer: highlight it there.
  document.addEventListener("sb:board-event", function (event) {
    const ev = event.detail || {};
    if (ev.type === "card.updated" && ev.data && ev.data.pulled && ev.actor && Number(ev.actor.id) === Number(document.body.dataset.userId)) {
      highlight(ev.data.card_id);
    }
  });
})();
