/* Swarmboard board page: the card drawer, a place to work on one card.
 *
 * Top to bottom: the title and description (edited in place), the people (owner,
 * assignees, "Assign to me"), the card's fields (priority, channel, product, blocked),
 * then the comments and activity (discussion.js), the swarm (swarm.js), the customer's
 * confirmation and the actionable insight (insight.js), and "Archive card".
 *
 * Every save sends the version the drawer loaded; the version itself is never shown. A
 * refusal is shown beside the control that caused it. The drawer announces
 * sb:drawer-open, sb:card-loaded and sb:drawer-closed (swarm.js, insight.js and
 * discussion.js follow them) and follows the board's event stream (sb:board-event from
 * live.js), so what someone else changes shows here without a reload. Read-only roles
 * (viewer, facilitator) get no edit controls at all. */
"use strict";
(function () {
  const SB = window.SB;
  const { el, button, showError } = SB;
  const me = Number(document.body.dataset.userId);
  const REFRESH_DELAY_MS = 40; // a burst of events (updated, blocked, …) costs one fetch

  const drawer = document.getElementById("card-drawer");
  const loading = drawer.querySelector(".drawer-loading");
  const details = drawer.querySelector(".drawer-body");
  const titleEl = drawer.querySelector("#drawer-title");
  const desc = drawer.querySelector(".drawer-desc");
  const fields = document.getElementById("card-edit");
  const fieldsError = fields.querySelector(".form-error");
  const fieldsSaved = fields.querySelector(".fields-saved");
  const reasonLabel = fields.querySelector(".blocked-reason");
  const people = {
    section: drawer.querySelector(".drawer-people"),
    owner: drawer.querySelector("#drawer-owner"),
    ownerText: drawer.querySelector('[data-field="owner"]'),
    list: drawer.querySelector(".assignee-list"),
    none: drawer.querySelector(".assignees-none"),
    add: drawer.querySelector('select[name="add_assignee"]'),
    assignMe: drawer.querySelector("[data-assign-me]"),
    error: drawer.querySelector(".people-error"),
  };
  const archived = {
    box: drawer.querySelector(".drawer-archived"),
    text: drawer.querySelector(".drawer-archived-text"),
    restore: drawer.querySelector("[data-restore-card]"),
    error: drawer.querySelector(".drawer-archived .form-error"),
  };
  const archiveSection = drawer.querySelector(".drawer-archive");
  const archiveButton = drawer.querySelector("[data-archive-card]");
  const archiveError = archiveSection.querySelector(".form-error");
  const insightFold = drawer.querySelector("#insight details.insight-fold");

  // current: the card as the server last said (the object sb:card-loaded hands out, so
  // insight.js can follow its version); shownFields: the field values the form showed
  // for it, so a live refresh never overwrites what someone is choosing.
  const state = { current: null, opener: null, shownFields: null, insightToggled: false, archivedBy: null };
  const needsInsight = new Set(); // cards whose move was refused for an incomplete insight

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
      const link = el("a", "flash-link", opts.linkText || "Open");
      link.href = opts.href;
      msg.append(" ", link);
    }
    if (opts.actionText && opts.onAction) {
      const action = button(opts.actionText, "quiet flash-action");
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
    SB.setBlocked(card, c.blocked, c.blocked_reason);
    document.dispatchEvent(new CustomEvent("sb:card-updated", { detail: { cardId: c.id } }));
  }

  /* --- filling the drawer ------------------------------------------------------------- */
  function fillText(c) {
    titleEl.textContent = c.title;
    desc.textContent = c.description || "No description.";
    desc.classList.toggle("muted", !c.description);
  }

  function option(value, text, selected) {
    return new Option(text, value === null ? "" : String(value), false, !!selected);
  }

  function fillPeople(c) {
    const canWork = SB.canWork;
    const all = members();
    const assigned = (c.assignee_ids || []).map(Number);
    // Owner: a select of the board's members (and whoever owns it, if they left).
    people.owner.textContent = "";
    people.owner.add(option(null, "Nobody", c.owner_id === null));
    for (const m of all) people.owner.add(option(m.id, m.name + (m.id === me ? " (you)" : ""), m.id === c.owner_id));
    if (c.owner_id !== null && !all.some((m) => m.id === c.owner_id)) {
      people.owner.add(option(c.owner_id, memberName(c.owner_id), true));
    }
    people.owner.hidden = !canWork;
    people.ownerText.hidden = canWork;
    people.ownerText.textContent = c.owner_id === null ? "Nobody" : memberName(c.owner_id);
    // Assignees: a list with a remove button each, and "Add assignee".
    people.list.textContent = "";
    for (const id of assigned) {
      const li = el("li", "assignee");
      li.dataset.userId = String(id);
      li.append(el("span", "assignee-name", memberName(id) + (id === me ? " (you)" : "")));
      if (canWork) {
        const remove = button("✕", "quiet assignee-remove", { removeAssignee: String(id) });
        remove.setAttribute("aria-label", "Remove " + memberName(id) + " from the assignees");
        li.append(remove);
      }
      people.list.append(li);
    }
    people.none.hidden = assigned.length > 0;
    people.add.textContent = "";
    people.add.add(option(null, "Add assignee…", true));
    const free = all.filter((m) => !assigned.includes(m.id));
    for (const m of free) people.add.add(option(m.id, m.name + (m.id === me ? " (you)" : "")));
    people.add.hidden = !canWork || free.length === 0;
    people.assignMe.hidden = !canWork || (assigned.includes(me) && c.owner_id !== null);
  }

  /** The value a form control shows for a field of the card. */
  function fieldValues(c) {
    return {
      priority: c.priority,
      channel: c.channel || "",
      product: c.product || "",
      blocked: !!c.blocked,
      blocked_reason: c.blocked_reason || "",
    };
  }

  function controlValue(name) {
    const input = fields.elements[name];
    return input.type === "checkbox" ? input.checked : input.value;
  }

  function setControl(name, value) {
    const input = fields.elements[name];
    if (input.type === "checkbox") input.checked = value; else input.value = value;
  }

  /** Fill the fields form; a control someone changed keeps their choice unless ``force``. */
  function fillFields(c, force) {
    const values = fieldValues(c);
    const before = state.shownFields;
    for (const [name, value] of Object.entries(values)) {
      if (force || !before || controlValue(name) === before[name]) setControl(name, value);
    }
    state.shownFields = values;
    const readOnly = !SB.canWork;
    for (const control of fields.elements) control.disabled = readOnly;
    fields.elements.blocked_reason.disabled = readOnly || !fields.elements.blocked.checked;
    reasonLabel.hidden = !fields.elements.blocked.checked;
    fields.querySelector("button[type=submit]").hidden = readOnly;
    const segment = fields.querySelector('[data-field="segment"]');
    segment.textContent = c.segment ? "Segment: " + c.segment : "";
    segment.parentElement.hidden = !c.segment;
  }

  function fill(c, opts) {
    const force = !!(opts && opts.force);
    state.current = c;
    fillText(c);
    fillPeople(c);
    fillFields(c, force);
    for (const edit of drawer.querySelectorAll("[data-edit]")) edit.hidden = !SB.canWork || isEditing(edit.dataset.edit);
    archiveSection.hidden = !SB.canWork;
    // Archived (a link to it, or archived while open): say so, and offer it back.
    if (!c.archived_at) setArchived(null);
    else if (archived.box.hidden) setArchived("This card is archived: it is not on the board.", true);
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
      cancelEdits();
      state.current = null;
      state.shownFields = null;
      state.insightToggled = false;
      insightFold.open = false;
      setArchived(null);
      for (const box of drawer.querySelectorAll(".form-error")) showError(box, "");
      fieldsSaved.textContent = "";
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
    cancelEdits();
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

  /* --- title and description, in place ------------------------------------------------- */
  const LIMITS = { title: "Give the card a title." };

  function parts(name) {
    const box = drawer.querySelector('[data-inplace="' + name + '"]');
    return {
      box,
      view: box.querySelector(".inplace-view"),
      form: box.querySelector(".inplace-form"),
      input: box.querySelector(".inplace-form").elements[name],
      edit: box.querySelector('[data-edit="' + name + '"]'),
      error: box.querySelector(".inplace-error"),
    };
  }

  function isEditing(name) {
    return !parts(name).form.hidden;
  }

  // The version each in-place edit started from: a save is refused if the card changed
  // since (the live refresh keeps the drawer's copy current, but not what is being typed).
  const editBase = {};

  function startEdit(name) {
    const c = state.current;
    if (!c || !SB.canWork) return;
    const p = parts(name);
    editBase[name] = c.version;
    p.input.value = c[name] || "";
    p.view.hidden = true;
    p.form.hidden = false;
    showError(p.error, "");
    p.input.focus();
    if (name === "title") p.input.select();
  }

  function stopEdit(name, refocus) {
    const p = parts(name);
    if (p.form.hidden) return;
    p.form.hidden = true;
    p.view.hidden = false;
    p.edit.hidden = !SB.canWork;
    if (refocus) p.edit.focus();
  }

  function cancelEdits() {
    for (const name of ["title", "description"]) {
      stopEdit(name, false);
      showError(parts(name).error, "");
    }
  }

  async function saveEdit(name) {
    const c = state.current;
    const p = parts(name);
    if (!c) return;
    const raw = p.input.value;
    const value = name === "title" ? raw.trim() : raw.replace(/\s+$/, "");
    if (!value && LIMITS[name]) { showError(p.error, LIMITS[name]); p.input.focus(); return; }
    if (value === (c[name] || "")) { showError(p.error, ""); stopEdit(name, true); return; }
    const saved = await patch({ [name]: value }, p.error, { version: editBase[name] });
    if (saved) { stopEdit(name, true); return; }
    // Refused: a second Save is made against what the drawer now shows.
    if (state.current) editBase[name] = state.current.version;
    p.input.focus();
  }

  for (const name of ["title", "description"]) {
    const p = parts(name);
    p.edit.addEventListener("click", () => startEdit(name));
    p.form.addEventListener("submit", function (event) {
      event.preventDefault();
      saveEdit(name);
    });
    p.form.querySelector("[data-cancel-edit]").addEventListener("click", function () {
      showError(p.error, "");
      stopEdit(name, true);
    });
    p.form.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        // Escape cancels the edit; it does not close the drawer.
        event.preventDefault();
        event.stopPropagation();
        showError(p.error, "");
        stopEdit(name, true);
      } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target === p.input) {
        event.preventDefault();
        p.form.requestSubmit();
      }
    });
    p.input.addEventListener("input", () => showError(p.error, ""));
  }

  /* --- people ------------------------------------------------------------------------- */
  function assignees() {
    return ((state.current && state.current.assignee_ids) || []).map(Number);
  }

  people.owner.addEventListener("change", async function () {
    const c = state.current;
    if (!c) return;
    const value = people.owner.value === "" ? null : Number(people.owner.value);
    if (value === c.owner_id) return;
    if (!(await patch({ owner_id: value }, people.error))) fillPeople(state.current);
  });

  people.add.addEventListener("change", async function () {
    if (!state.current || people.add.value === "") return;
    const id = Number(people.add.value);
    const ids = assignees();
    if (!ids.includes(id)) ids.push(id);
    const saved = await patch({ assignee_ids: ids }, people.error);
    if (!saved) fillPeople(state.current);
    people.add.focus();
  });

  people.list.addEventListener("click", async function (event) {
    const remove = event.target.closest("button[data-remove-assignee]");
    if (!remove || !state.current) return;
    const id = Number(remove.dataset.removeAssignee);
    const saved = await patch({ assignee_ids: assignees().filter((a) => a !== id) }, people.error);
    if (saved) (people.list.querySelector("button[data-remove-assignee]") || people.add).focus();
  });

  people.assignMe.addEventListener("click", async function () {
    const c = state.current;
    if (!c) return;
    const changes = {};
    const ids = assignees();
    if (!ids.includes(me)) changes.assignee_ids = ids.concat([me]);
    if (c.owner_id === null) changes.owner_id = me;
    if (!Object.keys(changes).length) return;
    people.assignMe.setAttribute("aria-disabled", "true");
    const saved = await patch(changes, people.error);
    people.assignMe.removeAttribute("aria-disabled");
    if (saved) people.owner.focus();
  });

  /* --- priority, channel, product, blocked: one Save ------------------------------------- */
  fields.elements.blocked.addEventListener("change", function () {
    fields.elements.blocked_reason.disabled = !this.checked;
    reasonLabel.hidden = !this.checked;
    if (this.checked) fields.elements.blocked_reason.focus();
  });
  fields.addEventListener("input", () => { fieldsSaved.textContent = ""; });

  fields.addEventListener("submit", async function (event) {
    event.preventDefault();
    const c = state.current;
    if (!c) return;
    const now = fieldValues(c);
    const changes = {};
    if (fields.elements.priority.value !== now.priority) changes.priority = fields.elements.priority.value;
    if (fields.elements.channel.value !== now.channel) changes.channel = fields.elements.channel.value || null;
    const product = fields.elements.product.value.trim();
    if (product !== now.product) changes.product = product || null;
    const blocked = fields.elements.blocked.checked;
    const reason = fields.elements.blocked_reason.value.trim();
    if (blocked !== now.blocked) changes.blocked = blocked;
    if (blocked && reason !== now.blocked_reason) changes.blocked_reason = reason || null;
    if (!Object.keys(changes).length) { showError(fieldsError, ""); fieldsSaved.textContent = "Nothing to save: no field changed."; return; }
    const saved = await patch(changes, fieldsError, { force: true });
    fieldsSaved.textContent = saved ? "Saved." : "";
  });

  /* --- archive, restore --------------------------------------------------------------- */
  function setArchived(text, mayRestore) {
    archived.box.hidden = !text;
    archived.text.textContent = text || "";
    archived.restore.hidden = !text || !mayRestore || !SB.canWork;
    showError(archived.error, "");
    drawer.classList.toggle("is-archived", !!text);
  }

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
      if (shown) reflect(c); else SB.resync();
    } else {
      SB.resync();
    }
    if (SB.drawerCardId() === Number(cardId)) { setArchived(null); refresh(); }
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
    if (SB.drawerCardId() === c.id) closeDrawer();
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

  /* --- live: what others change ------------------------------------------------------- */
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
    } else if (ev.type === "card.archived") {
      const who = ev.actor && ev.actor.id === me ? "you" : memberName(ev.actor && ev.actor.id) || "someone";
      setArchived("This card was archived by " + who + ": it is no longer on the board.", true);
    } else if (ev.type === "card.restored") {
      setArchived(null);
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
  // After every deferred script has run, so that all the drawer's parts hear it open.
  if (document.readyState === "complete") openFromHash();
  else document.addEventListener("DOMContentLoaded", openFromHash);
})();
