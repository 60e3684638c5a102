/* Swarmboard board page, part 5: swarms. The shared part: the swarm badge on cards, the
 * "Swarms needing help" list (with Join), and the way swarm events reach the rest. The
 * drawer's swarm panel is swarm_panel.js; invitation toasts and the top bar's
 * "Invitations (N)" list are invitations.js. Both build on SB.swarm, defined here.
 *
 * Everything is read from the JSON API and kept current by the board's event stream:
 * live.js hands every swarm.* event to SB.swarmEvent, which updates the badge at once
 * and has each part re-fetch whatever the event may have changed (SB.swarm.panel.follow,
 * SB.swarm.invitations.follow); after sb:board-replaced each part re-fetches. One
 * delegated listener per region; nothing listens on a card. */
"use strict";
(function () {
  const SB = window.SB;
  const me = Number(document.body.dataset.userId);
  SB.userId = me;
  const REFRESH_DELAY_MS = 40; // a burst of events (requested, invited, …) costs one fetch

  /* --- small DOM helpers ------------------------------------------------------------ */
  const { el, button, showError } = SB;

  /** What the API said went wrong: the problem's detail, and which field why. */
  function problem(res) {
    const errors = Array.isArray(res.body.errors) ? res.body.errors : [];
    const why = errors.filter((e) => e && e.message).map((e) => e.message).slice(0, 2);
    return res.body.detail + (why.length ? " (" + why.join("; ") + ")" : "");
  }

  function personName(id) {
    if (id === null || id === undefined) return "someone";
    if (id === me) return "you";
    return SB.meta().members[id] || "Person " + id;
  }

  function cardTitle(cardId, fallback) {
    const card = SB.card(cardId);
    return card ? card.querySelector(".title").textContent : fallback || "Card " + cardId;
  }

  /** Keep a list's items in step with data, by key: unchanged rows keep their nodes. */
  function syncList(list, items, keyOf, build, update) {
    const old = new Map();
    for (const li of Array.from(list.children)) old.set(li.dataset.key, li);
    let previous = null;
    for (const item of items) {
      const key = String(keyOf(item));
      let li = old.get(key);
      if (li) old.delete(key);
      else { li = build(item); li.dataset.key = key; }
      if (update) update(li, item);
      const next = previous ? previous.nextElementSibling : list.firstElementChild;
      if (li !== next) list.insertBefore(li, next);
      previous = li;
    }
    for (const li of old.values()) li.remove();
  }

  const serial = (fn) => SB.serial(fn, REFRESH_DELAY_MS);

  /* --- the badge on a card -------------------------------------------------------------- */
  SB.setSwarmBadge = function (card, swarmId) {
    let badge = card.querySelector(".swarm-badge");
    if (swarmId === null || swarmId === undefined) { if (badge) badge.remove(); return; }
    if (!badge) {
      badge = el("span", "swarm-badge", "Swarm");
      badge.title = "A swarm is helping on this card";
      // Before the initials or "Move to…"; read-only roles may have neither.
      const next = card.querySelector(".owner, .move-menu");
      if (next) next.before(badge); else card.querySelector(".meta").append(badge);
    }
    badge.dataset.swarmId = String(swarmId);
  };

  /* --- "Swarms needing help" ---------------------------------------------------------- */
  const help = document.getElementById("swarm-help");
  const helpList = help.querySelector(".swarm-help-list");
  const helpError = help.querySelector(".form-error");

  function buildHelpItem() {
    const li = el("li", "swarm-help-item");
    const head = el("div", "swarm-help-head");
    head.append(button("", "link", { openCard: "" }));
    if (SB.canWork) head.append(button("Join", "quiet", { helpJoin: "" }));
    li.append(head, el("p", "swarm-help-skills"), el("p", "swarm-help-question"));
    return li;
  }

  function updateHelpItem(li, s) {
    li.dataset.swarmId = String(s.id);
    const open = li.querySelector("button[data-open-card]");
    open.dataset.openCard = String(s.card_id);
    open.textContent = s.card_title;
    const join = li.querySelector("button[data-help-join]");
    if (join) join.setAttribute("aria-label", "Join the swarm on “" + s.card_title + "”");
    const needed = s.unmatched_skills.length ? " · nobody free yet for " + s.unmatched_skills.join(", ") : "";
    li.querySelector(".swarm-help-skills").textContent = "Skills: " + s.skills.join(", ") + needed;
    li.querySelector(".swarm-help-question").textContent = s.question;
  }

  const refreshHelp = serial(async function () {
    const res = await SB.api("GET", "/api/swarms/needing-help?board_id=" + SB.boardId + "&limit=20");
    if (!res.ok || !Array.isArray(res.body.swarms)) return;
    const swarms = res.body.swarms;
    syncList(helpList, swarms, (s) => s.id, buildHelpItem, updateHelpItem);
    help.querySelector(".swarm-help-count").textContent = "(" + res.body.total + ")";
    help.hidden = swarms.length === 0;
    if (!swarms.length) showError(helpError, "");
  });

  help.addEventListener("click", async function (event) {
    const open = event.target.closest("button[data-open-card]");
    if (open) { SB.openDrawer(Number(open.dataset.openCard)); return; }
    const join = event.target.closest("button[data-help-join]");
    if (!join) return;
    const li = join.closest("li");
    join.disabled = true;
    const res = await SB.api("POST", "/api/swarms/" + Number(li.dataset.swarmId) + "/join", { role: "helper" });
    join.disabled = false;
    if (!res.ok) { showError(helpError, problem(res)); return; }
    showError(helpError, "");
    SB.swarm.panel.show(res.body);
    refreshHelp();
    SB.swarm.invitations.refresh.soon();
  });

  /* --- what the parts share (invitations.js and swarm_panel.js add theirs) --------------- */
  SB.swarm = { me, problem, personName, cardTitle, syncList, serial, refreshHelp };

  /* --- live updates --------------------------------------------------------------------- */
  const BADGE_ON = new Set(["swarm.requested", "swarm.reopened"]);
  const BADGE_OFF = new Set(["swarm.resolved", "swarm.cancelled"]);

  /** Apply one swarm.* event from the board stream; false asks live.js for a resync. */
  SB.swarmEvent = function (ev) {
    const d = ev.data || {};
    let ok = true;
    if (BADGE_ON.has(ev.type) || BADGE_OFF.has(ev.type)) {
      const card = SB.card(d.card_id);
      if (!card) ok = false;
      else if (BADGE_ON.has(ev.type)) SB.setSwarmBadge(card, d.swarm_id);
      else {
        const badge = card.querySelector(".swarm-badge");
        if (badge && badge.dataset.swarmId === String(d.swarm_id)) SB.setSwarmBadge(card, null);
      }
    }
    SB.swarm.panel.follow(ev);
    refreshHelp.soon();
    SB.swarm.invitations.follow(ev);
    return ok;
  };

  // After a resync the board is re-rendered from the server (badges included); the
  // events it skipped may have changed the rest as well (the parts listen too).
  document.addEventListener("sb:board-replaced", function () {
    refreshHelp.soon();
  });

  refreshHelp();
})();
