/* Swarmboard board page: search and filters (the bar above the board, form#board-filter).
 *
 * What shows: a card matches when every active filter holds. Mine and Unassigned are
 * one "whose cards" group (either may hold when both are on); Blocked, Alerted,
 * Swarmed, Priority and Channel must all hold. The text matches the title, product and
 * external ref in the page at once, then, debounced, the server's search
 * (GET /api/boards/{id}/cards?q=) adds the cards whose description or customer ref
 * matches; a response for anything but the current text is dropped.
 *
 * Speed (2,000 cards): the cards' facts are read once into an index, on first use (then
 * kept up to date, filter on or off, until a resync replaces the board); a change
 * re-evaluates the index and touches only the cards whose state flips (the
 * `hidden` attribute), then recounts hidden cards per column from the index, so nothing
 * reads layout. Live changes (live.js, swarm.js, alerts.js, a resync's SB.replaceBoard,
 * the drawer's sb:card-updated) reach the index through one MutationObserver on #board,
 * batched per animation frame, i.e. before the next paint.
 *
 * The filter lives in the query string (history.replaceState), beside the #card-{id}
 * hash. Each application dispatches `sb:filter-applied` on document with
 * {detail: {ms, at, shown, hidden, total, cause}}: `at` is the triggering event's time
 * (performance.now() scale) and `ms` the time from it to the end of the update. */
