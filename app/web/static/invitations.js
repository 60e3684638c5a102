/* Swarmboard board page, part 5 (swarms, see swarm.js): invitations to help. A toast
 * for each new invitation, with Accept, Decline and the way to the card, and the top
 * bar's "Invitations (N)" button and list, which keeps every pending invitation reachable
 * once its toast is dismissed; an answered one leaves both.
 *
 * The pending invitations are fetched from /api/users/me/invitations at load, after a
 * swarm event about you or a swarm an invitation names (SB.swarm.invitations.follow,
 * called by SB.swarmEvent), after an answer elsewhere on the page and on
 * sb:board-replaced. Listens to clicks in the toast stack and the list, the top bar's
 * button, Escape in the list, and clicks elsewhere on the page (which close the list). */
"use strict";
(function () {
  const SB = window.SB;
  const { el, button, showError } = SB;
  const { me, problem, cardTitle, syncList, serial } = SB.swarm;

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
    SB.swarm.panel.show(res.body);
    SB.swarm.refreshHelp.soon();
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

  /* --- what swarm.js and swarm_panel.js call ------------------------------------------- */
  SB.swarm.invitations = {
    refresh: refreshInvitations,
    drop: dropInvite,
    /** A swarm.* event that may change your invitations: fetch them again. */
    follow(ev) {
      const d = ev.data || {};
      const aboutMe = d.user_id === me;
      const shown = Array.from(invites.values()).some((inv) => Number(inv.swarm_id) === Number(d.swarm_id));
      if (aboutMe || shown || ev.type === "swarm.reopened") refreshInvitations.soon();
    },
  };

  // After a resync the events in between were skipped: one of them may have invited you.
  document.addEventListener("sb:board-replaced", function () {
    refreshInvitations.soon();
  });

  refreshInvitations();
})();
