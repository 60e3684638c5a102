/* Swarmboard board page, part 5: swarms. The swarm badge on cards, the drawer's swarm
 * panel (ask for help, members and invitations, join, leave, resolve, cancel, reopen),
 * invitation toasts with Accept and Decline (and the top bar's "Invitations (N)" list,
 * which keeps them reachable once a toast is dismissed), and the "Swarms needing help" list.
 *
 * Everything is read from the JSON API and kept current by the board's event stream:
 * live.js hands every swarm.* event to SB.swarmEvent, which updates the badge at once
 * and re-fetches whatever the event may have changed. One delegated listener per
 * region; nothing listens on a card. */
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

  /* --- invitations: a toast each, and the top bar's "Invitations (N)" list ------------ */
  // Every pending invitation is in the list behind the top bar's button, so one whose
  // toast was dismissed (or went) stays reachable; answered ones leave both.
  const stack = document.getElementById("toasts");
  const invites = new Map(); // invitation id -> invitation, pending and not answered here
  const toasts = new Map(); // invitation id -> its toast's handle (SB.toast)
  const dismissed = new Set(); // invitation ids whose toast was put away: the list has them
  const answered = new Set(); // answered here: a list fetched just before still has them
  const inviteToggle = document.getElementById("invitations-toggle");
  const invitePanel = document.getElementById("invitations-panel");
  const inviteList = invitePanel.querySelector(".invitations-list");
  const inviteEmpty = invitePanel.querySelector(".invitations-empty");

  /** Accept, Decline and the way to the card: the same in a toast and in the list. */
  function inviteActions(inv) {
    const title = "“" + inv.card_title + "”";
    const out = [];
    // A read-only role on this board may not join here (the server refuses it too).
    if (inv.board_id !== SB.boardId || SB.canWork) {
      const accept = button("Accept", "primary", { inviteAccept: "" });
      accept.setAttribute("aria-label", "Accept the invitation to help on " + title);
      out.push(accept);
    }
    const decline = button("Decline", "quiet", { inviteDecline: "" });
    decline.setAttribute("aria-label", "Decline the invitation to help on " + title);
    out.push(decline);
    if (inv.board_id === SB.boardId) {
      out.push(button("Open card", "quiet", { openCard: String(inv.card_id) }));
    } else {
      const link = el("a", "toast-link", "Open its board");
      link.href = "/boards/" + Number(inv.board_id);
      out.push(link);
    }
    return out;
  }

  function inviteError() {
    const error = el("p", "form-error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    return error;
  }

  function markInvite(node, inv) {
    node.dataset.invitationId = String(inv.invitation_id);
    node.dataset.swarmId = String(inv.swarm_id);
    node.dataset.inviteCard = String(inv.card_id); // not data-card-id: that names a card
  }

  function showInviteToast(inv) {
    const id = String(inv.invitation_id);
    const handle = SB.toast({
      kind: "invite", className: "invite-toast",
      title: [el("strong", "", "You are asked to help"), " on “", el("span", "toast-card", inv.card_title), "”"],
      content: [el("p", "toast-skills", "Your skills wanted: " + (inv.skills || []).join(", ")),
        el("p", "toast-question", inv.question), inviteError()],
      buttons: inviteActions(inv),
      returnFocus: inviteToggle,
      onDismiss(reason) {
        toasts.delete(id);
        // Put away, not answered: the top bar's list keeps it.
        if (reason === "dismissed" || reason === "expired") dismissed.add(id);
      },
    });
    markInvite(handle.el, inv);
    toasts.set(id, handle);
  }

  function buildInviteItem(inv) {
    const li = el("li", "invitation-item");
    markInvite(li, inv);
    const head = el("p", "invitation-head");
    head.append(el("strong", "", "Help on "), inv.board_id === SB.boardId
      ? button(inv.card_title, "link", { openCard: String(inv.card_id) })
      : el("span", "", "“" + inv.card_title + "” (another board)"));
    const actions = el("div", "toast-actions");
    actions.append(...inviteActions(inv).filter((b) => !b.dataset.openCard));
    li.append(head, el("p", "invitation-skills muted", "Your skills wanted: " + (inv.skills || []).join(", ")),
      el("p", "invitation-question", inv.question), inviteError(), actions);
    return li;
  }

  function renderInvitations() {
    const pending = Array.from(invites.values());
    for (const li of inviteList.children) {
      // Gone while its refusal showed (answered elsewhere, the swarm ended): keep the why.
      const error = li.querySelector(".form-error");
      if (!invites.has(li.dataset.key) && !error.hidden) SB.flash(error.textContent);
    }
    const hadFocus = invitePanel.contains(document.activeElement);
    syncList(inviteList, pending, (inv) => inv.invitation_id, buildInviteItem);
    const n = pending.length;
    inviteToggle.querySelector(".invitations-count").textContent = String(n);
    inviteToggle.hidden = n === 0;
    inviteEmpty.hidden = n > 0;
    if (!n && !invitePanel.hidden) closeInvitations(hadFocus);
    else if (hadFocus && !invitePanel.contains(document.activeElement)) {
      const next = inviteList.querySelector("button");
      (next || invitePanel).focus();
    }
  }

  function dropInvite(invitationId) {
    const id = String(invitationId);
    answered.add(Number(invitationId));
    invites.delete(id);
    renderInvitations();
    const handle = toasts.get(id);
    if (handle) handle.dismiss("answered");
  }

  /** Fetch the pending invitations: a toast for each new one, the list for them all. */
  const refreshInvitations = serial(async function () {
    const res = await SB.api("GET", "/api/users/me/invitations");
    if (!res.ok || !Array.isArray(res.body)) return;
    const pending = res.body.filter((inv) => !answered.has(Number(inv.invitation_id)));
    const keys = new Set(pending.map((inv) => String(inv.invitation_id)));
    for (const [id, handle] of Array.from(toasts)) {
      // A toast busy answering keeps its place until the answer is in.
      if (keys.has(id) || handle.el.classList.contains("busy")) continue;
      const error = handle.el.querySelector(".form-error");
      if (!error.hidden) SB.flash(error.textContent);
      handle.dismiss("ended");
    }
    invites.clear();
    for (const inv of pending) invites.set(String(inv.invitation_id), inv);
    for (const inv of pending) {
      const id = String(inv.invitation_id);
      if (!toasts.has(id) && !dismissed.has(id)) showInviteToast(inv);
    }
    renderInvitations();
  });

  /** Accept or decline from a toast or a list item (``box`` has the invitation's ids). */
  async function answer(box, accept) {
    const error = box.querySelector(".form-error");
    const buttons = box.querySelectorAll("button");
    const path = "/api/swarms/" + Number(box.dataset.swarmId) + "/invitations/" +
      Number(box.dataset.invitationId) + (accept ? "/accept" : "/decline");
    box.classList.add("busy");
    buttons.forEach((b) => { b.disabled = true; });
    const res = await SB.api("POST", path, accept ? { role: "helper" } : undefined);
    box.classList.remove("busy");
    buttons.forEach((b) => { b.disabled = false; });
    if (!res.ok) {
      // The reason stays where the button was; if the invitation no longer stands
      // (answered elsewhere, the swarm ended) the fresh list takes it away.
      showError(error, problem(res));
      refreshInvitations.soon();
      return;
    }
    const inv = invites.get(box.dataset.invitationId);
    const title = inv ? inv.card_title : cardTitle(Number(box.dataset.inviteCard));
    dropInvite(box.dataset.invitationId);
    if (accept) SB.flash("You joined the swarm on “" + title + "”.", "info");
    showSwarm(res.body);
    refreshHelp.soon();
  }

  function onInviteClick(event) {
    const open = event.target.closest("button[data-open-card]");
    if (open) { SB.openDrawer(Number(open.dataset.openCard)); return; }
    const accept = event.target.closest("button[data-invite-accept]");
    const decline = event.target.closest("button[data-invite-decline]");
    if (!accept && !decline) return;
    const box = event.target.closest("[data-invitation-id]");
    if (box) answer(box, !!accept);
  }
  stack.addEventListener("click", onInviteClick);
  inviteList.addEventListener("click", onInviteClick);

  function openInvitations() {
    invitePanel.hidden = false;
    inviteToggle.setAttribute("aria-expanded", "true");
    const first = inviteList.querySelector("button");
    (first || invitePanel).focus();
  }
  function closeInvitations(refocus) {
    invitePanel.hidden = true;
    inviteToggle.setAttribute("aria-expanded", "false");
    if (refocus) (inviteToggle.hidden ? document.getElementById("alerts-toggle") : inviteToggle).focus();
  }
  inviteToggle.addEventListener("click", function () {
    if (invitePanel.hidden) openInvitations(); else closeInvitations(true);
  });
  invitePanel.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-invitations]")) closeInvitations(true);
  });
  invitePanel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); closeInvitations(true); }
  });
  document.addEventListener("click", function (event) {
    if (!invitePanel.hidden && !event.target.closest(".invitations-menu")) closeInvitations(false);
  });

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
    showSwarm(res.body);
    refreshHelp();
    refreshInvitations.soon();
  });

  /* --- the drawer's swarm panel ------------------------------------------------------- */
  const panel = document.getElementById("swarm");
  const parts = {
    loading: panel.querySelector(".swarm-loading"),
    error: panel.querySelector(".swarm-error"),
    open: panel.querySelector(".swarm-open"),
    members: panel.querySelector(".swarm-members"),
    membersEmpty: panel.querySelector(".swarm-members-empty"),
    invitations: panel.querySelector(".swarm-invitations"),
    invitationsEmpty: panel.querySelector(".swarm-invitations-empty"),
    unmatched: panel.querySelector(".swarm-unmatched"),
    join: panel.querySelector("form.swarm-join"),
    decline: panel.querySelector("[data-swarm-decline]"),
    leave: panel.querySelector("[data-swarm-leave]"),
    resolve: panel.querySelector("[data-swarm-resolve]"),
    cancel: panel.querySelector("[data-swarm-cancel]"),
    suggestions: panel.querySelector(".swarm-suggestions"),
    ask: panel.querySelector("form.swarm-ask"),
    past: panel.querySelector(".swarm-past"),
  };
  const state = { cardId: null, ownerId: null, swarms: null, suggested: null };

  function setField(name, value) {
    panel.querySelector('[data-swarm="' + name + '"]').textContent = value;
  }

  function buildMember() {
    const li = el("li", "swarm-member");
    li.append(el("span", "who"), " ", el("span", "role-tag"), el("span", "team muted"));
    return li;
  }
  function updateMember(li, m) {
    li.dataset.userId = String(m.user_id);
    li.querySelector(".who").textContent = m.name + (m.user_id === me ? " (you)" : "");
    li.querySelector(".role-tag").textContent = m.role;
    li.querySelector(".team").textContent = m.team ? " · " + m.team : "";
  }

  function buildInvitation() {
    const li = el("li", "swarm-invitation");
    li.append(el("span", "who"), " ", el("span", "invite-state"), el("span", "skills muted"));
    return li;
  }
  function updateInvitation(li, inv) {
    li.dataset.userId = String(inv.user_id);
    li.dataset.state = inv.state;
    li.querySelector(".who").textContent = inv.name + (inv.user_id === me ? " (you)" : "");
    li.querySelector(".invite-state").textContent = inv.state;
    li.querySelector(".skills").textContent = inv.skills.length ? " · for " + inv.skills.join(", ") : "";
  }

  function buildPast() {
    const li = el("li", "swarm-past-item");
    li.append(el("p", "swarm-past-head"), el("p", "swarm-past-question"), el("p", "swarm-past-outcome"),
      el("p", "swarm-past-knowledge"));
    if (SB.canWork) li.append(button("Reopen", "quiet", { swarmReopen: "" }));
    return li;
  }
  function updatePast(li, s, canReopen) {
    li.dataset.swarmId = String(s.id);
    li.dataset.state = s.state;
    const head = li.querySelector(".swarm-past-head");
    head.textContent = (s.state === "resolved" ? "Resolved" : "Cancelled") + (s.ended_at ? " " : "");
    if (s.ended_at) head.append(SBTime.node(s.ended_at));
    li.querySelector(".swarm-past-question").textContent = "Question: " + s.question;
    const outcome = li.querySelector(".swarm-past-outcome");
    const knowledge = li.querySelector(".swarm-past-knowledge");
    outcome.textContent = s.state === "resolved" ? "Outcome: " + (s.outcome || "") : "Reason: " + (s.cancel_reason || "");
    knowledge.textContent = s.state === "resolved" && s.knowledge ? "Knowledge: " + s.knowledge : "";
    knowledge.hidden = !knowledge.textContent;
    const reopen = li.querySelector("button[data-swarm-reopen]");
    if (reopen) {
      reopen.hidden = !canReopen;
      reopen.setAttribute("aria-label", "Reopen the swarm “" + s.question + "”");
    }
  }

  function renderSuggestions(open) {
    const shown = !!(open && state.suggested && state.suggested.swarmId === open.id);
    parts.suggestions.hidden = !shown;
    if (!shown) return;
    const items = state.suggested.items;
    syncList(parts.suggestions.querySelector("ul"), items, (k) => k.swarm_id, function () {
      const li = el("li", "swarm-suggestion");
      li.append(el("p", "suggestion-head"), el("p", "suggestion-outcome"), el("p", "suggestion-knowledge"));
      return li;
    }, function (li, k) {
      li.querySelector(".suggestion-head").textContent = "“" + k.card_title + "”: " + k.question;
      li.querySelector(".suggestion-outcome").textContent = "Outcome: " + k.outcome;
      li.querySelector(".suggestion-knowledge").textContent = k.knowledge;
    });
    parts.suggestions.querySelector(".swarm-suggestions-empty").hidden = items.length > 0;
  }

  function render() {
    const swarms = state.swarms || [];
    const open = swarms.find((s) => s.state === "open") || null;
    const past = swarms.filter((s) => s.state !== "open");
    parts.loading.hidden = true;
    parts.open.hidden = !open;
    parts.ask.hidden = !!open || !SB.canWork;
    if (open) {
      const member = open.members.some((m) => m.user_id === me);
      const invited = open.invitations.find((i) => i.user_id === me && i.state === "pending");
      const mayEnd = SB.canOverride || member || open.requested_by === me || state.ownerId === me;
      panel.dataset.swarmId = String(open.id);
      setField("requester", "asked by " + personName(open.requested_by));
      setField("question", open.question);
      setField("tried", open.tried);
      setField("skills", open.skills.join(", "));
      setField("unmatched", open.unmatched_skills.join(", "));
      parts.unmatched.hidden = !open.unmatched_skills.length;
      syncList(parts.members, open.members, (m) => m.user_id, buildMember, updateMember);
      parts.membersEmpty.hidden = open.members.length > 0;
      syncList(parts.invitations, open.invitations, (i) => i.id, buildInvitation, updateInvitation);
      parts.invitationsEmpty.hidden = open.invitations.length > 0;
      parts.join.hidden = member || !(SB.canWork || invited);
      parts.join.querySelector("[data-swarm-join]").textContent = invited ? "Accept invitation" : "Join swarm";
      parts.decline.hidden = !invited;
      parts.leave.hidden = !member;
      parts.resolve.hidden = !mayEnd;
      parts.cancel.hidden = !mayEnd;
    } else {
      delete panel.dataset.swarmId;
      parts.resolve.open = false;
      parts.cancel.open = false;
    }
    renderSuggestions(open);
    parts.past.hidden = past.length === 0;
    syncList(parts.past.querySelector("ul"), past, (s) => s.id, buildPast, (li, s) => updatePast(li, s, !open));
  }

  /** Fold a swarm the API just returned into the panel, if it is about the open card. */
  function showSwarm(swarm) {
    if (!swarm || state.cardId !== swarm.card_id || !state.swarms) return;
    const i = state.swarms.findIndex((s) => s.id === swarm.id);
    if (i >= 0) state.swarms[i] = swarm; else state.swarms.unshift(swarm);
    render();
  }

  const loadPanel = serial(async function () {
    const cardId = state.cardId;
    if (cardId === null) return;
    const res = await SB.api("GET", "/api/cards/" + cardId + "/swarms?limit=20");
    if (state.cardId !== cardId) return; // another card was opened meanwhile
    if (!res.ok) { parts.loading.hidden = true; showError(parts.error, problem(res)); return; }
    state.swarms = res.body.swarms;
    render();
  });

  function resetPanel(cardId) {
    state.cardId = cardId;
    state.ownerId = null;
    state.swarms = null;
    state.suggested = null;
    delete panel.dataset.swarmId;
    parts.loading.hidden = false;
    parts.open.hidden = true;
    parts.ask.hidden = true;
    parts.past.hidden = true;
    parts.suggestions.hidden = true;
    showError(parts.error, "");
    for (const form of panel.querySelectorAll("form")) form.reset();
    parts.resolve.open = false;
    parts.cancel.open = false;
  }

  document.addEventListener("sb:drawer-open", function (event) {
    resetPanel(event.detail.cardId);
    loadPanel();
  });
  document.addEventListener("sb:card-loaded", function (event) {
    if (event.detail.id !== state.cardId) return;
    state.ownerId = event.detail.owner_id;
    if (state.swarms) render();
  });
  document.addEventListener("sb:drawer-closed", function () { state.cardId = null; });

  function openSwarmId() { return Number(panel.dataset.swarmId); }

  /** POST an action on the open card's swarm; show the refusal, or the new state. */
  async function act(path, payload, form) {
    const submit = form ? form.querySelector("button:not([type=button])") : null;
    if (submit) submit.disabled = true;
    const res = await SB.api("POST", path, payload);
    if (submit) submit.disabled = false;
    if (!res.ok) {
      showError(parts.error, problem(res));
      loadPanel(); // the refusal may come from a change this page has not heard of yet
      return null;
    }
    showError(parts.error, "");
    showSwarm(res.body);
    refreshHelp.soon();
    refreshInvitations.soon();
    return res.body;
  }

  function text(form, name) { return String(form.elements[name].value || "").trim(); }

  panel.addEventListener("submit", async function (event) {
    event.preventDefault();
    const form = event.target;
    if (state.cardId === null) return;
    if (form === parts.ask) {
      const skills = text(form, "skills").split(",").map((s) => s.trim()).filter(Boolean);
      const question = text(form, "question");
      const tried = text(form, "tried");
      if (!skills.length || !question || !tried) {
        showError(parts.error, "Name the skills you need, your question and what you have tried.");
        return;
      }
      const cardId = state.cardId;
      const swarm = await act("/api/cards/" + cardId + "/swarms", { skills, question, tried }, form);
      if (swarm && state.cardId === cardId) {
        state.suggested = { swarmId: swarm.id, items: swarm.suggested_knowledge || [] };
        form.reset();
        render();
        const card = SB.card(cardId);
        if (card) SB.setSwarmBadge(card, swarm.id);
      }
      return;
    }
    const swarmId = openSwarmId();
    if (!swarmId) return;
    const base = "/api/swarms/" + swarmId;
    if (form === parts.join) {
      const role = form.elements.role.value;
      const mine = (state.swarms || []).find((s) => s.id === swarmId);
      const invite = mine && mine.invitations.find((i) => i.user_id === me && i.state === "pending");
      const path = invite ? base + "/invitations/" + invite.id + "/accept" : base + "/join";
      if ((await act(path, { role }, form)) && invite) dropInvite(invite.id);
    } else if (form.classList.contains("swarm-resolve")) {
      const outcome = text(form, "outcome");
      const knowledge = text(form, "knowledge");
      if (!outcome || !knowledge) { showError(parts.error, "Give the outcome and a knowledge note."); return; }
      if (await act(base + "/resolve", { outcome, knowledge }, form)) form.reset();
    } else if (form.classList.contains("swarm-cancel")) {
      const reason = text(form, "reason");
      if (!reason) { showError(parts.error, "Give the reason for cancelling."); return; }
      if (await act(base + "/cancel", { reason }, form)) form.reset();
    }
  });

  panel.addEventListener("click", async function (event) {
    const target = event.target;
    if (target.closest("[data-swarm-leave]")) {
      await act("/api/swarms/" + openSwarmId() + "/leave");
    } else if (target.closest("[data-swarm-decline]")) {
      const swarm = (state.swarms || []).find((s) => s.id === openSwarmId());
      const invite = swarm && swarm.invitations.find((i) => i.user_id === me && i.state === "pending");
      if (invite && (await act("/api/swarms/" + swarm.id + "/invitations/" + invite.id + "/decline"))) {
        dropInvite(invite.id);
      }
    } else if (target.closest("button[data-swarm-reopen]")) {
      const li = target.closest("li");
      await act("/api/swarms/" + Number(li.dataset.swarmId) + "/reopen");
    }
  });

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
    if (state.cardId !== null && d.card_id === state.cardId) loadPanel.soon();
    refreshHelp.soon();
    const aboutMe = d.user_id === me;
    const shown = Array.from(invites.values()).some((inv) => Number(inv.swarm_id) === Number(d.swarm_id));
    if (aboutMe || shown || ev.type === "swarm.reopened") refreshInvitations.soon();
    return ok;
  };

  // After a resync the board is re-rendered from the server (badges included); the
  // events it skipped may have changed the rest as well.
  document.addEventListener("sb:board-replaced", function () {
    refreshHelp.soon();
    refreshInvitations.soon();
    if (state.cardId !== null) loadPanel.soon();
  });

  refreshInvitations();
  refreshHelp();
})();
