/* Swarmboard board settings page: live, over the board's websocket
 * (/ws/boards/{id}?since=N, the protocol of live.js).
 *
 * Events arrive in seq order; the page applies none in place: an event about the board,
 * its columns, lanes, members or SLA policies re-reads that section from the server
 * (settings.js keeps what the person is typing). Card events change the column card
 * counts: they re-read the columns, at most once a second. A gap in seq, a {"type":
 * "resync"} message or close code 4000 re-reads every section. A dropped connection is
 * retried with backoff and resumes from the last seq seen; 4408 (your access changed)
 * reconnects at once and re-reads, so the server checks access again; 4400, 4401, 4403
 * and 4404 are final: the page stops and says why. */
"use strict";
(function () {
  const S = window.SBSettings;
  const FINAL = {
    4400: "The live updates could not be opened from this address. Reload the page.",
    4401: "Your session has ended. Reload the page and sign in again.",
    4403: "The live updates refused this page. Open it from Swarmboard itself.",
    4404: "This board is gone, or you are no longer a member of it.",
  };
  const CARD_DEBOUNCE_MS = 1000;
  let lastSeq = Number(document.body.dataset.lastSeq || 0);
  let cardTimer = null;

  // The connection itself (backoff, close codes, the status text) is live_socket.js's;
  // a refused re-read of a section stops it too (S.onRefused).
  const live = window.SBLiveSocket.create({
    boardId: S.boardId,
    since: () => lastSeq,
    status: document.getElementById("live-status"),
    final: FINAL,
    receive,
    resync: everything,
    stopped: (message) => S.say(message),
  });
  const stop = live.stop;
  S.onRefused = function (code) {
    if (code === 401) stop(FINAL[4401]);
    else if (code === 404) stop(FINAL[4404]);
    else if (code === 403) stop("You no longer lead this board, so its settings are not yours to change.");
  };

  function everything() { S.sections.forEach((s) => S.refresh(s)); }

  /** The sections an event changes: [] for none, null for "every section". */
  function sectionsOf(type) {
    if (type === "board.updated") return ["board"];
    if (type.startsWith("column.")) return ["columns"];
    if (type.startsWith("lane.")) return ["lanes"];
    if (type.startsWith("member.")) return ["members"];
    if (type.startsWith("sla_policy.")) return ["policies"];
    if (type.startsWith("card.")) return ["cards"];
    // Alerts, swarms, comments, customers, WIP refusals: nothing the settings show.
    if (/^(alert|swarm|comment|wip|interaction|confirmation|customer|survey|evidence)\./.test(type)) return [];
    return null;
  }

  function countsLater() {
    if (cardTimer) return;
    cardTimer = setTimeout(() => { cardTimer = null; S.refresh("columns"); }, CARD_DEBOUNCE_MS);
  }

  function receive(message) {
    if (message.type === "resync") { everything(); return; }
    if (typeof message.seq !== "number" || message.seq <= lastSeq) return;
    const gap = message.seq > lastSeq + 1;
    lastSeq = message.seq;
    const sections = gap ? null : sectionsOf(String(message.type));
    if (sections === null) { everything(); return; }
    for (const s of sections) {
      if (s === "cards") countsLater(); else S.refresh(s);
    }
  }

  live.start();
})();
