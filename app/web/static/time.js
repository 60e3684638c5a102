/* Swarmboard pages: one date format (relative, with the absolute time as a tooltip).
 *
 * The server prints every moment as
 *   <time datetime="2026-12-07T08:14:00Z" data-relative title="Mon 7 Dec 2026, 08:14 UTC">7 Dec 2026, 08:14 UTC</time>
 * (a stable fallback for readers without scripts). This file turns each one into
 * "12 min ago" / "in 5 min" with the absolute time in the viewer's own time zone as its
 * tooltip, and keeps them fresh with one timer. Scripts that build dates themselves call
 * SBTime.render(timeElement, iso). A <time data-relative> added to the page later (a
 * fragment fetched from the server) is rendered as soon as it is inserted.
 *
 * Card ages on the board (".age[data-since]", seconds since the epoch) keep their own
 * short text (board.js); they get the absolute tooltip here.
 */
(function () {
  "use strict";

  const MINUTE = 60 * 1000;
  const HOUR = 60 * MINUTE;
  const DAY = 24 * HOUR;

  // The page is English: one day-first format, in the viewer's time zone.
  const absoluteFormat = new Intl.DateTimeFormat("en-GB", {
    weekday: "short", day: "numeric", month: "short", year: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short",
  });

  function toDate(value) {
    if (value instanceof Date) return value;
    if (typeof value === "number") return new Date(value);
    return new Date(Date.parse(String(value || "")));
  }

  /** "just now", "12 min ago", "3 h ago", "3 d ago", "4 mo ago", "2 y ago"; "in 5 min". */
  function relative(date, now) {
    const t = toDate(date).getTime();
    const n = now === undefined ? Date.now() : toDate(now).getTime();
    if (Number.isNaN(t) || Number.isNaN(n)) return "";
    const diff = n - t;
    const size = Math.abs(diff);
    if (size < MINUTE) return diff >= 0 ? "just now" : "in a moment";
    let amount;
    if (size < HOUR) amount = Math.floor(size / MINUTE) + " min";
    else if (size < DAY) amount = Math.floor(size / HOUR) + " h";
    else if (size < 30 * DAY) amount = Math.floor(size / DAY) + " d";
    else if (size < 365 * DAY) amount = Math.floor(size / (30 * DAY)) + " mo";
    else amount = Math.floor(size / (365 * DAY)) + " y";
    return diff >= 0 ? amount + " ago" : "in " + amount;
  }

  /** "Mon 7 Dec 2026, 09:14 CET": the moment in the viewer's time zone. */
  function absolute(date) {
    const d = toDate(date);
    if (Number.isNaN(d.getTime())) return "";
    const p = {};
    for (const part of absoluteFormat.formatToParts(d)) p[part.type] = part.value;
    return p.weekday + " " + p.day + " " + p.month + " " + p.year + ", " +
      p.hour + ":" + p.minute + (p.timeZoneName ? " " + p.timeZoneName : "");
  }

  /** Show ``iso`` (or the element's own datetime) in ``el``: relative text, absolute tooltip. */
  function render(el, iso) {
    if (!el) return el;
    if (iso !== undefined && iso !== null) {
      el.setAttribute("datetime", iso instanceof Date ? iso.toISOString() : String(iso));
    }
    const d = toDate(el.getAttribute("datetime"));
    if (Number.isNaN(d.getTime())) return el;
    el.setAttribute("data-relative", "");
    const text = relative(d);
    if (el.textContent !== text) el.textContent = text;
    el.title = absolute(d);
    return el;
  }

  /** A new <time> showing ``iso``, for scripts that build their own markup. */
  function node(iso) {
    return render(document.createElement("time"), iso);
  }

  function ageTooltip(el) {
    const since = Number(el.getAttribute("data-since"));
    if (!el.getAttribute("data-since") || !Number.isFinite(since)) return;
    el.title = "In this column since " + absolute(since * 1000);
  }

  function renderWithin(root) {
    if (!root || root.nodeType !== 1) return;
    if (root.matches("time[data-relative]")) render(root);
    if (root.matches(".age[data-since]")) ageTooltip(root);
    for (const t of root.querySelectorAll("time[data-relative]")) render(t);
    for (const a of root.querySelectorAll(".age[data-since]")) ageTooltip(a);
  }

  /** Every minute: the relative texts move on (a card age's tooltip never changes). */
  function refresh() {
    for (const t of document.querySelectorAll("time[data-relative]")) render(t);
  }

  function start() {
    renderWithin(document.body);
    setInterval(refresh, MINUTE);
    // Fragments the page fetches (a refreshed webhook endpoint, a re-read board) and
    // cards built live carry server-printed dates: render them as they arrive.
    new MutationObserver(function (records) {
      for (const r of records) {
        if (r.type === "attributes") renderWithin(r.target);
        else for (const added of r.addedNodes) renderWithin(added);
      }
    }).observe(document.body, {
      childList: true, subtree: true, attributes: true, attributeFilter: ["datetime", "data-since"],
    });
  }

  window.SBTime = { render: render, relative: relative, absolute: absolute, node: node };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