"use strict";
(function () {
  const SB = window.SB;
  const form = document.getElementById("board-filter");
  if (!SB || !form) return;
  const boardEl = SB.boardEl;
  const input = form.elements.namedItem("q");
  const selects = { priority: form.elements.namedItem("priority"), channel: form.elements.namedItem("channel") };
  const toggles = Array.from(form.querySelectorAll("button[data-filter]"));
  const summary = form.querySelector(".filter-summary");
  const barClear = form.querySelector("[data-filter-clear]");
  const empty = document.getElementById("filter-empty");
  const me = document.body.dataset.userId || "";
  const FLAGS = ["mine", "unassigned", "blocked", "alerted", "swarmed"];
  const SERVER_DELAY_MS = 250; // after the last keystroke
  const REFRESH_DELAY_MS = 1000; // after live changes, while a text filter is on
  const PAGE = 200;
  const MAX_PAGES = 50;
  const WATCHED = ["data-version", "data-priority", "data-owner", "data-assignees", "data-product", "data-ref", "data-column-id"];

  const state = { q: "", mine: false, unassigned: false, blocked: false, alerted: false, swarmed: false, priority: "", channel: "" };

  /* --- the index: one entry per card ------------------------------------------------ */
  let entries = null; // card id -> entry, built on first use
  let indexedGrid = null; // the .grid the index was built from (a resync replaces it)

  function read(e) {
    const el = e.el;
    const ds = el.dataset;
    const title = el.querySelector(".title");
    const chan = el.querySelector(".chan");
    const assignees = ds.assignees ? ds.assignees.split(" ") : [];
    const owner = ds.owner || "";
    e.col = ds.columnId;
    e.text = ((title ? title.textContent : "") + "\n" + (ds.product || "") + "\n" + (ds.ref || "")).toLowerCase();
    e.mine = me !== "" && (owner === me || assignees.includes(me));
    e.unassigned = owner === "" && assignees.length === 0;
    e.priority = ds.priority || "";
    e.channel = chan ? chan.textContent.trim().toLowerCase() : "";
    e.blocked = el.querySelector(".blocked") !== null;
    e.alerted = el.querySelector(".alert-flag") !== null;
    e.swarmed = el.querySelector(".swarm-badge") !== null;
    return e;
  }

  function entryFor(el) {
    return read({ id: el.dataset.cardId, el: el, out: el.hidden });
  }

  function build() {
    entries = new Map();
    indexedGrid = boardEl.querySelector(".grid");
    for (const el of boardEl.querySelectorAll(".card[data-card-id]")) entries.set(el.dataset.cardId, entryFor(el));
  }

  /* --- matching ---------------------------------------------------------------------- */
  let needle = ""; // state.q, lower case
  // The server's answer for the text hitsFor: card id -> its description and external
  // ref, lower case. While a longer text waits for its own answer, a card stays found
  // if that text is in them (the customer's ref is not sent, so only it may lag).
  let hits = null;
  let hitsFor = null;

  function found(id) {
    const text = hits === null ? undefined : hits.get(id);
    return text !== undefined && (hitsFor === needle || text.includes(needle));
  }

  function active() {
    return needle !== "" || state.priority !== "" || state.channel !== "" || FLAGS.some((f) => state[f]);
  }

  function matches(e) {
    if ((state.mine || state.unassigned) && !((state.mine && e.mine) || (state.unassigned && e.unassigned))) return false;
    if (state.blocked && !e.blocked) return false;
    if (state.alerted && !e.alerted) return false;
    if (state.swarmed && !e.swarmed) return false;
    if (state.priority && e.priority !== state.priority) return false;
    if (state.channel && e.channel !== state.channel) return false;
    if (needle && !e.text.includes(needle) && !found(e.id)) return false;
    return true;
  }

  /* --- applying: flip what changed, recount from the index --------------------------- */
  let columns = []; // [{el, chip}] in page order

  function columnChips() {
    columns = Array.from(boardEl.querySelectorAll(".column[data-column-id]"), (col) => ({
      el: col, id: col.dataset.columnId, chip: col.querySelector(".column-head .filter-hidden"),
    }));
  }

  function setChip(col, hidden) {
    if (!hidden) {
      if (col.chip) { col.chip.remove(); col.chip = null; }
      return;
    }
    if (!col.chip || !col.chip.isConnected) {
      // A row of its own at the foot of the header, under the count / limit badge.
      const head = col.el.querySelector(".column-head");
      if (!head) return;
      const chip = SB.el("span", "filter-hidden");
      const pill = SB.el("span", "filter-hidden-count");
      pill.title = "Cards in this column that the filter hides";
      chip.append(pill);
      head.append(chip);
      col.chip = chip;
    }
    const pill = col.chip.firstChild;
    const text = hidden.toLocaleString("en") + " hidden";
    if (pill.textContent !== text) pill.textContent = text;
  }

  /** Re-evaluate `list` (entries), then recount. Without an index nothing is hidden. */
  function apply(list, cause, since) {
    const on = active();
    for (const e of list) {
      const out = on && !matches(e);
      if (out !== e.out) { e.out = out; e.el.hidden = out; }
    }
    const perColumn = new Map();
    let hidden = 0;
    for (const e of entries ? entries.values() : []) {
      if (!e.out) continue;
      hidden += 1;
      perColumn.set(e.col, (perColumn.get(e.col) || 0) + 1);
    }
    if (!columns.length || !columns[0].el.isConnected) columnChips();
    for (const col of columns) setChip(col, perColumn.get(col.id) || 0);
    const total = entries ? entries.size : 0;
    const shown = total - hidden;
    const nothing = on && shown === 0;
    empty.hidden = !nothing;
    barClear.hidden = !on || nothing; // one "Clear filters" in view at a time
    const text = !on ? "" : shown.toLocaleString("en") + " of " + total.toLocaleString("en") + (total === 1 ? " card" : " cards");
    if (summary.textContent !== text) summary.textContent = text;
    summary.classList.toggle("is-searching", on && searching);
    const at = since === undefined ? performance.now() : since;
    const ms = performance.now() - at;
    document.dispatchEvent(new CustomEvent("sb:filter-applied", { detail: { ms, at, shown, hidden, total, cause } }));
  }

  function applyAll(cause, since) {
    if (!entries && active()) build();
    apply(entries ? entries.values() : [], cause, since);
  }

  /* --- the state, the controls and the query string ----------------------------------- */
  function readUrl() {
    const p = new URLSearchParams(location.search);
    const on = (v) => v === "1" || v === "true";
    state.q = (p.get("q") || "").slice(0, 200);
    for (const f of FLAGS) state[f] = on(p.get(f));
    for (const [name, select] of Object.entries(selects)) {
      const v = p.get(name) || "";
      state[name] = Array.from(select.options).some((o) => o.value === v) ? v : "";
    }
  }

  function showState() {
    if (input.value !== state.q) input.value = state.q;
    for (const b of toggles) b.setAttribute("aria-pressed", String(state[b.dataset.filter]));
    for (const [name, select] of Object.entries(selects)) {
      select.value = state[name];
      select.classList.toggle("is-set", state[name] !== "");
    }
    form.classList.toggle("is-active", active());
  }

  // history.replaceState costs a same-document navigation (about 15 ms with 2,000
  // cards): it waits until the typing pauses, off the keystroke's path.
  const URL_DELAY_MS = 300;
  let urlTimer = null;
  function writeUrlSoon() {
    clearTimeout(urlTimer);
    urlTimer = setTimeout(writeUrl, URL_DELAY_MS);
  }
  // Leaving or reloading the page right after a change still keeps it in the address.
  window.addEventListener("pagehide", () => { if (urlTimer) { clearTimeout(urlTimer); writeUrl(); } });

  function writeUrl() {
    urlTimer = null;
    const p = new URLSearchParams(location.search);
    const q = state.q.trim();
    if (q) p.set("q", q); else p.delete("q");
    for (const f of FLAGS) { if (state[f]) p.set(f, "1"); else p.delete(f); }
    for (const name of Object.keys(selects)) { if (state[name]) p.set(name, state[name]); else p.delete(name); }
    const search = p.toString();
    const url = location.pathname + (search ? "?" + search : "") + location.hash;
    if (url !== location.pathname + location.search + location.hash) history.replaceState(history.state, "", url);
  }

  function setNeedle() {
    const next = state.q.trim().toLowerCase();
    if (next === needle) return false;
    needle = next;
    // An answer for a shorter text covers this one (a superset, narrowed in found()):
    // keep it until the new answer replaces it, so matches do not blink while typing.
    if (!(hitsFor !== null && needle && needle.includes(hitsFor))) { hits = null; hitsFor = null; }
    return true;
  }

  function changed(cause, since) {
    const textChanged = setNeedle();
    showState();
    applyAll(cause, since);
    writeUrlSoon();
    if (textChanged) askServer(SERVER_DELAY_MS);
  }

  /* --- the server's search: descriptions and customer refs ----------------------------- */
  let serverTimer = null;
  let asking = 0; // bumps on every new question; older answers are stale
  let searching = false; // a question is waiting or out
  let waiting = false; // a question is waiting for its delay
  let answering = 0; // the question being answered (its `asking`), 0 when none
  let again = false; // the board changed while the current question was out

  function askServer(delay) {
    clearTimeout(serverTimer);
    asking += 1;
    again = false;
    searching = needle !== "";
    waiting = searching;
    if (!needle) return;
    serverTimer = setTimeout(() => { waiting = false; fetchHits(); }, delay);
  }

  /** The board changed under a text filter: ask again, without dropping an answer that
   *  is on its way (on a busy board a new change would otherwise always overtake it). */
  function askAgain() {
    if (!needle || waiting) return;
    if (answering === asking) { again = true; return; }
    askServer(REFRESH_DELAY_MS);
  }

  async function fetchHits() {
    const mine = asking;
    answering = mine;
    try {
      await fetchPages(mine);
    } finally {
      if (answering === mine) answering = 0;
    }
    if (mine === asking && again) askServer(REFRESH_DELAY_MS);
  }

  async function fetchPages(mine) {
    const q = state.q.trim().slice(0, 200);
    const wanted = needle;
    const answer = new Map();
    let cursor = null;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const params = new URLSearchParams({ q: q, limit: String(PAGE) });
      if (cursor) params.set("cursor", cursor);
      const res = await SB.api("GET", "/api/boards/" + SB.boardId + "/cards?" + params.toString());
      if (mine !== asking || wanted !== needle) return; // stale: a newer question is out
      if (!res.ok) { searching = false; apply([], "server"); return; } // the local match stands
      for (const item of res.body.items || []) {
        answer.set(String(item.id), ((item.description || "") + "\n" + (item.external_ref || "")).toLowerCase());
      }
      cursor = res.body.next_cursor;
      if (!cursor) break;
    }
    hits = answer;
    hitsFor = wanted;
    searching = false;
    applyAll("server");
  }

  form.addEventListener("submit", (ev) => { ev.preventDefault(); if (needle) askServer(0); });
  input.addEventListener("input", (ev) => { state.q = input.value; changed("input", ev.timeStamp); });
  input.addEventListener("keydown", (ev) => {
    if (ev.key !== "Escape" || ev.isComposing) return;
    if (!input.value) return; // let Escape reach whatever else listens (the drawer)
    ev.preventDefault();
    ev.stopPropagation();
    input.value = "";
    state.q = "";
    changed("input", ev.timeStamp);
  });
  for (const b of toggles) {
    b.addEventListener("click", (ev) => {
      const f = b.dataset.filter;
      state[f] = !state[f];
      changed("toggle", ev.timeStamp);
    });
  }
  for (const [name, select] of Object.entries(selects)) {
    select.addEventListener("change", (ev) => { state[name] = select.value; changed("select", ev.timeStamp); });
  }

  function clearAll(ev) {
    state.q = "";
    for (const f of FLAGS) state[f] = false;
    for (const name of Object.keys(selects)) state[name] = "";
    changed("clear", ev ? ev.timeStamp : undefined);
  }
  for (const b of document.querySelectorAll("[data-filter-clear]")) {
    b.addEventListener("click", (ev) => { clearAll(ev); input.focus(); });
  }

  // "/" anywhere but in a field, or with a dialog open, goes to the search box.
  document.addEventListener("keydown", (ev) => {
    if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented || ev.isComposing) return;
    const t = ev.target;
    if (t instanceof Element && t.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])")) return;
    if (document.querySelector("dialog[open]")) return;
    ev.preventDefault();
    input.focus();
    input.select();
  });

  /* --- live changes ---------------------------------------------------------------------- */
  const dirty = new Set();
  let frame = 0;
  let contentChanged = false;

  function later() {
    if (!frame) frame = requestAnimationFrame(flush);
  }

  function flush() {
    frame = 0;
    if (!entries) { dirty.clear(); return; }
    if (boardEl.querySelector(".grid") !== indexedGrid) { // a resync re-rendered the board
      dirty.clear();
      rebuild();
      return;
    }
    const touched = [];
    let added = false;
    for (const el of dirty) {
      const id = el.dataset.cardId;
      const e = entries.get(id);
      if (!el.isConnected || !boardEl.contains(el)) {
        if (e && e.el === el) entries.delete(id);
        continue;
      }
      if (e && e.el === el) touched.push(read(e));
      else { const fresh = entryFor(el); entries.set(id, fresh); touched.push(fresh); added = true; }
    }
    dirty.clear();
    apply(touched, "live");
    // A new card or a changed one may match the text by its description: ask again.
    if (added || contentChanged) askAgain();
    contentChanged = false;
  }

  function rebuild() {
    columns = [];
    if (!active()) { entries = null; return; }
    build();
    apply(entries.values(), "live");
    askAgain();
  }

  const isCard = (n) => n.nodeType === 1 && n.classList.contains("card");

  new MutationObserver((records) => {
    if (!entries) return;
    for (const r of records) {
      const t = r.target;
      if (r.type === "attributes") {
        if (isCard(t)) { dirty.add(t); if (r.attributeName === "data-version") contentChanged = true; }
        continue;
      }
      if (t === boardEl || t.classList.contains("grid")) { later(); continue; } // flush compares grids
      if (t.classList.contains("lane")) {
        for (const n of r.addedNodes) if (isCard(n)) dirty.add(n);
        for (const n of r.removedNodes) if (isCard(n)) dirty.add(n);
        continue;
      }
      if (t.classList.contains("age")) continue; // the clock ticking
      const card = t.closest(".card");
      if (card) dirty.add(card);
    }
    if (dirty.size) later();
  }).observe(boardEl, { childList: true, subtree: true, attributes: true, attributeFilter: WATCHED });

  document.addEventListener("sb:board-replaced", () => { if (entries || active()) rebuild(); else columns = []; });
  document.addEventListener("sb:card-updated", (ev) => {
    const el = ev.detail && SB.card(ev.detail.cardId);
    if (!entries || !el) return;
    dirty.add(el);
    contentChanged = true;
    later();
  });

  SB.filter = { active, clear: () => clearAll() };

  /* --- start: the filter in the address ---------------------------------------------------- */
  readUrl();
  if (state.q.trim() || active()) changed("load");
  else showState();
})();
