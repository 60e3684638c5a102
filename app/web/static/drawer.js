/* Swarmboard board page: the card drawer, a place to work on one card. This part opens
 * and closes it, fills it, keeps it current and follows the #card-N address.
 *
 * Top to bottom: the title and description (edited in place), the people (owner,
 * assignees, "Assign to me": drawer_people.js), the card's fields (priority, channel,
 * product, blocked: drawer_edit.js, with the title and description), then the comments
 * and activity (discussion.js), the swarm (swarm_panel.js), the customer's confirmation
 * and the actionable insight (insight.js), and "Archive card" (drawer_archive.js).
 *
 * The parts share SB.drawer: the card as loaded (state), patch (every save sends the
 * version the drawer loaded; the version itself is never shown; a refusal is shown beside
 * the control that caused it), refresh, and hooks a part adds to with SB.drawer.on:
 * "fill" (a card arrived), "reset" (another card is opened) and "close". The drawer
 * announces sb:drawer-open, sb:card-loaded and sb:drawer-closed (swarm_panel.js,
 * insight.js and discussion.js follow them) and follows the board's event stream
 * (sb:board-event from live.js, sb:board-replaced after a resync), so what someone else
 * changes shows here without a reload; sb:move-refused (moves.js) unfolds the insight.
 * Read-only roles (viewer, facilitator) get no edit controls at all. */
