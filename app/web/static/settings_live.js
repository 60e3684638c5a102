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
  const status = document.getElementById("live-status");
  const FINAL = {
    4400: "The live updates could not be opened from this address. Reload the page.",
    4401: "Your session has ended. Reload the page and sign in again.",
    4403: "The live updates refused this page. Open it from Swarmboard itself.",
    4404: "This board is gone, or you are no longer a member of it.",
  };
  const TEXT = { live: "live", connecting: "connecting…", reconnecting: "reconnecting…" };
  const CARD_DEBOUNCE_MS = 1000;
  let lastSeq = Number(document.body.dataset.lastSeq || 0);
  let socket = null;
  let opened = false;
  let backoff = 500;
  let retry = null;
  let stopped = false;
  let accessChanges = 0;
  let cardTimer = null;

  function setStatus(state, text) {
    status.dataset.state = state;
    status.textContent = text || TEXT[state];
  }

  function stop(message) {
    if (stopped) return;
    stopped = true;
    clearTimeout(retry);
    if (socket) socket.close();
    setStatus("stopped", "offline");
    S.say(message);
  }
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

  function schedule() {
    clearTimeout(retry);
    const delay = backoff * (0.75 + Math.random() * 0.5);
    backoff = Math.min(backoff * 2, 10000);
    retry = setTimeout(connect, delay);
  }

  function connect() {
    clearTimeout(retry);
    if (stopped || socket) return;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(proto + "//" + location.host + "/ws/boards/" + S.boardId + "?since=" + lastSeq);
    socket = ws;
    opened = false;
    ws.onopen = function () {
      if (socket !== ws) return;
      opened = true;
      backoff = 500;
      setStatus("live");
    };
    ws.onmessage = function (m) {
      if (socket !== ws) return;
      let message;
      try { message = JSON.parse(m.data); } catch (err) { return; }
      accessChanges = 0;
      receive(message);
    };
    ws.onclose = function (event) {
      if (socket !== ws) return;
      socket = null;
      if (stopped) return;
      if (FINAL[event.code]) { stop(FINAL[event.code]); return; }
      setStatus("reconnecting");
      if (event.code === 4408) {
        everything(); // a refused fragment stops the page (S.onRefused)
        accessChanges += 1;
        if (accessChanges === 1) { backoff = 500; retry = setTimeout(connect, 0); return; }
      }
      if (event.code === 4429) backoff = Math.max(backoff, 5000);
      if (event.code === 4000 || (!opened && navigator.onLine)) everything();
      schedule();
    };
  }

  window.addEventListener("offline", function () {
    setStatus("reconnecting");
    if (socket) { const ws = socket; socket = null; ws.close(); schedule(); }
  });
  window.addEventListener("online", function () {
    if (stopped) return;
    backoff = 500;
    if (socket && socket.readyState !== WebSocket.OPEN) { const ws = socket; socket = null; ws.close(); }
    connect();
  });

  setStatus("connecting");
  connect();
})();
