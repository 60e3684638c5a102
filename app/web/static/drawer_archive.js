/* Swarmboard board page: archiving a card from its drawer (drawer.js opens the drawer).
 * "Archive card" takes the card off the board, closes the drawer and offers Undo in a
 * toast for ten seconds; a drawer showing an archived card (a link to it, or archived
 * while open) says so and offers Restore. A restored card comes back where it was, or
 * the refusal (e.g. a full column) is shown.
 *
 * Adds to the drawer's hooks (SB.drawer.on): "fill" (the Archive section for roles that
 * may work, the archived notice) and "reset" (no notice). Listens to clicks on
 * "Archive card" and Restore, and to sb:board-event (live.js): card.archived and
 * card.restored about the open card. */
"use strict";
(function () {
  const SB = window.SB;
  const { showError } = SB;
  const drawer = SB.drawer;
  const { state, problem } = drawer;

  const archived = {
    box: drawer.el.querySelector(".drawer-archived"),
    text: drawer.el.querySelector(".drawer-archived-text"),
    restore: drawer.el.querySelector("[data-restore-card]"),
    error: drawer.el.querySelector(".drawer-archived .form-error"),
  };
  const archiveSection = drawer.el.querySelector(".drawer-archive");
  const archiveButton = drawer.el.querySelector("[data-archive-card]");
  const archiveError = archiveSection.querySelector(".form-error");

  function setArchived(text, mayRestore) {
    archived.box.hidden = !text;
    archived.text.textContent = text || "";
    archived.restore.hidden = !text || !mayRestore || !SB.canWork;
    showError(archived.error, "");
    drawer.el.classList.toggle("is-archived", !!text);
  }

  drawer.on("fill", function (c) {
    archiveSection.hidden = !SB.canWork;
    // Archived (a link to it, or archived while open): say so, and offer it back.
    if (!c.archived_at) setArchived(null);
    else if (archived.box.hidden) setArchived("This card is archived: it is not on the board.", true);
  });
  drawer.on("reset", () => setArchived(null));

  /** POST restore; the card comes back where it was (or the refusal, e.g. a full column). */
  async function restore(cardId, box) {
    const res = await SB.api("POST", "/api/cards/" + Number(cardId) + "/restore");
    if (!res.ok) {
      if (box) showError(box, problem(res));
      else SB.notify({ text: problem(res), kind: "error" });
      return false;
    }
    const c = res.body;
    if (c && c.id !== undefined && c.column_id !== undefined && SB.showCard) {
      const shown = SB.showCard(c);
      if (shown) drawer.reflect(c); else SB.resync();
    } else {
      SB.resync();
    }
    if (SB.drawerCardId() === Number(cardId)) { setArchived(null); drawer.refresh(); }
    return true;
  }

  archiveButton.addEventListener("click", async function () {
    const c = state.current;
    if (!c || !SB.canWork) return;
    archiveButton.setAttribute("aria-disabled", "true");
    const res = await SB.api("POST", "/api/cards/" + c.id + "/archive");
    archiveButton.removeAttribute("aria-disabled");
    if (!res.ok) { showError(archiveError, problem(res)); return; }
    showError(archiveError, "");
    const card = SB.card(c.id);
    if (card) SB.removeCard(card);
    if (SB.drawerCardId() === c.id) drawer.close();
    SB.notify({
      text: "Card archived",
      kind: "info",
      actionText: "Undo",
      onAction: () => restore(c.id, null),
      timeoutMs: 10000,
    });
  });

  archived.restore.addEventListener("click", function () {
    const c = state.current;
    if (c) restore(c.id, archived.error);
  });

  /* --- live: the open card archived or restored by anyone ------------------------------- */
  document.addEventListener("sb:board-event", function (event) {
    const ev = event.detail || {};
    const d = ev.data || {};
    const open = SB.drawerCardId();
    if (open === null || Number(d.card_id) !== open) return;
    if (ev.type === "card.archived") {
      const who = ev.actor && ev.actor.id === drawer.me ? "you" : drawer.memberName(ev.actor && ev.actor.id) || "someone";
      setArchived("This card was archived by " + who + ": it is no longer on the board.", true);
    } else if (ev.type === "card.restored") {
      setArchived(null);
      drawer.refresh.soon();
    }
  });
})();
