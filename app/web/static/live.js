/* Swarmboard board page, part 4: live updates over /ws/boards/{id}?since=N.
 *
 * Events arrive in seq order. Card, column, swarm and alert events are applied in
 * place; those about a card's insight, customer or confirmation also reach insight.js,
 * and every event is announced as sb:board-event for the open drawer (drawer.js,
 * discussion.js). A card changed in place announces sb:card-updated (filter.js).
 * Anything else, a gap in seq, a {"type": "resync"} message or close code 4000 reloads
 * the columns from /boards/{id}/fragment. A dropped connection is retried with
 * backoff and resumes from the last applied seq, so the server replays whatever was
 * missed. Close code 4408 (your access changed) reconnects at once and reloads the
 * columns, so the server checks access again; 4400, 4401, 4403 and 4404 are final: the
 * page stops with a message saying why. 4429 (too many sockets open for you) retries
 * slowly. The README's websocket section lists every code. */
"use strict";
(function () {
  const SB = window.SB;
  // Refusals the server will repeat on every reconnect: stop and say why.
  const FINAL = {
    4400: "The live board could not be opened from this address. Reload the page.",
    4401: "Your session has ended. Reload the page and sign in again.",
    4403: "The live board refused this page. Open the board from Swarmboard itself.",
    4404: "This board is gone, or you are no longer a member of it.",
  };
  let resyncing = null;
  let again = false;
  let queue = [];

  // The connection itself (backoff, close codes, the status text) is live_socket.js's.
  const live = window.SBLiveSocket.create({
    boardId: SB.boardId,
    since: () => SB.lastSeq(),
    status: document.getElementById("live-status"),
    final: FINAL,
    receive,
    resync,
    stopped: (message) => SB.flash(message, "error", true),
    tooMany: () => SB.flash("You have too many Swarmboard pages open; close some and this one reconnects.", "error"),
  });
  const stop = live.stop;

  /* --- applying events ------------------------------------------------------------------ */
  function bump(el) { el.dataset.version = Number(el.dataset.version || 0) + 1; }

  function cardCreated(ev) {
    const d = ev.data;
    if (SB.card(d.card_id)) return true;
    const c = {
      id: d.card_id, column_id: d.column_id, lane_id: d.lane_id, title: d.title,
      priority: d.priority, channel: d.channel, product: d.product, external_ref: d.external_ref, version: 1,
      position: SB.nextPosition(d.column_id), since: Date.parse(ev.at) / 1000,
    };
    if (!SB.placeCard(SB.buildCard(c), d.column_id, d.lane_id, c.position)) return false;
    // The event does not name the owner: ask for the card once to show their initials.
    SB.api("GET", "/api/cards/" + Number(d.card_id)).then((res) => {
      const el = SB.card(d.card_id);
      if (res.ok && el) {
        SB.setOwner(el, res.body.owner_id);
        SB.setPeople(el, res.body.owner_id, res.body.assignee_ids);
        SB.setSkills(el, res.body.skills || []);
      }
    });
    return true;
  }

  function cardUpdated(el, changes) {
    if ("title" in changes) el.querySelector(".title").textContent = changes.title;
    if ("priority" in changes) el.dataset.priority = changes.priority;
    if ("channel" in changes) SB.setChannel(el, changes.channel);
    if ("owner_id" in changes) SB.setOwner(el, changes.owner_id);
    if ("assignee_ids" in changes) SB.setPeople(el, undefined, changes.assignee_ids);
    if ("product" in changes) SB.setProduct(el, changes.product);
    if ("skills" in changes) SB.setSkills(el, changes.skills || []);
    if ("blocked" in changes || "blocked_reason" in changes) {
      const blocked = "blocked" in changes ? changes.blocked : !!el.querySelector(".blocked");
      SB.setBlocked(el, blocked, changes.blocked_reason);
    }
    bump(el);
    changed(el);
  }

  /** Tell the page filter (filter.js) a card element changed, so it is judged again. */
  function changed(el) {
    document.dispatchEvent(new CustomEvent("sb:card-updated", { detail: { cardId: Number(el.dataset.cardId) } }));
  }

  /** The "Insight required" mark of a column that takes only complete insights. */
  function setInsightGate(col, on) {
    let mark = col.querySelector(".column-head .insight-gate");
    col.classList.toggle("requires-insight", on);
    if (!on) { if (mark) mark.remove(); return; }
    if (mark) return;
    mark = document.createElement("span");
    mark.className = "insight-gate";
    mark.title = "Only complete actionable insights can enter this column";
    mark.textContent = "Insight required";
    col.querySelector(".column-head h2").after(mark);
  }

  function columnUpdated(d) {
    const col = SB.column(d.column_id);
    if (!col) return false;
    const ch = d.changes || {};
    // A new order moves whole columns: the board from the server draws it.
    if ("position" in ch) return false;
    if ("name" in ch) {
      col.querySelector(".column-head h2").textContent = ch.name;
      col.setAttribute("aria-label", ch.name);
      const meta = SB.meta();
      const i = meta.columns.indexOf(Number(d.column_id));
      if (i >= 0) meta.column_names[i] = ch.name;
    }
    if ("stage" in ch) col.dataset.stage = ch.stage;
    if ("wip_policy" in ch) col.dataset.wipPolicy = ch.wip_policy;
    if ("wip_limit" in ch) {
      if (ch.wip_limit === null) delete col.dataset.wipLimit; else col.dataset.wipLimit = ch.wip_limit;
    }
    if ("requires_insight" in ch) setInsightGate(col, !!ch.requires_insight);
    SB.recount(col);
    return true;
  }

  /** Tell the drawer's insight part (insight.js) about an event; it never needs a resync. */
  function insight(ev) {
    if (SB.insightEvent) SB.insightEvent(ev);
  }

  /** Apply one event in place; false means "re-render the board from the server". */
  function handle(ev) {
    const d = ev.data || {};
    const el = d.card_id !== undefined ? SB.card(d.card_id) : null;
    switch (ev.type) {
      case "card.created":
        return cardCreated(ev);
      case "card.moved":
      case "card.reopened": { // a customer's "not solved" moves the card back: the same data
        if (!el) return false;
        const newColumn = el.dataset.columnId !== String(d.to_column_id);
        if (!SB.placeCard(el, d.to_column_id, d.to_lane_id, d.position)) return false;
        if (newColumn) SB.setSince(el, ev.at);
        bump(el);
        changed(el);
        insight(ev);
        return true;
      }
      case "card.updated":
        if (!el) return false;
        cardUpdated(el, d.changes || {});
        insight(ev);
        return true;
      case "card.blocked":
      case "card.unblocked":
        if (!el) return false;
        SB.setBlocked(el, ev.type === "card.blocked", d.reason);
        changed(el);
        return true;
      // Comments show in the open drawer (discussion.js follows sb:board-event).
      case "card.commented":
      case "comment.edited":
      case "comment.deleted":
        return true;
      case "card.archived": // it leaves the board; an open drawer says so (drawer.js)
        if (el) SB.removeCard(el);
        return true;
      case "card.restored": // back where it was: the board from the server shows it
        return !!el;
      case "column.updated":
        return columnUpdated(d);
      // Columns and lanes added, reordered or removed (their cards' moves come first as
      // card.moved): the board from the server draws the new layout.
      case "column.created":
      case "column.removed":
      case "lane.created":
      case "lane.updated":
      case "lane.removed":
        return false;
      case "board.updated":
        if (d.name) { document.getElementById("board-name").textContent = d.name; document.title = d.name + " · Swarmboard"; }
        return true;
      case "wip.exceeded":
      case "wip.overridden":
        return true; // recorded for the log; the move itself is its own event
      // Not drawn on the cards: the open drawer's insight and confirmation follow them
      // (insight.js); the reopen that a "not solved" causes is its own card.reopened.
      case "interaction.recorded":
      case "card.linked":
      case "card.unlinked":
      case "confirmation.requested":
      case "confirmation.withdrawn":
      case "customer.confirmed":
      case "customer.rejected":
      case "survey.recorded":
      case "evidence.added":
      case "evidence.removed":
        insight(ev);
        return true;
      default: {
        const type = String(ev.type);
        // swarm.*: badges on the cards, the drawer's swarm panel, invitations (swarm.js).
        if (type.startsWith("swarm.") && SB.swarmEvent) return SB.swarmEvent(ev);
        // alert.*: flags on cards and columns, toasts, the alerts panel (alerts.js). They
        // re-render the board only if one names a card or column the page lacks.
        if (type.startsWith("alert.")) return SB.alertEvent ? SB.alertEvent(ev) : true;
        // SLA policies are not shown on the board.
        if (type.startsWith("sla_policy.")) return true;
        return false;
      }
    }
  }

  function apply(ev) {
    const last = SB.lastSeq();
    if (ev.seq <= last) return; // already shown (a replay overlapping the page)
    if (ev.seq > last + 1) { resync(); return; } // a gap: the board is the truth
    let ok = false;
    try { ok = handle(ev); } catch (err) { ok = false; }
    SB.setLastSeq(ev.seq);
    if (!ok) resync();
    // The open drawer (drawer.js, discussion.js) follows every event about its card.
    document.dispatchEvent(new CustomEvent("sb:board-event", { detail: ev }));
  }

  function receive(message) {
    if (message.type === "resync") { resync(); return; }
    if (typeof message.seq !== "number") return;
    if (resyncing) queue.push(message);
    else apply(message);
  }

  /* --- resync: re-render the columns from the server ------------------------------------ */
  async function loadFragment() {
    let res;
    try {
      res = await fetch("/boards/" + SB.boardId + "/fragment", { credentials: "same-origin" });
    } catch (err) {
      return; // offline: the reconnect replays from the last applied seq instead
    }
    if (res.status === 401) { stop("Your session has ended. Reload the page and sign in again."); return; }
    if (res.status === 404) { stop("This board is gone, or you are no longer a member of it."); return; }
    if (!res.ok) return;
    const html = await res.text();
    const seq = Number(res.headers.get("X-Last-Seq"));
    if (Number.isFinite(seq)) SB.replaceBoard(html, seq);
  }

  async function resync() {
    if (resyncing) { again = true; return resyncing; }
    resyncing = (async () => {
      do { again = false; await loadFragment(); } while (again && !live.isStopped());
    })();
    try {
      await resyncing;
    } finally {
      resyncing = null;
      const pending = queue.sort((a, b) => a.seq - b.seq);
      queue = [];
      pending.forEach(apply);
    }
  }
  SB.resync = resync;

  live.start();
})();