"use strict";
(function () {
  const SB = window.SB;
  const { showError } = SB;
  const me = Number(document.body.dataset.userId);
  const REFRESH_DELAY_MS = 40; // a burst of events (updated, blocked, …) costs one fetch

  const drawer = document.getElementById("card-drawer");
  const loading = drawer.querySelector(".drawer-loading");
  const details = drawer.querySelector(".drawer-body");
  const titleEl = drawer.querySelector("#drawer-title");
  const desc = drawer.querySelector(".drawer-desc");
  const insightFold = drawer.querySelector("#insight details.insight-fold");

  // current: the card as the server last said (the object sb:card-loaded hands out, so
  // insight.js can follow its version); shownFields: the field values the form showed
  // for it (drawer_edit.js), so a live refresh never overwrites what someone is choosing.
  const state = { current: null, opener: null, shownFields: null, insightToggled: false };
  const needsInsight = new Set(); // cards whose move was refused for an incomplete insight

  // What the parts add: fill(card, force) when a card arrives, reset() when another card
  // is opened, close() when the drawer closes. They run in the order the parts load.
  const hooks = { fill: [], reset: [], close: [] };
  function run(name, ...args) {
    for (const fn of hooks[name]) fn(...args);
  }

  /* --- small helpers ---------------------------------------------------------------- */
  function memberName(id) {
    if (id === null || id === undefined) return "";
    return SB.meta().members[id] || "Person " + id;
  }

  function members() {
    return Object.entries(SB.meta().members || {})
      .map(([id, name]) => ({ id: Number(id), name: String(name) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** What the API said went wrong: its detail and, for a 422, which field why. */
  function problem(res) {
    const errors = Array.isArray(res.body.errors) ? res.body.errors : [];
    const why = errors.filter((e) => e && e.message).map((e) => e.message).slice(0, 2);
    return res.body.detail + (why.length ? " (" + why.join("; ") + ")" : "");
  }

  function isVersionConflict(res) {
    return res.status === 412 || (res.status === 409 && String(res.body.type || "").endsWith("version-conflict"));
  }

  /** A toast (toasts.js) when the page has them, else the flash message above the board
   *  with the action and link added to it. */
  SB.notify = function (opts) {
    if (typeof SB.toast === "function") return SB.toast(opts);
    SB.flash(opts.text, opts.kind === "error" ? "error" : "info");
    const wrap = document.querySelector("#flash-area .flash-wrap");
    if (!wrap) return null;
    const msg = wrap.querySelector(".flash");
    if (opts.href) {
      const link = SB.el("a", "flash-link", opts.linkText || "Open");
      link.href = opts.href;
      msg.append(" ", link);
    }
    if (opts.actionText && opts.onAction) {
      const action = SB.button(opts.actionText, "quiet flash-action");
      action.addEventListener("click", function () { SB.clearFlash(); opts.onAction(); });
      msg.after(action);
    }
    return null;
  };

  /** Take a card off the board (archived) and recount its column. */
  SB.removeCard = function (card) {
    const col = card.closest(".column");
    const cardId = Number(card.dataset.cardId);
    card.remove();
    if (col) SB.recount(col);
    document.dispatchEvent(new CustomEvent("sb:card-updated", { detail: { cardId } }));
  };

  /** Show on the board what the drawer just saved. */
  function reflect(c) {
    const card = SB.card(c.id);
    if (!card) return;
    card.querySelector(".title").textContent = c.title;
    card.dataset.priority = c.priority;
    SB.setChannel(card, c.channel);
    SB.setOwner(card, c.owner_id);
    if (SB.setPeople) SB.setPeople(card, c.owner_id, c.assignee_ids);
    if (SB.setProduct) SB.setProduct(card, c.product);
    if (SB.setSkills) SB.setSkills(card, c.skills || []);
    SB.setBlocked(card, c.blocked, c.blocked_reason);
    document.dispatchEvent(new CustomEvent("sb:card-updated", { detail: { cardId: c.id } }));
  }

  /* --- filling the drawer ------------------------------------------------------------- */
  function fillText(c) {
    titleEl.textContent = c.title;
    desc.textContent = c.description || "No description.";
    desc.classList.toggle("muted", !c.description);
  }

  function fill(c, opts) {
    const force = !!(opts && opts.force);
    state.current = c;
    fillText(c);
    run("fill", c, force); // people, fields and edit buttons, archived or not
    placeInsight();
    loading.hidden = true;
    details.hidden = false;
    document.dispatchEvent(new CustomEvent("sb:card-loaded", { detail: c }));
  }

  async function load(cardId, opts) {
    const res = await SB.api("GET", "/api/cards/" + Number(cardId));
    if (drawer.dataset.cardId !== String(cardId)) return null; // another card was opened
    if (!res.ok) {
      if (!state.current) loading.textContent = res.body.detail;
      return null;
    }
    fill(res.body, opts);
    return res.body;
  }

  const refresh = SB.serial(async function () {
    const cardId = drawer.dataset.cardId;
    if (cardId) await load(cardId);
  }, REFRESH_DELAY_MS);

  /* --- opening and closing ------------------------------------------------------------ */
  /* The drawer starts under the top bar, so Alerts, Invitations and Sign out stay in reach
   * while a card is open (the bar's height depends on fonts and wrapping: measured). */
  function placeBelowTopbar() {
    const bar = document.querySelector(".topbar");
    drawer.style.top = (bar ? Math.max(0, Math.round(bar.getBoundingClientRect().bottom)) : 0) + "px";
  }
  window.addEventListener("resize", () => { if (!drawer.hidden) placeBelowTopbar(); });

  SB.openDrawer = function (cardId) {
    const card = SB.card(cardId);
    if (drawer.dataset.cardId !== String(cardId)) {
      state.current = null;
      state.shownFields = null;
      state.insightToggled = false;
      insightFold.open = false;
      run("reset"); // edits cancelled, "Saved." cleared, no archived notice
      for (const box of drawer.querySelectorAll(".form-error")) showError(box, "");
    }
    state.opener = card;
    drawer.dataset.cardId = String(cardId);
    titleEl.textContent = card ? card.querySelector(".title").textContent : "Card";
    loading.textContent = "Loading…";
    loading.hidden = false;
    details.hidden = true;
    placeBelowTopbar();
    drawer.hidden = false;
    drawer.focus();
    document.dispatchEvent(new CustomEvent("sb:drawer-open", { detail: { cardId: Number(cardId) } }));
    return load(cardId, { force: true });
  };

  SB.drawerCardId = function () {
    return drawer.hidden || !drawer.dataset.cardId ? null : Number(drawer.dataset.cardId);
  };

  function closeDrawer() {
    run("close"); // edits cancelled
    drawer.hidden = true;
    delete drawer.dataset.cardId;
    state.current = null;
    state.shownFields = null;
    document.dispatchEvent(new CustomEvent("sb:drawer-closed"));
    if (state.opener && state.opener.isConnected) state.opener.focus();
  }
  SB.closeDrawer = closeDrawer;

  drawer.querySelector("[data-close-drawer]").addEventListener("click", closeDrawer);
  drawer.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); closeDrawer(); } });

  /* --- saving ------------------------------------------------------------------------- */
  /** PATCH the open card with the version it was loaded at (or ``opts.version``). The
   *  refusal goes in ``box``; a version conflict reloads the card and says so there. */
  async function patch(changes, box, opts) {
    const c = state.current;
    if (!c || !SB.canWork) return null;
    const version = opts && opts.version ? opts.version : c.version;
    const res = await SB.api("PATCH", "/api/cards/" + c.id, Object.assign({ version }, changes));
    if (drawer.dataset.cardId !== String(c.id)) return null;
    if (!res.ok) {
      if (isVersionConflict(res)) {
        await load(c.id);
        showError(box, "Someone else changed this card meanwhile: it now shows their changes. Check it, then save again.");
      } else {
        showError(box, problem(res));
      }
      return null;
    }
    showError(box, "");
    fill(res.body, opts);
    reflect(res.body);
    return res.body;
  }

  /* --- what the parts share ------------------------------------------------------------ */
  SB.drawer = {
    el: drawer,
    state,
    me,
    memberName,
    members,
    problem,
    reflect,
    patch,
    refresh,
    close: closeDrawer,
    /** Add a part's hook: "fill" (card, force), "reset" () or "close" (). */
    on(name, fn) { hooks[name].push(fn); },
  };

  /* --- the insight: folded unless the card is heading for a column that needs it ---------- */
  function nextColumn(columnId) {
    let next = SB.column(columnId);
    next = next && next.nextElementSibling;
    while (next && !next.classList.contains("column")) next = next.nextElementSibling;
    return next;
  }

  function placeInsight() {
    const c = state.current;
    if (!c || state.insightToggled) return;
    const card = SB.card(c.id);
    const columnId = card ? card.dataset.columnId : c.column_id;
    const next = nextColumn(columnId);
    insightFold.open = needsInsight.has(c.id) || !!(next && next.classList.contains("requires-insight"));
  }

  // Someone opened or closed it themselves: the drawer leaves it so for this card.
  insightFold.querySelector("summary").addEventListener("click", () => { state.insightToggled = true; });

  /** A move refused because the card's insight is incomplete (moves.js): open the
   *  insight of that card, now if its drawer is open, else when it next opens. */
  document.addEventListener("sb:move-refused", function (event) {
    const d = event.detail || {};
    if (!String(d.type || "").endsWith("insight-incomplete")) return;
    const cardId = Number(d.cardId);
    needsInsight.add(cardId);
    if (SB.drawerCardId() === cardId) {
      state.insightToggled = false;
      placeInsight();
      insightFold.scrollIntoView({ block: "nearest" });
    }
  });

  /* --- live: what others change (card.archived and card.restored: drawer_archive.js) ---- */
  const CARD_EVENTS = new Set(["card.updated", "card.moved", "card.reopened", "card.blocked", "card.unblocked"]);

  document.addEventListener("sb:board-event", function (event) {
    const ev = event.detail || {};
    const d = ev.data || {};
    const open = SB.drawerCardId();
    if (open !== null && ev.type === "column.updated") placeInsight(); // a gate set or lifted
    if (open === null || Number(d.card_id) !== open) return;
    if (CARD_EVENTS.has(ev.type)) {
      if (ev.type === "card.moved" || ev.type === "card.reopened") needsInsight.delete(open);
      refresh.soon();
    }
  });

  // After a resync the events in between were skipped: what the drawer shows may be old.
  document.addEventListener("sb:board-replaced", function () {
    if (SB.drawerCardId() === null) return;
    refresh.soon();
  });

  /* --- /boards/{id}#card-{card id} opens that card ---------------------------------------- */
  // The Insights page, mention toasts and shared links lead here; closing the drawer
  // leaves the board's own address again.
  function openFromHash() {
    const found = /^#card-(\d+)$/.exec(location.hash);
    if (found) SB.openDrawer(Number(found[1]));
  }
  window.addEventListener("hashchange", openFromHash);
  document.addEventListener("sb:drawer-closed", function () {
    if (/^#card-\d+$/.test(location.hash)) history.replaceState(null, "", location.pathname + location.search);
  });
  // A link to the card already open: the hash does not change, so follow the click.
  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest('a[href^="#card-"]');
    if (!link || link.getAttribute("href") !== location.hash) return;
    event.preventDefault();
    openFromHash();
  });
  // After every deferred script has run, so that all the drawer's parts (drawer_people.js,
  // drawer_edit.js, drawer_archive.js and the sections) hear it open and fill.
  if (document.readyState === "complete") openFromHash();
  else document.addEventListener("DOMContentLoaded", openFromHash);
})();
