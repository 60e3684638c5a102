/* Swarmboard board page, part 1: shared state, the JSON API, card placement, WIP
 * counters and card ages (toasts.js has the flash message; board_agents.js the bot
 * badges, skill chips and Pull next). moves.js, forms.js, swarm.js, alerts.js
 * and live.js build on the SB namespace defined here. No library, no per-card listener,
 * one timer. */
"use strict";
(function () {
  const body = document.body;
  const boardEl = document.getElementById("board");
  const SB = (window.SB = {
    boardId: Number(body.dataset.boardId),
    role: body.dataset.role || "viewer",
    csrf: body.dataset.csrf || "",
    boardEl: boardEl,
  });
  SB.canWork = ["admin", "lead", "agent"].includes(SB.role);
  SB.canOverride = ["admin", "lead"].includes(SB.role);

  /* --- board state ------------------------------------------------------------ */
  let metaCache = null;
  SB.meta = function () {
    if (!metaCache) {
      const node = boardEl.querySelector("#board-meta");
      metaCache = node ? JSON.parse(node.textContent) : { columns: [], column_names: [], lanes: [], members: {} };
    }
    return metaCache;
  };
  /* Small DOM helpers the page's parts share. */
  SB.el = function (tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  };

  SB.button = function (text, cls, data) {
    const b = SB.el("button", cls, text);
    b.type = "button";
    for (const [k, v] of Object.entries(data || {})) b.dataset[k] = v;
    return b;
  };

  SB.showError = function (box, message) {
    box.textContent = message || "";
    box.hidden = !message;
  };

  /** Run fn at most once at a time; calls meanwhile make it run once more afterwards.
   *  ``.soon()`` runs it after ``delayMs``, so a burst of events costs one fetch. */
  SB.serial = function (fn, delayMs) {
    let running = null;
    let again = false;
    let timer = null;
    async function loop() {
      do {
        again = false;
        try { await fn(); } catch (err) { /* the next event or resync tries again */ }
      } while (again);
      running = null;
    }
    function now() {
      if (running) { again = true; return running; }
      running = loop();
      return running;
    }
    now.soon = function () {
      if (timer) return;
      timer = setTimeout(() => { timer = null; now(); }, delayMs);
    };
    return now;
  };

  SB.lastSeq = () => Number(body.dataset.lastSeq || 0);
  SB.setLastSeq = (seq) => { body.dataset.lastSeq = String(seq); };
  SB.columnName = function (id) {
    const meta = SB.meta();
    const i = meta.columns.indexOf(Number(id));
    return i >= 0 ? meta.column_names[i] : "";
  };

  /* The grid's track counts come as data attributes: the page's CSP refuses inline
   * style attributes, while styles set through the DOM are allowed. */
  SB.sizeGrid = function () {
    const grid = boardEl.querySelector(".grid");
    if (!grid) return;
    grid.style.setProperty("--cols", grid.dataset.cols || "1");
    grid.style.setProperty("--lanes", grid.dataset.lanes || "1");
  };
  SB.sizeGrid();

  /** Replace the columns with server-rendered HTML (after a resync). */
  SB.replaceBoard = function (html, seq) {
    const active = document.activeElement;
    const focused = active && boardEl.contains(active) ? active.closest(".card") : null;
    const focusedId = focused ? focused.dataset.cardId : null;
    boardEl.innerHTML = html;
    SB.sizeGrid();
    metaCache = null;
    SB.setLastSeq(seq);
    const again = focusedId && SB.card(focusedId);
    if (again) again.focus({ preventScroll: true });
    document.dispatchEvent(new CustomEvent("sb:board-replaced"));
  };

  /* --- JSON API ------------------------------------------------------------------ */
  // api.js holds the request; the board page's many callers keep their short name.
  SB.api = (method, url, data) => window.SBApi.request(method, url, data);

  /* SB.flash and SB.clearFlash (page-level messages) live in toasts.js: they are toasts. */

  /* --- cards ------------------------------------------------------------------------ */
  SB.card = (id) => boardEl.querySelector('.card[data-card-id="' + Number(id) + '"]');
  SB.column = (id) => boardEl.querySelector('.column[data-column-id="' + Number(id) + '"]');
  SB.laneOf = function (colEl, laneId) {
    if (laneId === null || laneId === undefined) return colEl.querySelector(".lane:not([data-lane-id])");
    return colEl.querySelector('.lane[data-lane-id="' + Number(laneId) + '"]');
  };
  const key = (el) => [Number(el.dataset.pos), Number(el.dataset.cardId)];
  const before = (a, b) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

  SB.initials = function (name) {
    const words = String(name || "").replace(/-/g, " ").split(/\s+/).filter(Boolean);
    if (!words.length) return "?";
    return (words[0][0] + (words.length > 1 ? words[words.length - 1][0] : "")).toUpperCase();
  };

  SB.ageText = function (since, now) {
    const s = Math.max(0, Math.floor(now - since));
    if (s < 60) return "now";
    if (s < 3600) return Math.floor(s / 60) + "m";
    if (s < 86400) return Math.floor(s / 3600) + "h";
    return Math.floor(s / 86400) + "d";
  };

  function span(cls, text) {
    const el = document.createElement("span");
    el.className = cls;
    el.textContent = text;
    return el;
  }

  /** A card element, the same markup as the server renders. */
  SB.buildCard = function (c) {
    const el = document.createElement("article");
    el.className = "card";
    el.dataset.cardId = c.id;
    el.dataset.columnId = c.column_id;
    el.dataset.version = c.version || 1;
    el.dataset.pos = c.position;
    el.dataset.priority = c.priority || "normal";
    // Read-only roles get no move controls at all (the server refuses their moves too).
    if (SB.canWork) el.draggable = true;
    el.tabIndex = 0;
    const meta = span("meta", "");
    const age = span("age", SB.ageText(c.since, Date.now() / 1000));
    age.dataset.since = Math.floor(c.since);
    age.title = "Time in this column";
    meta.append(age);
    if (SB.canWork) {
      const menu = document.createElement("button");
      menu.type = "button";
      menu.className = "move-menu";
      menu.setAttribute("aria-haspopup", "true");
      menu.textContent = "Move to…";
      meta.append(menu);
    }
    el.append(span("title", c.title), meta);
    SB.setChannel(el, c.channel);
    SB.setOwner(el, c.owner_id);
    SB.setPeople(el, c.owner_id, c.assignee_ids || []);
    SB.setProduct(el, c.product);
    SB.setSkills(el, c.skills || []);
    if (c.external_ref) el.dataset.ref = c.external_ref;
    SB.setBlocked(el, c.blocked, c.blocked_reason);
    return el;
  };

  SB.setChannel = function (el, channel) {
    let chan = el.querySelector(".chan");
    if (!channel) { if (chan) chan.remove(); return; }
    if (!chan) { chan = span("chan", ""); el.querySelector(".age").after(chan); }
    chan.textContent = channel;
  };

  SB.setOwner = function (el, ownerId) {
    let owner = el.querySelector(".owner");
    el.dataset.owner = ownerId === null || ownerId === undefined ? "" : String(ownerId);
    if (ownerId === null || ownerId === undefined) { if (owner) owner.remove(); return; }
    const name = SB.meta().members[ownerId] || "Unknown person";
    if (!owner) {
      owner = span("owner", "");
      // Read-only roles have no "Move to…" button: the initials then end the row.
      const menu = el.querySelector(".move-menu");
      if (menu) menu.before(owner); else el.querySelector(".meta").append(owner);
    }
    const bot = SB.isBot(ownerId);
    owner.textContent = SB.initials(name);
    owner.title = bot ? name + " (bot)" : name;
    owner.classList.toggle("is-bot", bot);
  };

  /** The card's people as data attributes, which the page filter reads (filter.js):
   *  ``data-owner`` (an id or "") and ``data-assignees`` (ids, space-separated). An
   *  undefined argument leaves that attribute as it is; the initials are setOwner's. */
  SB.setPeople = function (el, ownerId, assigneeIds) {
    if (ownerId !== undefined) el.dataset.owner = ownerId === null ? "" : String(ownerId);
    if (assigneeIds !== undefined) {
      el.dataset.assignees = (assigneeIds || []).join(" ");
      SB.setBots(el, assigneeIds || []); // board_agents.js: a chip for each bot assignee
    }
  };

  SB.setProduct = function (el, product) {
    if (product) el.dataset.product = product; else delete el.dataset.product;
  };

  SB.setBlocked = function (el, blocked, reason) {
    let mark = el.querySelector(".blocked");
    if (!blocked) { if (mark) mark.remove(); return; }
    if (!mark) {
      mark = document.createElement("p");
      mark.className = "blocked";
      el.querySelector(".title").after(mark);
    }
    mark.textContent = reason || "Blocked";
  };

  SB.setSince = function (el, when) {
    const age = el.querySelector(".age");
    const since = typeof when === "number" ? when : Date.parse(when) / 1000;
    if (!age || Number.isNaN(since)) return;
    age.dataset.since = Math.floor(since);
    age.textContent = SB.ageText(since, Date.now() / 1000);
  };

  /** Put a card into a column and lane, in position order. False if there is no such lane. */
  SB.placeCard = function (el, columnId, laneId, pos) {
    const col = SB.column(columnId);
    const lane = col && SB.laneOf(col, laneId);
    if (!lane) return false;
    const oldCol = el.closest(".column");
    el.dataset.columnId = Number(columnId);
    if (pos !== null && pos !== undefined) el.dataset.pos = pos;
    const mine = key(el);
    let next = null;
    for (const other of lane.querySelectorAll(".card")) {
      if (other !== el && before(mine, key(other))) { next = other; break; }
    }
    if (el.parentNode !== lane || el.nextElementSibling !== next) {
      // Moving a node drops the focus inside it: a keyboard user keeps their place.
      const focused = el.contains(document.activeElement) ? document.activeElement : null;
      lane.insertBefore(el, next);
      if (focused && focused.isConnected) focused.focus({ preventScroll: true });
    }
    if (oldCol && oldCol !== col) SB.recount(oldCol);
    SB.recount(col);
    return true;
  };

  /** The highest position in a column plus one: where the server puts a new card. */
  SB.nextPosition = function (columnId) {
    let top = 0;
    const col = SB.column(columnId);
    if (col) for (const c of col.querySelectorAll(".card")) top = Math.max(top, Number(c.dataset.pos));
    return top + 1;
  };

  /** Refresh a column's counter and its amber (one below the limit) / red (at it) state. */
  SB.recount = function (col) {
    const count = col.querySelectorAll(".card").length;
    const wip = col.querySelector(".wip");
    const raw = col.dataset.wipLimit;
    const limit = raw === undefined || raw === "" ? null : Number(raw);
    const full = limit !== null && count >= limit;
    const near = limit !== null && !full && count === limit - 1;
    wip.dataset.count = count;
    if (limit === null) delete wip.dataset.limit; else wip.dataset.limit = limit;
    wip.textContent = limit === null ? String(count) : count + " / " + limit;
    for (const el of [col, wip]) {
      el.classList.toggle("wip-full", full);
      el.classList.toggle("wip-near", near);
    }
  };

  /* --- ages: one timer for the whole page --------------------------------------------- */
  function tickAges() {
    const now = Date.now() / 1000;
    for (const age of boardEl.querySelectorAll(".age")) {
      const text = SB.ageText(Number(age.dataset.since), now);
      if (age.textContent !== text) age.textContent = text;
    }
  }
  setInterval(tickAges, 30000);
})();
