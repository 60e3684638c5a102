/* Swarmboard board page, part 6: alerts. The marks on cards and column headers, a toast
 * when an alert is raised, and the "Alerts (N)" panel with Acknowledge and Resolve.
 *
 * The server renders one .alert-flag[data-alert-id] per active alert: inside the card's
 * .alert-badge, or in the column header for a column's WIP breach. Those flags are the
 * page's record of which alerts are active (the count is theirs), and live.js hands
 * every alert.* event to SB.alertEvent, which adds, updates or removes flags by alert
 * id, so a replayed or repeated event changes nothing. Alert events never re-render the
 * board. One delegated listener per region; nothing listens on a card. */
"use strict";
(function () {
  const SB = window.SB;
  const boardEl = SB.boardEl;
  const me = Number(document.body.dataset.userId);
  const MAX_TOASTS = 3;
  const PAGE = 100;
  const REFRESH_DELAY_MS = 60; // a scan raising many alerts at once costs one fetch
  const TARGETS = { frt: "first-response", ttr: "resolution" };

  /* --- small helpers ------------------------------------------------------------------ */
  const { el, button, showError } = SB;

  function label(kind) {
    // The names come from the server (#board-meta, rendered from ALERT_LABELS).
    const labels = SB.meta().alert_labels || {};
    return labels[kind] || String(kind).replace(/_/g, " ");
  }

  /** 42 -> "42 s", 150 -> "2 min", 7500 -> "2 h 5 min", 90000 -> "1 d 1 h". */
  function duration(seconds) {
    const s = Math.max(0, Math.floor(Number(seconds) || 0));
    if (s < 60) return s + " s";
    const m = Math.floor(s / 60);
    if (m < 60) return m + " min";
    const h = Math.floor(m / 60);
    if (h < 24) return h + " h" + (m % 60 ? " " + (m % 60) + " min" : "");
    const d = Math.floor(h / 24);
    return d + " d" + (h % 24 ? " " + (h % 24) + " h" : "");
  }
  SB.alertDuration = duration;

  function personName(id) {
    if (id === null || id === undefined) return "someone";
    if (id === me) return "you";
    return SB.meta().members[id] || "Person " + id;
  }

  function cardTitle(cardId, fallback) {
    const card = cardId === null || cardId === undefined ? null : SB.card(cardId);
    if (card) return card.querySelector(".title").textContent;
    return fallback || "card " + cardId;
  }

  function columnName(columnId) {
    return SB.columnName(columnId) || "a column";
  }

  /** What an alert says, in plain words: [kind label, the rest of the sentence]. */
  function describe(a) {
    const d = a.data || a;
    const title = "“" + cardTitle(a.card_id, a.card_title) + "”";
    const measured = duration(d.measured_seconds);
    const threshold = duration(d.threshold_seconds);
    const target = TARGETS[d.target] || "SLA";
    let rest;
    switch (a.kind) {
      case "stalled":
        rest = title + " has been in " + columnName(a.column_id) + " for " + measured; break;
      case "blocked":
        rest = title + " has been blocked for " + measured; break;
      case "sla_warning":
        rest = title + " has used " + measured + " of its " + target + " target of " + threshold; break;
      case "sla_breach":
        rest = title + " is past its " + target + " target of " + threshold + " (" + measured + " so far)"; break;
      case "wip_breach":
        rest = columnName(a.column_id) + " has been over its WIP limit for " + measured; break;
      case "swarm_unanswered":
        rest = "nobody has joined the swarm on " + title + " for " + measured; break;
      case "customer_rejected":
        rest = "the customer says " + title + " is not solved; it is back in work"; break;
      default:
        rest = a.card_id !== null && a.card_id !== undefined ? title : columnName(a.column_id);
    }
    return [label(a.kind), rest];
  }

  const serial = (fn) => SB.serial(fn, REFRESH_DELAY_MS);

  /* --- flags on cards and column headers, and the count ------------------------------- */
  const toggle = document.getElementById("alerts-toggle");

  function flagsOf(alertId) {
    return boardEl.querySelectorAll('.alert-flag[data-alert-id="' + Number(alertId) + '"]');
  }

  function activeIds() {
    const ids = new Set();
    for (const flag of boardEl.querySelectorAll(".alert-flag[data-alert-id]")) ids.add(flag.dataset.alertId);
    return ids;
  }

  function updateCount() {
    const n = activeIds().size;
    toggle.dataset.count = String(n);
    toggle.querySelector(".alerts-count").textContent = String(n);
    toggle.classList.toggle("has-alerts", n > 0);
  }

  function setFlagState(flag, state) {
    flag.dataset.state = state;
    flag.title = label(flag.dataset.kind) + (state === "acknowledged" ? " (acknowledged)" : "");
  }

  function buildFlag(alertId, kind, state, extraClass) {
    const flag = el("span", "alert-flag" + (extraClass ? " " + extraClass : ""), label(kind));
    flag.dataset.alertId = String(alertId);
    flag.dataset.kind = kind;
    setFlagState(flag, state);
    return flag;
  }

  /** Mark the card or the column; false if the page does not show it (time to resync). */
  function addFlag(d) {
    if (flagsOf(d.alert_id).length) return true;
    if (d.card_id !== null && d.card_id !== undefined) {
      const card = SB.card(d.card_id);
      if (!card) return false;
      let badge = card.querySelector(".alert-badge");
      if (!badge) {
        badge = el("span", "alert-badge");
        badge.title = "Active alerts";
        // Before the swarm badge, the initials or "Move to…"; read-only roles may have none.
        const next = card.querySelector(".swarm-badge, .owner, .move-menu");
        if (next) next.before(badge); else card.querySelector(".meta").append(badge);
      }
      badge.append(buildFlag(d.alert_id, d.kind, "open"));
      return true;
    }
    const col = SB.column(d.column_id);
    if (!col) return false;
    col.querySelector(".column-head .wip").before(buildFlag(d.alert_id, d.kind, "open", "column-alert"));
    return true;
  }

  function removeFlags(alertId) {
    for (const flag of flagsOf(alertId)) {
      const badge = flag.closest(".alert-badge");
      flag.remove();
      if (badge && !badge.querySelector(".alert-flag")) badge.remove();
    }
  }

  /* --- toasts (in the page's one toast stack, toasts.js) ------------------------------ */
  const toasts = new Map(); // alert id -> the toast's handle, oldest first
  let overflow = 0; // toasts dropped by the cap since the last look at the panel

  function toastOf(alertId) {
    const handle = toasts.get(String(alertId));
    return handle ? handle.el : null;
  }

  function renderMore() {
    const shown = SB.toastByKey("alerts-more");
    if (!overflow) { if (shown) shown.dismiss("replaced", true); return; }
    const text = overflow + (overflow === 1 ? " more alert" : " more alerts") + " in the alerts panel";
    if (shown) { shown.setText(text); return; }
    SB.toast({
      key: "alerts-more", kind: "alert", className: "toast-more", text,
      actionText: "Show all alerts", returnFocus: toggle,
      onAction() { openPanel(); return false; },
      onDismiss(reason) { if (reason !== "replaced") overflow = 0; },
    });
  }

  function showToast(d) {
    if (toastOf(d.alert_id)) return;
    const [kind, rest] = describe(d);
    const note = el("p", "toast-note muted");
    note.hidden = true;
    const id = String(d.alert_id);
    const more = SB.toastByKey("alerts-more");
    const handle = SB.toast({
      kind: "alert", className: "alert-toast", data: { alertId: id, kind: d.kind },
      title: [el("strong", "", kind), ": " + rest], content: [note],
      actionText: "Show alerts", returnFocus: toggle,
      before: more ? more.el : null, // the "more" line stays the alerts' last
      onAction() { openPanel(id); return false; },
      onDismiss() { toasts.delete(id); },
    });
    toasts.set(id, handle);
    const extra = toasts.size - MAX_TOASTS;
    for (const old of Array.from(toasts.values()).slice(0, Math.max(0, extra))) {
      old.dismiss("capped");
      overflow += 1;
    }
    renderMore();
  }

  function dropToast(alertId) {
    const handle = toasts.get(String(alertId));
    if (handle) handle.dismiss("resolved");
  }

  /* --- the panel ------------------------------------------------------------------------- */
  const panel = document.getElementById("alerts-panel");
  const list = panel.querySelector(".alerts-list");
  const error = panel.querySelector(".form-error");
  const loading = panel.querySelector(".alerts-loading");
  const empty = panel.querySelector(".alerts-empty");
  const more = panel.querySelector(".alerts-more");
  let focusAlert = null; // the alert to focus once the panel has loaded

  function buildItem(a) {
    const li = el("li", "alert-item");
    li.dataset.alertId = String(a.id);
    const head = el("p", "alert-head");
    head.append(el("span", "alert-kind"), " ");
    if (a.card_id !== null && a.card_id !== undefined) head.append(button("", "link", { openCard: String(a.card_id) }));
    else head.append(el("span", "alert-subject"));
    li.append(head, el("p", "alert-detail"), el("p", "alert-state"));
    if (SB.canWork) {
      const actions = el("div", "alert-actions");
      actions.append(button("Acknowledge", "quiet", { alertAck: "" }), button("Resolve", "quiet", { alertResolve: "" }));
      const problem = el("p", "form-error alert-item-error");
      problem.setAttribute("role", "alert");
      problem.hidden = true;
      li.append(actions, problem);
    }
    return li;
  }

  function updateItem(li, a) {
    const [kind, rest] = describe(a);
    li.dataset.kind = a.kind;
    li.dataset.state = a.state;
    li.querySelector(".alert-kind").textContent = kind;
    const subject = a.card_id !== null && a.card_id !== undefined ? cardTitle(a.card_id, a.card_title) : columnName(a.column_id);
    const open = li.querySelector("button[data-open-card]");
    if (open) open.textContent = subject;
    else li.querySelector(".alert-subject").textContent = subject;
    const detail = li.querySelector(".alert-detail");
    detail.textContent = rest.charAt(0).toUpperCase() + rest.slice(1);
    // Dates as every page shows them: "12 min ago", the local time as the tooltip (time.js).
    if (a.raised_at) detail.append(" (raised ", SBTime.node(a.raised_at), ")");
    const state = li.querySelector(".alert-state");
    state.textContent = a.state === "acknowledged"
      ? "Acknowledged by " + personName(a.acknowledged_by)
      : "Open: nobody has acknowledged it yet";
    if (a.state === "acknowledged" && a.acknowledged_at) state.append(" ", SBTime.node(a.acknowledged_at));
    const ack = li.querySelector("button[data-alert-ack]");
    if (ack) {
      ack.hidden = a.state !== "open";
      ack.setAttribute("aria-label", "Acknowledge: " + kind + ", " + subject);
      li.querySelector("button[data-alert-resolve]").setAttribute("aria-label", "Resolve: " + kind + ", " + subject);
    }
  }

  /** The alerts shown, by id (kept so a live event can update one in place). */
  const shownAlerts = new Map();

  function render(alerts, total) {
    shownAlerts.clear();
    for (const a of alerts) shownAlerts.set(String(a.id), a);
    const old = new Map();
    for (const li of Array.from(list.children)) old.set(li.dataset.alertId, li);
    let previous = null;
    for (const a of alerts) {
      let li = old.get(String(a.id));
      if (li) old.delete(String(a.id));
      else li = buildItem(a);
      updateItem(li, a);
      const next = previous ? previous.nextElementSibling : list.firstElementChild;
      if (li !== next) list.insertBefore(li, next);
      previous = li;
    }
    for (const li of old.values()) removeItem(li);
    loading.hidden = true;
    empty.hidden = alerts.length > 0;
    more.hidden = total <= alerts.length;
    more.textContent = "Showing the newest " + alerts.length + " of " + total + " alerts.";
  }

  /** Take an item out without dropping the keyboard focus on the floor. */
  function removeItem(li) {
    shownAlerts.delete(li.dataset.alertId);
    if (li.contains(document.activeElement)) {
      const next = li.nextElementSibling || li.previousElementSibling;
      li.remove();
      const target = next && next.querySelector("button:not([hidden])");
      (target || panel).focus();
    } else {
      li.remove();
    }
    empty.hidden = list.children.length > 0 || !loading.hidden;
  }

  function itemOf(alertId) {
    return list.querySelector('li[data-alert-id="' + Number(alertId) + '"]');
  }

  const refresh = serial(async function () {
    if (panel.hidden) return;
    const res = await SB.api("GET", "/api/boards/" + SB.boardId + "/alerts?state=active&limit=" + PAGE);
    if (!res.ok) { loading.hidden = true; showError(error, res.body.detail); return; }
    if (!Array.isArray(res.body.alerts)) return;
    render(res.body.alerts, Number(res.body.total) || 0);
    if (focusAlert !== null) {
      const li = itemOf(focusAlert);
      focusAlert = null;
      const target = li && li.querySelector("button:not([hidden])");
      if (target) target.focus();
    }
  });

  function openPanel(alertId) {
    overflow = 0;
    renderMore();
    focusAlert = alertId ? Number(alertId) : null;
    if (panel.hidden) {
      panel.hidden = false;
      toggle.setAttribute("aria-expanded", "true");
      loading.hidden = list.children.length > 0;
      showError(error, "");
    }
    panel.focus();
    refresh();
  }

  function closePanel() {
    panel.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    toggle.focus();
  }

  toggle.addEventListener("click", function () {
    if (panel.hidden) openPanel(); else closePanel();
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); closePanel(); }
  });

  async function act(li, action) {
    const id = Number(li.dataset.alertId);
    const box = li.querySelector(".alert-item-error");
    const buttons = li.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    const res = await SB.api("POST", "/api/alerts/" + id + "/" + action);
    buttons.forEach((b) => { b.disabled = false; });
    if (!res.ok) {
      // The problem's detail, where the button was; the fresh list shows what changed.
      showError(box, res.body.detail);
      showError(error, "");
      refresh.soon();
      return;
    }
    showError(box, "");
    if (action === "resolve" || res.body.state === "resolved") {
      resolved(id);
      return;
    }
    acknowledged(id, res.body.acknowledged_by, res.body.acknowledged_at);
    const resolve = li.querySelector("button[data-alert-resolve]");
    if (resolve && !li.contains(document.activeElement)) resolve.focus();
  }

  panel.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-alerts]")) { closePanel(); return; }
    const open = event.target.closest("button[data-open-card]");
    if (open) { if (SB.openDrawer) SB.openDrawer(Number(open.dataset.openCard)); return; }
    const li = event.target.closest("li.alert-item");
    if (!li) return;
    if (event.target.closest("button[data-alert-ack]")) act(li, "ack");
    else if (event.target.closest("button[data-alert-resolve]")) act(li, "resolve");
  });

  /* --- changes, from this page or the event stream --------------------------------------- */
  function acknowledged(alertId, by, at) {
    for (const flag of flagsOf(alertId)) setFlagState(flag, "acknowledged");
    const toast = toastOf(alertId);
    if (toast) {
      const note = toast.querySelector(".toast-note");
      note.textContent = "Acknowledged by " + personName(by) + ".";
      note.hidden = false;
    }
    const known = shownAlerts.get(String(alertId));
    const li = itemOf(alertId);
    if (known && li) {
      Object.assign(known, { state: "acknowledged", acknowledged_by: by, acknowledged_at: at || known.acknowledged_at });
      updateItem(li, known);
    }
  }

  function resolved(alertId) {
    removeFlags(alertId);
    dropToast(alertId);
    const li = itemOf(alertId);
    if (li) removeItem(li);
    updateCount();
  }

  /** Apply one alert.* event from the board stream; false asks live.js for a resync. */
  SB.alertEvent = function (ev) {
    const d = ev.data || {};
    let ok = true;
    if (ev.type === "alert.raised") {
      // A card the page does not show means the page missed something: resync (the
      // server renders the flag); the toast is shown either way.
      ok = addFlag(d);
      showToast(d);
      updateCount();
    } else if (ev.type === "alert.acknowledged") {
      acknowledged(d.alert_id, d.by, d.at);
    } else if (ev.type === "alert.resolved") {
      resolved(d.alert_id);
    }
    if (!panel.hidden) refresh.soon();
    return ok;
  };

  // After a resync the server re-rendered every flag; alerts that ended meanwhile lose
  // their toast, and the count and an open panel catch up.
  document.addEventListener("sb:board-replaced", function () {
    const active = activeIds();
    for (const [id, handle] of Array.from(toasts)) {
      if (!active.has(id)) handle.dismiss("resolved");
    }
    updateCount();
    if (!panel.hidden) refresh.soon();
  });

  updateCount();
})();
