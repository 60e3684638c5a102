/* Swarmboard's connection to a board's websocket (/ws/boards/{id}?since=N), shared by
 * the board page (live.js) and its settings page (settings_live.js) on window.SBLiveSocket.
 *
 * One socket at a time. A dropped connection is retried with backoff and resumes from
 * the page's last seq, so the server replays whatever was missed; closed before it
 * opened (no server, a proxy's refusal) or with 4000, the page re-reads everything.
 * 4408 (your access changed) re-reads and reconnects at once, so the server checks
 * access again; the page's final codes (4400, 4401, 4403, 4404) stop it with a message
 * saying why; 4429 (too many sockets open) retries slowly. The status element says
 * "connecting…", "live", "reconnecting…" or "offline". */
"use strict";
(function () {
  const CLOSE_RESYNC = 4000;
  const CLOSE_ACCESS_CHANGED = 4408;
  const CLOSE_TOO_MANY = 4429;
  const TEXT = { live: "live", connecting: "connecting…", reconnecting: "reconnecting…" };

  /** A board's live connection, not yet open: ``start()`` opens it.
   *  opts: boardId; since() -> the last seq the page has; status (the element saying the
   *  state); final {close code: why the page stops}; receive(message); resync() (re-read
   *  everything); stopped(message) (tell the person); tooMany() (optional, on 4429). */
  function create(opts) {
    let socket = null;
    let opened = false;
    let backoff = 500;
    let retry = null;
    let stopped = false;
    let accessChanges = 0; // 4408s in a row without a message in between

    function setStatus(state, text) {
      opts.status.dataset.state = state;
      opts.status.textContent = text || TEXT[state];
    }

    /** Stop for good and say why (once: a refused reconnect and a re-read may both report it). */
    function stop(message) {
      if (stopped) return;
      stopped = true;
      clearTimeout(retry);
      if (socket) socket.close();
      setStatus("stopped", "offline");
      opts.stopped(message);
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
      const ws = new WebSocket(proto + "//" + location.host + "/ws/boards/" + opts.boardId + "?since=" + opts.since());
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
        opts.receive(message);
      };
      ws.onclose = function (event) {
        if (socket !== ws) return;
        socket = null;
        if (stopped) return;
        if (opts.final[event.code]) { stop(opts.final[event.code]); return; }
        setStatus("reconnecting");
        if (event.code === CLOSE_ACCESS_CHANGED) {
          // Access changed (removed, a new role, a revoked sign-in): re-read what may differ
          // now and reconnect at once to be checked again; the reconnect's 4401 or 4404
          // (or the re-read's refusal) then stops the page, if access is gone.
          opts.resync();
          accessChanges += 1;
          if (accessChanges === 1) { backoff = 500; clearTimeout(retry); retry = setTimeout(connect, 0); return; }
        }
        if (event.code === CLOSE_TOO_MANY) {
          if (opts.tooMany) opts.tooMany();
          backoff = Math.max(backoff, 5000);
        }
        if (event.code === CLOSE_RESYNC || (!opened && navigator.onLine)) opts.resync();
        schedule();
      };
    }

    function start() {
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
    }

    return { start, stop, isStopped: () => stopped };
  }

  window.SBLiveSocket = { create };
})();
