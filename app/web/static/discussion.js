/* Swarmboard board page: the drawer's comments and activity, and mention toasts.
 *
 * The API lists comments oldest first and its cursor leads on to newer ones, so the
 * drawer reads the thread to its end (a few pages at most), shows the newest and keeps
 * "Show older comments" for the rest; a live refresh reads on from the last page only.
 * A body is always shown as text (textContent), never as HTML. People who may
 * work add comments and edit or delete their own; everyone reads them. The activity is
 * the card's own event log, newest first ("Show more" pages on). Both follow the drawer
 * (sb:drawer-open, sb:drawer-closed) and the board's event stream (sb:board-event from
 * live.js): what someone else writes or does shows up without a reload. A comment that
 * mentions the signed-in person shows them a toast with a link that opens the card. */
"use strict";
(function () {
  const SB = window.SB;
  const { el, button, showError } = SB;
  const me = Number(document.body.dataset.userId);
  const PAGE = 20; // comments shown at first, and per "Show older comments"
  const FETCH = 100; // comments per request
  const MAX_PAGES = 20; // a thread longer than this many requests shows its start only
  const REFRESH_DELAY_MS = 60;

  function problem(res) {
    const errors = Array.isArray(res.body.errors) ? res.body.errors : [];
    const why = errors.filter((e) => e && e.message).map((e) => e.message).slice(0, 2);
    return res.body.detail + (why.length ? " (" + why.join("; ") + ")" : "");
  }

  function personName(id, fallback) {
    if (id === null || id === undefined) return fallback || "A former member";
    return SB.meta().members[id] || fallback || "Person " + id;
  }

  /** A <time> saying "12 min ago", the moment itself as its tooltip (time.js). */
  function moment(iso) {
    if (window.SBTime && typeof window.SBTime.render === "function") {
      return window.SBTime.render(document.createElement("time"), iso);
    }
    const node = document.createElement("time");
    node.setAttribute("datetime", iso || "");
    const t = Date.parse(iso);
    if (Number.isNaN(t)) return node;
    const s = Math.max(0, Math.floor((Date.now() - t) / 1000));
    node.textContent = s < 60 ? "just now" : s < 3600 ? Math.floor(s / 60) + " min ago"
      : s < 86400 ? Math.floor(s / 3600) + " h ago" : Math.floor(s / 86400) + " d ago";
    node.title = new Date(t).toLocaleString();
    return node;
  }

  function url(path, params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, v);
    return path + "?" + q.toString();
  }

  /* --- comments ----------------------------------------------------------------------- */
  const section = document.getElementById("comments");
  const c = {
    list: section.querySelector(".comment-list"),
    older: section.querySelector(".comments-older"),
    loading: section.querySelector(".comments-loading"),
    empty: section.querySelector(".comments-empty"),
    error: section.querySelector(".comments-error"),
    form: section.querySelector("form.comment-form"),
    formError: section.querySelector("form.comment-form .form-error"),
  };
  const textarea = c.form.elements.body;
  const addButton = c.form.querySelector("button:not([type])");
  // byId: every comment read, by id; tail: the cursor that read the last page (null: the
  // first page), where a refresh reads on from; floor: the oldest id shown (null: all).
  const comments = { cardId: null, byId: new Map(), tail: null, floor: null, loaded: false };

  function buildComment() {
    const li = el("li", "comment");
    const head = el("p", "comment-head");
    head.append(el("span", "comment-author"), " ", el("span", "comment-when"), el("span", "comment-edited muted"));
    const body = el("p", "comment-body");
    li.append(head, body);
    return li;
  }

  function commentTools(li, item) {
    let tools = li.querySelector(".comment-tools");
    const mine = SB.canWork && item.author_id === me && !item.deleted;
    if (!mine) { if (tools) tools.remove(); return; }
    if (tools) return;
    tools = el("div", "comment-tools");
    const edit = button("Edit", "link", { editComment: "" });
    edit.setAttribute("aria-label", "Edit your comment");
    const del = button("Delete", "link", { deleteComment: "" });
    del.setAttribute("aria-label", "Delete your comment");
    tools.append(edit, del);
    li.append(tools);
  }

  function updateComment(li, item) {
    li.dataset.commentId = String(item.id);
    li.classList.toggle("is-mine", item.author_id === me);
    li.classList.toggle("is-deleted", !!item.deleted);
    const author = li.querySelector(".comment-author");
    author.textContent = item.author_name || personName(item.author_id);
    if (SB.isBot(item.author_id)) author.append(" ", SB.botBadge());
    const when = li.querySelector(".comment-when");
    if (when.dataset.iso !== item.created_at) {
      when.dataset.iso = item.created_at;
      when.textContent = "";
      when.append(moment(item.created_at));
    }
    li.querySelector(".comment-edited").textContent = item.edited_at && !item.deleted ? " (edited)" : "";
    const body = li.querySelector(".comment-body");
    // Plain text only: a body is never parsed as HTML.
    body.textContent = item.deleted ? "This comment was deleted." : item.body;
    body.classList.toggle("muted", !!item.deleted);
    commentTools(li, item);
  }

  function renderComments() {
    const all = Array.from(comments.byId.values()).sort((a, b) => a.id - b.id);
    const items = comments.floor === null ? all : all.filter((item) => item.id >= comments.floor);
    const old = new Map();
    for (const li of Array.from(c.list.children)) old.set(li.dataset.commentId, li);
    let previous = null;
    for (const item of items) {
      let li = old.get(String(item.id));
      if (li) old.delete(String(item.id));
      else li = buildComment();
      // A comment being edited keeps its editor; the rest follow the server.
      if (!li.querySelector("form.comment-edit")) updateComment(li, item);
      const next = previous ? previous.nextElementSibling : c.list.firstElementChild;
      if (li !== next) c.list.insertBefore(li, next);
      previous = li;
    }
    for (const li of old.values()) li.remove();
    c.loading.hidden = comments.loaded;
    c.empty.hidden = !comments.loaded || items.length > 0;
    c.older.hidden = items.length === all.length;
  }

  /** Show the newest PAGE comments of those read (the first time), or PAGE more. */
  function lowerFloor() {
    const ids = Array.from(comments.byId.keys()).sort((a, b) => a - b);
    const shown = comments.floor === null ? ids.length : ids.filter((id) => id >= comments.floor).length;
    const want = comments.loaded ? shown + PAGE : PAGE;
    comments.floor = ids.length > want ? ids[ids.length - want] : null;
  }

  function merge(items) {
    for (const item of items || []) comments.byId.set(item.id, item);
  }

  /** Read the thread on from the last page read to its end: on opening (from the start),
   *  and whenever a comment event names the card. */
  const refreshComments = SB.serial(async function () {
    const cardId = comments.cardId;
    if (cardId === null) return;
    let cursor = comments.tail;
    for (let pages = 0; pages < MAX_PAGES; pages += 1) {
      const res = await SB.api("GET", url("/api/cards/" + cardId + "/comments", { limit: FETCH, cursor }));
      if (comments.cardId !== cardId) return;
      if (!res.ok) { c.loading.hidden = true; showError(c.error, problem(res)); return; }
      merge(res.body.items);
      comments.tail = cursor;
      if (!res.body.next_cursor) break;
      cursor = res.body.next_cursor;
    }
    showError(c.error, "");
    if (!comments.loaded) lowerFloor();
    comments.loaded = true;
    renderComments();
  }, REFRESH_DELAY_MS);

  c.older.addEventListener("click", function () {
    const first = c.list.firstElementChild;
    lowerFloor();
    renderComments();
    // Keep the reader's place: the comment that was first is still there, below the new ones.
    if (first) first.scrollIntoView({ block: "nearest" });
    if (c.older.hidden) { c.list.tabIndex = -1; c.list.focus({ preventScroll: true }); }
  });

  c.form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const cardId = comments.cardId;
    if (cardId === null || !SB.canWork || addButton.getAttribute("aria-disabled")) return;
    if (!textarea.value.trim()) {
      // Nothing to send: say so in words rather than relay the server's field error.
      showError(c.formError, "Write your comment first.");
      textarea.setAttribute("aria-invalid", "true");
      textarea.focus();
      return;
    }
    addButton.setAttribute("aria-disabled", "true");
    // The server judges the body (too long, a card gone meanwhile) and says why beside the box.
    const res = await SB.api("POST", "/api/cards/" + cardId + "/comments", { body: textarea.value });
    addButton.removeAttribute("aria-disabled");
    if (comments.cardId !== cardId) return;
    if (!res.ok) {
      showError(c.formError, problem(res));
      textarea.setAttribute("aria-invalid", "true");
      textarea.focus();
      return;
    }
    showError(c.formError, "");
    textarea.removeAttribute("aria-invalid");
    textarea.value = "";
    merge([res.body]);
    renderComments();
    refreshActivity.soon();
    textarea.focus();
  });

  textarea.addEventListener("input", function () {
    if (!c.formError.hidden) { showError(c.formError, ""); textarea.removeAttribute("aria-invalid"); }
  });
  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); c.form.requestSubmit(); }
  });

  /* editing and deleting your own comment, in place */
  function closeEditor(li, refocus) {
    const form = li.querySelector("form.comment-edit");
    if (form) form.remove();
    li.querySelector(".comment-body").hidden = false;
    const item = comments.byId.get(Number(li.dataset.commentId));
    if (item) updateComment(li, item);
    const tools = li.querySelector(".comment-tools");
    if (tools) tools.hidden = false;
    if (refocus) {
      const edit = li.querySelector("button[data-edit-comment]");
      if (edit) edit.focus();
    }
  }

  function openEditor(li) {
    const item = comments.byId.get(Number(li.dataset.commentId));
    if (!item || li.querySelector("form.comment-edit")) return;
    const form = el("form", "comment-edit");
    form.noValidate = true;
    const box = el("textarea");
    box.name = "body";
    box.rows = 3;
    box.value = item.body;
    box.setAttribute("aria-label", "Edit comment");
    const error = el("p", "form-error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    const actions = el("div", "comment-actions");
    const save = el("button", "primary", "Save comment"); // a submit button (no type=)
    actions.append(save, button("Cancel", "quiet", { cancelComment: "" }));
    form.append(box, error, actions);
    li.querySelector(".comment-body").hidden = true;
    li.querySelector(".comment-tools").hidden = true;
    li.append(form);
    box.focus();
  }

  function openConfirm(li) {
    const tools = li.querySelector(".comment-tools");
    if (!tools || li.querySelector(".comment-confirm")) return;
    const ask = el("div", "comment-confirm");
    ask.setAttribute("role", "group");
    ask.setAttribute("aria-label", "Delete this comment?");
    const error = el("p", "form-error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    ask.append(el("span", "", "Delete this comment?"), " ",
      button("Delete", "danger small", { confirmDelete: "" }), " ", button("Keep", "quiet small", { keepComment: "" }), error);
    tools.hidden = true;
    li.append(ask);
    ask.querySelector("button[data-keep-comment]").focus();
  }

  function closeConfirm(li, refocus) {
    const ask = li.querySelector(".comment-confirm");
    if (ask) ask.remove();
    const tools = li.querySelector(".comment-tools");
    if (tools) tools.hidden = false;
    if (refocus) {
      const del = li.querySelector("button[data-delete-comment]");
      if (del) del.focus();
    }
  }

  c.list.addEventListener("click", async function (event) {
    const li = event.target.closest("li.comment");
    if (!li) return;
    const id = Number(li.dataset.commentId);
    if (event.target.closest("button[data-edit-comment]")) openEditor(li);
    else if (event.target.closest("button[data-cancel-comment]")) closeEditor(li, true);
    else if (event.target.closest("button[data-delete-comment]")) openConfirm(li);
    else if (event.target.closest("button[data-keep-comment]")) closeConfirm(li, true);
    else if (event.target.closest("button[data-confirm-delete]")) {
      const res = await SB.api("DELETE", "/api/comments/" + id);
      if (!res.ok && res.status !== 404) {
        showError(li.querySelector(".comment-confirm .form-error"), problem(res));
        return;
      }
      const item = comments.byId.get(id);
      if (item) Object.assign(item, { deleted: true, body: "" });
      closeConfirm(li, false);
      renderComments();
      textarea.focus();
      refreshActivity.soon();
    }
  });

  c.list.addEventListener("submit", async function (event) {
    const form = event.target.closest("form.comment-edit");
    if (!form) return;
    event.preventDefault();
    const li = form.closest("li.comment");
    const id = Number(li.dataset.commentId);
    const error = form.querySelector(".form-error");
    const res = await SB.api("PATCH", "/api/comments/" + id, { body: form.elements.body.value });
    if (!res.ok) { showError(error, problem(res)); form.elements.body.focus(); return; }
    merge([res.body]);
    closeEditor(li, true);
    renderComments();
  });

  c.list.addEventListener("keydown", function (event) {
    const li = event.target.closest("li.comment");
    if (!li) return;
    if (event.key === "Escape" && (li.querySelector("form.comment-edit") || li.querySelector(".comment-confirm"))) {
      // Escape leaves the editor (or the question); it does not close the drawer.
      event.preventDefault();
      event.stopPropagation();
      if (li.querySelector("form.comment-edit")) closeEditor(li, true); else closeConfirm(li, true);
    } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.closest("form.comment-edit")) {
      event.preventDefault();
      event.target.closest("form.comment-edit").requestSubmit();
    }
  });

  function resetComments(cardId) {
    comments.cardId = cardId;
    comments.byId = new Map();
    comments.tail = null;
    comments.floor = null;
    comments.loaded = false;
    c.list.textContent = "";
    c.loading.hidden = false;
    c.empty.hidden = true;
    c.older.hidden = true;
    showError(c.error, "");
    showError(c.formError, "");
    textarea.removeAttribute("aria-invalid");
    c.form.hidden = !SB.canWork;
    c.form.reset();
  }

  /* --- activity ----------------------------------------------------------------------- */
  const activity = document.getElementById("activity");
  const a = {
    list: activity.querySelector(".activity-list"),
    loading: activity.querySelector(".activity-loading"),
    empty: activity.querySelector(".activity-empty"),
    error: activity.querySelector(".activity-error"),
    more: activity.querySelector(".activity-more"),
  };
  const events = { cardId: null, bySeq: new Map(), cursor: null, loaded: false };

  function actorName(actor) {
    if (!actor) return "Swarmboard";
    if (actor.name) return actor.name;
    if (actor.kind === "bot") return personName(actor.id, "A bot");
    if (actor.kind && actor.kind !== "user") return actor.kind === "system" ? "Swarmboard" : actor.kind;
    return personName(actor.id, "Someone");
  }

  /** "Moved from Triage to Investigating · Maya Okafor · 3 min ago". */
  function buildEntry() {
    const li = el("li", "activity-item");
    const meta = el("span", "activity-meta muted");
    meta.append(" · ", el("span", "activity-actor"), " · ", el("span", "activity-when"));
    li.append(el("span", "activity-summary"), meta);
    return li;
  }

  function updateEntry(li, item) {
    li.dataset.seq = String(item.seq);
    li.dataset.type = item.type;
    const who = li.querySelector(".activity-actor");
    who.textContent = actorName(item.actor);
    // Events a bot caused carry actor.kind "bot": they wear the bot badge.
    if (item.actor && (item.actor.kind === "bot" || SB.isBot(item.actor.id))) who.append(SB.botBadge());
    li.querySelector(".activity-summary").textContent = item.summary || item.type;
    const when = li.querySelector(".activity-when");
    if (when.dataset.iso !== item.at) {
      when.dataset.iso = item.at;
      when.textContent = "";
      when.append(moment(item.at));
    }
  }

  function renderActivity() {
    const items = Array.from(events.bySeq.values()).sort((x, y) => y.seq - x.seq);
    const old = new Map();
    for (const li of Array.from(a.list.children)) old.set(li.dataset.seq, li);
    let previous = null;
    for (const item of items) {
      let li = old.get(String(item.seq));
      if (li) old.delete(String(item.seq));
      else li = buildEntry();
      updateEntry(li, item);
      const next = previous ? previous.nextElementSibling : a.list.firstElementChild;
      if (li !== next) a.list.insertBefore(li, next);
      previous = li;
    }
    for (const li of old.values()) li.remove();
    a.loading.hidden = events.loaded;
    a.empty.hidden = !events.loaded || items.length > 0;
    a.more.hidden = !events.cursor;
  }

  const refreshActivity = SB.serial(async function () {
    const cardId = events.cardId;
    if (cardId === null) return;
    const res = await SB.api("GET", url("/api/cards/" + cardId + "/activity", { limit: PAGE }));
    if (events.cardId !== cardId) return;
    if (!res.ok) { a.loading.hidden = true; showError(a.error, problem(res)); return; }
    showError(a.error, "");
    if (!events.loaded) events.cursor = res.body.next_cursor || null;
    events.loaded = true;
    for (const item of res.body.items || []) events.bySeq.set(item.seq, item);
    renderActivity();
  }, REFRESH_DELAY_MS);

  a.more.addEventListener("click", async function () {
    const cardId = events.cardId;
    if (cardId === null || !events.cursor) return;
    a.more.setAttribute("aria-disabled", "true");
    const res = await SB.api("GET", url("/api/cards/" + cardId + "/activity", { limit: PAGE, cursor: events.cursor }));
    a.more.removeAttribute("aria-disabled");
    if (events.cardId !== cardId) return;
    if (!res.ok) { showError(a.error, problem(res)); return; }
    events.cursor = res.body.next_cursor || null;
    for (const item of res.body.items || []) events.bySeq.set(item.seq, item);
    renderActivity();
  });

  function resetActivity(cardId) {
    events.cardId = cardId;
    events.bySeq = new Map();
    events.cursor = null;
    events.loaded = false;
    a.list.textContent = "";
    a.loading.hidden = false;
    a.empty.hidden = true;
    a.more.hidden = true;
    showError(a.error, "");
  }

  /* --- following the drawer and the board ---------------------------------------------- */
  document.addEventListener("sb:drawer-open", function (event) {
    const cardId = Number(event.detail.cardId);
    if (comments.cardId !== cardId) { resetComments(cardId); resetActivity(cardId); }
    refreshComments();
    refreshActivity();
  });
  document.addEventListener("sb:drawer-closed", function () {
    comments.cardId = null;
    events.cardId = null;
  });

  /** Does an event name this card (card_id, card_ids, a link's target_id)? */
  function names(data, cardId) {
    for (const [key, value] of Object.entries(data || {})) {
      if (!/card_ids?$|^target_id$/.test(key)) continue;
      if (Array.isArray(value) ? value.map(Number).includes(cardId) : Number(value) === cardId) return true;
    }
    return false;
  }

  const COMMENT_EVENTS = new Set(["card.commented", "comment.edited", "comment.deleted"]);

  function cardTitle(cardId, fallback) {
    const card = SB.card(cardId);
    return card ? card.querySelector(".title").textContent : fallback || "a card";
  }

  /** "Maya Okafor mentioned you on “…”", with a link that opens the card. */
  function mentionToast(ev) {
    const d = ev.data || {};
    const mentions = Array.isArray(d.mentions) ? d.mentions.map(Number) : [];
    const author = d.author_id !== undefined ? d.author_id : ev.actor && ev.actor.id;
    if (!mentions.includes(me) || Number(author) === me) return;
    const who = d.author_name || personName(author, "Someone");
    const cardId = Number(d.card_id);
    SB.notify({
      text: who + " mentioned you on “" + cardTitle(cardId, d.card_title) + "”",
      kind: "info",
      href: "#card-" + cardId,
      linkText: "Open card",
      timeoutMs: 15000,
    });
  }

  /** An edit or a delete may be of a comment older than the last page: apply it here. */
  function applyCommentEvent(ev) {
    const d = ev.data || {};
    const item = comments.byId.get(Number(d.comment_id));
    if (!item) return;
    if (ev.type === "comment.edited" && typeof d.body === "string") Object.assign(item, { body: d.body, edited_at: ev.at });
    if (ev.type === "comment.deleted") Object.assign(item, { deleted: true, body: "" });
    renderComments();
  }

  document.addEventListener("sb:board-event", function (event) {
    const ev = event.detail || {};
    if (ev.type === "card.commented") mentionToast(ev);
    const cardId = comments.cardId;
    if (cardId === null || !names(ev.data, cardId)) return;
    if (COMMENT_EVENTS.has(ev.type)) {
      if (comments.loaded) applyCommentEvent(ev);
      refreshComments.soon();
    }
    refreshActivity.soon();
  });

  // After a resync the events in between were skipped: read both lists again.
  document.addEventListener("sb:board-replaced", function () {
    if (comments.cardId === null) return;
    refreshComments.soon();
    refreshActivity.soon();
  });
})();
