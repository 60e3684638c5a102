/* Swarmboard board page, part 2: moving cards. Native HTML5 drag and drop and the
 * keyboard-accessible "Move to…" menu, both through one set of delegated listeners on
 * the board container. Only roles that may work move cards (SB.canWork; the server
 * refuses the others too). A refusal shows on the refused card, as an overlay that moves
 * nothing; for a lead it offers "Override…", which opens the override dialog. */
"use strict";
(function () {
  const SB = window.SB;
  const boardEl = SB.boardEl;
  const OVERRIDABLE = ["wip-limit-exceeded", "person-wip-limit-exceeded"];

  /** POST the move; place the card on success, explain a refusal otherwise. */
  SB.moveCard = async function (cardId, target, overrideReason) {
    const el = SB.card(cardId);
    if (!el || !SB.canWork) return false;
    clearRefusal(false);
    const payload = { column_id: Number(target.columnId) };
    if (target.laneId !== undefined) payload.lane_id = target.laneId;
    if (target.position !== undefined && target.position !== null) payload.position = target.position;
    if (overrideReason) payload.override_reason = overrideReason;
    el.classList.add("pending");
    const res = await SB.api("POST", "/api/cards/" + Number(cardId) + "/move", payload);
    el.classList.remove("pending");
    const now = SB.card(cardId); // a resync may have re-rendered it meanwhile
    if (res.ok) {
      const c = res.body;
      if (now) {
        const changed = now.dataset.columnId !== String(c.column_id);
        // The version follows the event stream (live.js), so it is never counted twice.
        SB.placeCard(now, c.column_id, c.lane_id, c.position);
        if (changed) SB.setSince(now, c.column_entered_at);
      }
      return true;
    }
    const type = String(res.body.type || "");
    // The drawer opens a card's insight when its move was refused for lacking one (drawer.js).
    document.dispatchEvent(new CustomEvent("sb:move-refused", { detail: { cardId: Number(cardId), type } }));
    const mayOverride = SB.canOverride && !overrideReason && OVERRIDABLE.some((t) => type.endsWith(t));
    if (now) showRefusal(now, res.body.detail, mayOverride ? target : null);
    else SB.flash(res.body.detail); // the card is gone from the page: say it at page level
    return false;
  };

  /* --- the refusal, on the refused card ---------------------------------------------- */
  // One at a time: an overlay anchored under the card (above it when there is no room
  // below), so neither the board nor the card moves; cards under it are covered until
  // it is dismissed. role="alert" announces the server's reason as it appears.
  let refusal = null; // {card, box, target}

  function showRefusal(card, detail, overrideTarget) {
    clearRefusal(false);
    const box = SB.el("div", "card-refusal");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Move refused");
    box.draggable = false;
    const text = SB.el("p", "card-refusal-text", detail);
    text.setAttribute("role", "alert");
    const actions = SB.el("div", "card-refusal-actions");
    if (overrideTarget) actions.append(SB.button("Override…", "quiet", { refusalOverride: "" }));
    actions.append(SB.button("Dismiss", "quiet", { refusalDismiss: "" }));
    box.append(text, actions);
    card.append(box);
    card.classList.add("refused"); // above the cards the message overlaps
    const room = boardEl.getBoundingClientRect();
    const at = card.getBoundingClientRect();
    const below = room.bottom - at.bottom;
    if (box.offsetHeight > below && at.top - room.top > below) box.classList.add("up");
    refusal = { card, box, target: overrideTarget };
    // A lead can override straight from the keyboard; everyone else keeps their place.
    const first = overrideTarget ? box.querySelector("[data-refusal-override]") : null;
    if (first) first.focus({ preventScroll: true });
    else card.focus({ preventScroll: true });
  }

  function clearRefusal(refocus) {
    if (!refusal) return;
    const { card, box } = refusal;
    refusal = null;
    const focused = box.contains(document.activeElement);
    box.remove();
    card.classList.remove("refused");
    if ((refocus || focused) && card.isConnected) card.focus({ preventScroll: true });
  }
  SB.clearRefusal = clearRefusal;
  document.addEventListener("sb:board-replaced", () => { refusal = null; });

  /* --- override dialog --------------------------------------------------------------- */
  const dialog = document.getElementById("override-dialog");
  let pendingOverride = null;

  function openOverride(cardId, target, detail) {
    pendingOverride = { cardId, target };
    dialog.querySelector(".override-detail").textContent = detail;
    const reason = dialog.querySelector("textarea[name=reason]");
    reason.value = "";
    if (!dialog.open) dialog.showModal();
    reason.focus();
  }

  dialog.querySelector("form").addEventListener("submit", function (event) {
    event.preventDefault();
    const reason = dialog.querySelector("textarea[name=reason]");
    if (!reason.value.trim()) { reason.setCustomValidity("Give a reason."); reason.reportValidity(); return; }
    const job = pendingOverride;
    pendingOverride = null;
    dialog.close();
    if (job) SB.moveCard(job.cardId, job.target, reason.value.trim());
  });
  dialog.querySelector("textarea[name=reason]").addEventListener("input", (e) => e.target.setCustomValidity(""));
  dialog.querySelector("[data-cancel]").addEventListener("click", () => { pendingOverride = null; dialog.close(); });
  // Closed without overriding (Cancel, Escape): back to the card, whose refusal still shows.
  dialog.addEventListener("close", function () {
    if (refusal && refusal.card.isConnected) {
      const again = refusal.box.querySelector("[data-refusal-override]");
      (again || refusal.card).focus({ preventScroll: true });
    }
  });

  /* --- "Move to…" menu: one menu element, moved into the card that opens it --------- */
  const menu = document.createElement("div");
  menu.className = "move-list";
  menu.setAttribute("role", "menu");
  let menuButton = null;

  // What a marked target means, read out after its name (aria-describedby).
  const NOTES = {
    current: "The card is in this column now.",
    override: "At its WIP limit: moving the card here asks you for a reason to override it.",
    refused: "At its WIP limit: only a lead can move a card in; finish something first.",
    soft: "At its WIP limit: the card may still go in; the breach is recorded.",
  };
  const notes = SB.el("div", "visually-hidden");
  for (const [name, text] of Object.entries(NOTES)) {
    const note = SB.el("span", "", text);
    note.id = "move-note-" + name;
    notes.append(note);
  }
  menu.append(notes);

  /** The menu item for a column: its name, and whether it is the card's own or full. */
  function menuItem(id, name, here) {
    const item = SB.button("", "", { moveTo: String(id) });
    item.setAttribute("role", "menuitem");
    item.append(SB.el("span", "move-name", name));
    let note = null;
    if (id === here) {
      item.append(SB.el("span", "move-state", " — current"));
      item.setAttribute("aria-current", "true");
      item.setAttribute("aria-disabled", "true");
      note = "current";
    } else {
      const col = SB.column(id);
      const raw = col ? col.dataset.wipLimit : undefined;
      const limit = raw === undefined || raw === "" ? null : Number(raw);
      const count = col ? col.querySelectorAll(".card").length : 0;
      if (limit !== null && count >= limit) {
        item.append(SB.el("span", "move-state", " — full (" + count + "/" + limit + ")"));
        item.classList.add("full");
        if (col.dataset.wipPolicy === "soft") note = "soft";
        else if (SB.canOverride) note = "override";
        else { note = "refused"; item.setAttribute("aria-disabled", "true"); }
      }
    }
    if (note) item.setAttribute("aria-describedby", "move-note-" + note);
    return item;
  }

  function openMenu(button) {
    if (!SB.canWork) return;
    const card = button.closest(".card");
    const here = Number(card.dataset.columnId);
    const meta = SB.meta();
    for (const item of menu.querySelectorAll("button[data-move-to]")) item.remove();
    menu.setAttribute("aria-label", "Move “" + card.querySelector(".title").textContent + "” to");
    meta.columns.forEach((id, i) => menu.append(menuItem(id, meta.column_names[i], here)));
    if (meta.columns.length < 2) return; // nowhere else to go
    closeMenu();
    clearRefusal(false);
    card.append(menu);
    card.classList.add("menu-open"); // above the cards below it, which the menu overlaps
    // The board scrolls sideways, so it also clips below: open upwards when the menu
    // does not fit under the card but fits better above it.
    // Where neither fits whole (a short board above a full toast strip), it takes the
    // larger side and scrolls inside itself.
    menu.classList.remove("up");
    menu.style.maxHeight = "";
    const box = boardEl.getBoundingClientRect();
    const at = card.getBoundingClientRect();
    const below = box.bottom - at.bottom;
    const above = at.top - box.top;
    if (menu.offsetHeight > below && above > below) menu.classList.add("up");
    const room = Math.max(above, below) - 8;
    if (menu.offsetHeight > room) menu.style.maxHeight = Math.max(120, room) + "px";
    menuButton = button;
    button.setAttribute("aria-expanded", "true");
    const first = menu.querySelector('button[data-move-to]:not([aria-current])') ||
      menu.querySelector("button[data-move-to]");
    first.focus();
  }

  function closeMenu(refocus) {
    if (!menuButton) return;
    const button = menuButton;
    menuButton = null;
    button.setAttribute("aria-expanded", "false");
    const card = menu.closest(".card");
    if (card) card.classList.remove("menu-open");
    menu.remove();
    if (refocus && button.isConnected) button.focus();
  }
  SB.closeMenu = closeMenu;
  document.addEventListener("sb:board-replaced", () => closeMenu(false));

  function menuKeys(event) {
    const items = Array.from(menu.querySelectorAll("button[data-move-to]"));
    const i = items.indexOf(document.activeElement);
    const go = (n) => { event.preventDefault(); items[(n + items.length) % items.length].focus(); };
    if (event.key === "ArrowDown") go(i + 1);
    else if (event.key === "ArrowUp") go(i - 1);
    else if (event.key === "Home") go(0);
    else if (event.key === "End") go(items.length - 1);
    else if (event.key === "Escape") { event.preventDefault(); closeMenu(true); }
    else if (event.key === "Tab") closeMenu(false);
  }

  boardEl.addEventListener("click", function (event) {
    const item = event.target.closest("button[data-move-to]");
    if (item) {
      // The card's own column, or a full one this role may not override: nothing to do.
      if (item.getAttribute("aria-disabled") === "true") return;
      const card = item.closest(".card");
      closeMenu(true);
      SB.moveCard(card.dataset.cardId, { columnId: Number(item.dataset.moveTo) });
      return;
    }
    if (event.target.closest("button[data-refusal-dismiss]")) { clearRefusal(true); return; }
    if (event.target.closest("button[data-refusal-override]")) {
      const job = refusal;
      if (job && job.target) openOverride(job.card.dataset.cardId, job.target, job.box.querySelector(".card-refusal-text").textContent);
      return;
    }
    if (event.target.closest(".card-refusal")) return;
    const button = event.target.closest("button.move-menu");
    if (button) {
      if (menuButton === button) closeMenu(true);
      else openMenu(button);
      return;
    }
    const title = event.target.closest(".card .title");
    if (title && SB.openDrawer) SB.openDrawer(title.closest(".card").dataset.cardId);
  });

  boardEl.addEventListener("keydown", function (event) {
    if (menu.contains(event.target)) { menuKeys(event); return; }
    if (refusal && event.key === "Escape" && refusal.card.contains(event.target)) {
      event.preventDefault();
      clearRefusal(true);
      return;
    }
    const card = event.target.classList && event.target.classList.contains("card") ? event.target : null;
    if (card && event.key === "Enter" && SB.openDrawer) {
      event.preventDefault();
      SB.openDrawer(card.dataset.cardId);
    }
  });

  document.addEventListener("click", function (event) {
    if (menuButton && !menu.contains(event.target) && event.target !== menuButton) closeMenu(false);
  });

  /* --- drag and drop ---------------------------------------------------------------- */
  let dragged = null;
  let overLane = null;
  const marker = document.createElement("div");
  marker.className = "drop-marker";

  function clearDrop() {
    if (overLane) overLane.classList.remove("drop-target");
    overLane = null;
    marker.remove();
  }

  /** The first card in the lane whose middle is below y (binary search: cards stack). */
  function cardAfter(lane, y) {
    // Cards the page filter hides (filter.js) have no box to compare against.
    const cards = Array.from(lane.querySelectorAll(".card")).filter((c) => c !== dragged && !c.hidden);
    let lo = 0, hi = cards.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const r = cards[mid].getBoundingClientRect();
      if (r.top + r.height / 2 <= y) lo = mid + 1; else hi = mid;
    }
    return cards[lo] || null;
  }

  /** The 0-based index in the whole column (position order) for "just before `next`". */
  function columnIndex(col, next) {
    const k = [Number(next.dataset.pos), Number(next.dataset.cardId)];
    let index = 0;
    for (const c of col.querySelectorAll(".card")) {
      if (c === dragged) continue;
      const p = Number(c.dataset.pos), id = Number(c.dataset.cardId);
      if (p < k[0] || (p === k[0] && id < k[1])) index += 1;
    }
    return index;
  }

  boardEl.addEventListener("dragstart", function (event) {
    const card = event.target.closest && event.target.closest(".card");
    if (!card || !SB.canWork) { if (card) event.preventDefault(); return; }
    closeMenu(false);
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.cardId);
    requestAnimationFrame(() => card.classList.add("dragging"));
  });

  boardEl.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    clearDrop();
  });

  boardEl.addEventListener("dragover", function (event) {
    if (!dragged) return;
    const lane = event.target.closest(".lane");
    if (!lane) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (lane !== overLane) {
      if (overLane) overLane.classList.remove("drop-target");
      overLane = lane;
      lane.classList.add("drop-target");
    }
    const next = cardAfter(lane, event.clientY);
    if (marker.parentNode !== lane || marker.nextElementSibling !== next) lane.insertBefore(marker, next);
  });

  boardEl.addEventListener("dragleave", function (event) {
    if (overLane && !overLane.contains(event.relatedTarget)) clearDrop();
  });

  boardEl.addEventListener("drop", function (event) {
    const lane = event.target.closest(".lane");
    const card = dragged;
    if (!lane || !card) return;
    event.preventDefault();
    const next = cardAfter(lane, event.clientY);
    clearDrop();
    const col = lane.closest(".column");
    const columnId = Number(col.dataset.columnId);
    const laneId = lane.dataset.laneId ? Number(lane.dataset.laneId) : null;
    const sameColumn = Number(card.dataset.columnId) === columnId;
    const sameLane = card.parentNode === lane;
    let position;
    if (next) position = columnIndex(col, next);
    else if (sameColumn) position = col.querySelectorAll(".card").length - 1; // to the end
    if (sameLane && (next === card.nextElementSibling || (!next && !card.nextElementSibling))) return;
    SB.moveCard(card.dataset.cardId, { columnId, laneId, position });
  });
})();
