/* Swarmboard board page, part 5 (swarms, see swarm.js): the drawer's swarm panel. For
 * the open card: ask for help (skills, question, what you tried) and the knowledge past
 * swarms suggest; the open swarm's members and invitations, with Join (or Accept
 * invitation), Decline, Leave, Resolve and Cancel; past swarms, with Reopen.
 *
 * Loaded from /api/cards/{id}/swarms when the drawer opens (sb:drawer-open), forgotten
 * when it closes (sb:drawer-closed); sb:card-loaded gives the card's owner (who may end
 * a swarm). Re-fetched after a swarm event about the card (SB.swarm.panel.follow, called
 * by SB.swarmEvent) and on sb:board-replaced. One delegated submit and click listener on
 * the panel. */
"use strict";
(function () {
  const SB = window.SB;
  const { el, button, showError } = SB;
  const { me, problem, personName, syncList, serial } = SB.swarm;

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
  const handover = document.querySelector("#card-drawer .drawer-handover");
  // Who said each line of the conversation before a hand-over, by interaction kind.
  const WHO = { customer_message: "Customer", agent_reply: "Agent", internal_note: "Note", handoff: "Hand-off", resolution: "Resolution" };

  /** A bot that asked for a swarm handed the card over to people: say so at the top of
   *  the drawer, with its question, what it tried and the conversation before it. The
   *  swarm's ``handover`` ({by, question, tried, interactions}) says so; without it (an
   *  older server) a bot as the requester does. */
  function showHandover(open) {
    if (!handover) return;
    const h = open && open.handover ? open.handover : null;
    const byBot = !!h || !!(open && open.handover === undefined && SB.isBot(open.requested_by));
    handover.hidden = !byBot;
    if (!byBot) return;
    const name = h && h.by ? h.by.name : personName(open.requested_by);
    handover.querySelector(".handover-title").textContent = "Handed over by " + name + " (bot)";
    handover.querySelector('[data-handover="question"]').textContent = h ? h.question : open.question;
    handover.querySelector('[data-handover="tried"]').textContent = h ? h.tried : open.tried;
    const talk = handover.querySelector(".handover-talk");
    const items = (h && h.interactions) || [];
    talk.hidden = items.length === 0;
    talk.querySelector(".handover-count").textContent = String(items.length);
    talk.querySelector("ol").replaceChildren(...items.map(function (i) {
      const who = WHO[i.kind] || (i.actor_kind === "bot" ? name : "Team");
      const li = el("li");
      li.append(el("strong", null, (i.kind === "bot_reply" ? name : who) + ": "), i.body || "");
      return li;
    }));
  }

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
      const botAsked = SB.isBot(open.requested_by);
      setField("requester", (botAsked ? "handed over by " : "asked by ") + personName(open.requested_by) + (botAsked ? " (bot)" : ""));
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
    showHandover(open);
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
    showHandover(null);
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
    SB.swarm.refreshHelp.soon();
    SB.swarm.invitations.refresh.soon();
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
      if ((await act(path, { role }, form)) && invite) SB.swarm.invitations.drop(invite.id);
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
        SB.swarm.invitations.drop(invite.id);
      }
    } else if (target.closest("button[data-swarm-reopen]")) {
      const li = target.closest("li");
      await act("/api/swarms/" + Number(li.dataset.swarmId) + "/reopen");
    }
  });

  /* --- what swarm.js and invitations.js call ------------------------------------------- */
  SB.swarm.panel = {
    show: showSwarm,
    /** A swarm.* event about the open card: fetch its swarms again. */
    follow(ev) {
      const d = ev.data || {};
      if (state.cardId !== null && d.card_id === state.cardId) loadPanel.soon();
    },
  };

  // After a resync the events in between were skipped: the open card's swarms may be old.
  document.addEventListener("sb:board-replaced", function () {
    if (state.cardId !== null) loadPanel.soon();
  });
})();
