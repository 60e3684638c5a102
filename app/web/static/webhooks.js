/* Swarmboard webhooks page: add an endpoint (its secret shown once), and per endpoint
 * Ping, Rotate secret, Enable/Disable, Delete, the delivery log's Refresh, Load more,
 * attempt logs and Redeliver.
 *
 * Changes go to the JSON API (/api/webhooks…) with the session cookie and the CSRF
 * header. What an endpoint looks like is the server's business: after a change the
 * page re-reads the endpoint's fragment (/webhooks/{id}/fragment) and swaps it in, and
 * "Load more" appends rows the server rendered (/webhooks/{id}/rows). One delegated
 * click listener serves every endpoint; nothing listens on a row. */
"use strict";
(function () {
  const list = document.getElementById("endpoints");
  const createForm = document.getElementById("create-webhook");
  const createdBox = document.getElementById("created-secret");
  const pageNotice = document.getElementById("page-notice");
  const dialog = document.getElementById("delete-dialog");
  const PAGE = 10;
  const MAX_ROWS = 200;
  const FOLLOW_UP_MS = [1000, 2000, 4000, 8000]; // re-read while a new delivery is pending

  /* --- talking to the server ------------------------------------------------------- */
  const { request: api, show: showError, clearErrors: clearFieldErrors, fieldErrors, detailWith } = window.SBApi;

  /** Server-rendered HTML (a fragment): {ok, status, nodes, total, message}. */
  async function html(url) {
    let res;
    try {
      res = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
    } catch (err) {
      return { ok: false, status: 0, message: "The server could not be reached. Check your connection and try again." };
    }
    const text = await res.text();
    if (!res.ok) {
      const message = res.status === 401 ? "Your session has ended. Reload the page and sign in again." : text;
      return { ok: false, status: res.status, message };
    }
    const tpl = document.createElement("template");
    tpl.innerHTML = text;
    return { ok: true, status: res.status, nodes: tpl.content, total: Number(res.headers.get("X-Total") || 0) };
  }

  /* --- small helpers ------------------------------------------------------------------ */
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /** A moment as every page shows it: "3 min ago", the local time as its tooltip (time.js). */
  function timeEl(iso) {
    return window.SBTime.render(document.createElement("time"), iso);
  }

  /** A button at work: it ignores clicks but keeps its focus (a disabled one loses it). */
  function busy(button, on) {
    if (on) button.setAttribute("aria-disabled", "true");
    else button.removeAttribute("aria-disabled");
  }

  function say(message) {
    if (pageNotice) pageNotice.textContent = message || "";
  }

  const endpointOf = (node) => node.closest("article.endpoint");
  const endpointById = (id) => list && list.querySelector('article.endpoint[data-endpoint-id="' + Number(id) + '"]');
  const rowsOf = (article) => article.querySelectorAll("tbody tr.delivery");

  function notice(article, message) {
    article.querySelector(".endpoint-notice").textContent = message || "";
  }

  function endpointError(article, message) {
    showError(article.querySelector(".form-error"), message);
  }

  function showSecret(box, secret) {
    const input = box.querySelector(".secret-value");
    input.value = secret;
    const hint = box.querySelector(".copy-hint");
    if (hint.dataset.original) hint.textContent = hint.dataset.original;
    box.hidden = false;
    input.focus();
    input.select();
  }

  function hideSecret(box) {
    box.querySelector(".secret-value").value = "";
    const hint = box.querySelector(".copy-hint");
    if (hint.dataset.original) hint.textContent = hint.dataset.original;
    box.hidden = true;
  }

  async function copySecret(box) {
    const input = box.querySelector(".secret-value");
    const hint = box.querySelector(".copy-hint");
    hint.dataset.original = hint.dataset.original || hint.textContent;
    try {
      await navigator.clipboard.writeText(input.value);
      hint.textContent = "Copied to the clipboard. Store it in your receiver's configuration now.";
    } catch (err) {
      input.focus();
      input.select();
      hint.textContent = "Selected: press Ctrl+C (⌘C on a Mac) to copy it.";
    }
  }

  function setTotal(delta) {
    const total = document.querySelector(".endpoint-total");
    if (total) total.textContent = String(Math.max(0, Number(total.textContent || 0) + delta));
    const empty = document.querySelector(".endpoints-empty");
    if (empty) empty.hidden = !!(list && list.querySelector("article.endpoint"));
  }

  /* --- re-reading an endpoint --------------------------------------------------------- */
  const queues = new Map(); // endpoint id -> the refresh in progress (one at a time)
  const followUps = new Map(); // endpoint id -> timer

  /** Swap in the server's current view of the endpoint, keeping what the person has
   *  open: an unsaved secret, expanded attempt logs, the notice, the focused button. */
  async function reload(id, extraRows) {
    const old = endpointById(id);
    if (!old) return false;
    const shown = rowsOf(old).length + (extraRows || 0);
    const limit = Math.min(MAX_ROWS, Math.max(PAGE, shown));
    const res = await html("/webhooks/" + Number(id) + "/fragment?limit=" + limit);
    const current = endpointById(id);
    if (!current) return false; // deleted meanwhile
    if (!res.ok) {
      endpointError(current, res.status === 404 ? "This endpoint no longer exists. Reload the page." : res.message);
      return false;
    }
    const fresh = res.nodes.querySelector("article.endpoint");
    const secretBox = current.querySelector(".secret-box");
    if (!secretBox.hidden) fresh.querySelector(".secret-box").replaceWith(secretBox);
    notice(fresh, current.querySelector(".endpoint-notice").textContent);
    const open = Array.from(current.querySelectorAll("tr.delivery-detail:not([hidden])")).map((tr) => tr.dataset.detailFor);
    const active = document.activeElement;
    const focusAction = active && current.contains(active) && active.dataset.action ? active.dataset.action : null;
    const focusRow = focusAction && active.closest("tr.delivery") ? active.closest("tr.delivery").dataset.deliveryId : null;
    current.replaceWith(fresh);
    for (const did of open) {
      const row = fresh.querySelector('tr.delivery[data-delivery-id="' + did + '"]');
      if (row) toggleAttempts(fresh, row, true);
    }
    if (focusAction) {
      const scope = focusRow ? fresh.querySelector('tr.delivery[data-delivery-id="' + focusRow + '"]') : fresh;
      const again = scope && scope.querySelector('[data-action="' + focusAction + '"]');
      if (again) again.focus({ preventScroll: true });
    }
    return true;
  }

  function refresh(id, extraRows) {
    const key = String(id);
    const next = (queues.get(key) || Promise.resolve()).then(() => reload(id, extraRows)).catch(() => false);
    queues.set(key, next);
    next.then(() => { if (queues.get(key) === next) queues.delete(key); });
    return next;
  }

  /** After a ping or redelivery: re-read a few times while something is still pending. */
  function followUp(id) {
    const key = String(id);
    clearTimeout(followUps.get(key));
    let step = 0;
    function tick() {
      const article = endpointById(id);
      if (!article || !article.querySelector('tr.delivery[data-state="pending"]')) { followUps.delete(key); return; }
      refresh(id).then(() => {
        step += 1;
        if (step < FOLLOW_UP_MS.length) followUps.set(key, setTimeout(tick, FOLLOW_UP_MS[step]));
        else followUps.delete(key);
      });
    }
    followUps.set(key, setTimeout(tick, FOLLOW_UP_MS[0]));
  }

  /* --- the attempt log of one delivery ---------------------------------------------- */
  function renderAttempts(box, d) {
    box.textContent = "";
    if (!d.attempt_log.length) {
      box.append(el("p", "muted", d.state === "pending" ? "Not attempted yet." : "No attempts recorded."));
    } else {
      const ol = el("ol", "attempts");
      for (const a of d.attempt_log) {
        const li = el("li", "attempt");
        li.append(timeEl(a.attempted_at), " — ");
        const what = a.status_code !== null && a.status_code !== undefined ? "HTTP " + a.status_code : "no response";
        li.append(el("strong", null, what));
        if (a.latency_ms !== null && a.latency_ms !== undefined) li.append(" in " + a.latency_ms + " ms");
        if (a.error) li.append(el("span", "delivery-error", a.error));
        if (a.response_body) {
          const pre = el("pre", "attempt-response", a.response_body);
          pre.setAttribute("aria-label", "Response body");
          li.append(pre);
        }
        ol.append(li);
      }
      box.append(el("h5", null, "Attempts (" + d.attempt_log.length + ")"), ol);
    }
    const details = el("details", "delivery-payload");
    details.append(el("summary", null, "Payload (webhook-id " + d.event_id + ")"));
    let payload = d.payload;
    try { payload = JSON.stringify(JSON.parse(d.payload), null, 2); } catch (err) { /* show it as sent */ }
    details.append(el("pre", null, payload));
    box.append(details);
  }

  async function toggleAttempts(article, row, forceOpen) {
    const detail = row.nextElementSibling;
    const button = row.querySelector('[data-action="attempts"]');
    const opening = forceOpen || detail.hidden;
    detail.hidden = !opening;
    button.setAttribute("aria-expanded", String(opening));
    if (!opening) return;
    const box = detail.querySelector(".attempt-log");
    if (!box.childElementCount) box.append(el("p", "muted", "Loading the attempts…"));
    const url = "/api/webhooks/" + Number(article.dataset.endpointId) + "/deliveries/" + Number(row.dataset.deliveryId);
    const res = await api("GET", url);
    if (!res.ok) { box.textContent = ""; box.append(el("p", "form-error", res.body.detail)); return; }
    renderAttempts(box, res.body);
  }

  /* --- Load more ---------------------------------------------------------------------- */
  async function loadMore(article, button) {
    const id = Number(article.dataset.endpointId);
    busy(button, true);
    const res = await html("/webhooks/" + id + "/rows?offset=" + rowsOf(article).length);
    busy(button, false);
    if (!res.ok) { endpointError(article, res.message); return; }
    const tbody = article.querySelector("tbody");
    for (const row of Array.from(res.nodes.querySelectorAll("tr.delivery"))) {
      const detail = row.nextElementSibling;
      // Newer deliveries shift the pages: a row already shown is not shown twice.
      if (tbody.querySelector('tr.delivery[data-delivery-id="' + row.dataset.deliveryId + '"]')) continue;
      tbody.append(row, detail);
    }
    const section = article.querySelector("section.deliveries");
    section.dataset.total = String(res.total);
    const shown = rowsOf(article).length;
    section.querySelector(".deliveries-shown").textContent = shown + " of " + res.total + ", newest first";
    button.hidden = shown >= res.total;
    if (button.hidden) section.querySelector(".deliveries-head button").focus({ preventScroll: true });
  }

  /* --- per-endpoint actions --------------------------------------------------------- */
  async function act(article, button, method, path, data) {
    endpointError(article, "");
    busy(button, true);
    const res = await api(method, "/api/webhooks/" + Number(article.dataset.endpointId) + path, data);
    busy(button, false);
    if (!res.ok) {
      endpointError(article, res.body.detail);
      if (res.status === 404) say("That endpoint is gone: reload the page to see the current list.");
      return null;
    }
    return res;
  }

  const actions = {
    async ping(article, button) {
      const res = await act(article, button, "POST", "/ping");
      if (!res) return;
      notice(article, "Ping queued (delivery " + res.body.id + "): a webhook.ping is on its way.");
      await refresh(article.dataset.endpointId, 1);
      followUp(article.dataset.endpointId);
    },
    async rotate(article, button) {
      const res = await act(article, button, "POST", "/rotate-secret");
      if (!res) return;
      const id = article.dataset.endpointId;
      notice(article, "Secret rotated. The old one keeps signing for 24 hours.");
      showSecret(article.querySelector(".secret-box"), res.body.secret);
      await refresh(id);
      const box = endpointById(id) && endpointById(id).querySelector(".secret-box");
      if (box && !box.hidden) box.querySelector(".secret-value").focus();
    },
    async toggle(article, button) {
      const enable = button.dataset.enable === "true";
      const res = await act(article, button, "PATCH", "", { enabled: enable });
      if (!res) return;
      notice(article, enable ? "Enabled: deliveries resume." : "Disabled: nothing is sent until you enable it again.");
      await refresh(article.dataset.endpointId);
    },
    delete(article) {
      if (!dialog || typeof dialog.showModal !== "function") return;
      dialog.dataset.endpointId = article.dataset.endpointId;
      dialog.querySelector(".delete-url").textContent = article.dataset.url;
      dialog.returnValue = "";
      dialog.showModal();
    },
    refresh(article, button) {
      endpointError(article, "");
      busy(button, true);
      return refresh(article.dataset.endpointId).finally(() => busy(button, false));
    },
    more(article, button) { return loadMore(article, button); },
    attempts(article, button) { return toggleAttempts(article, button.closest("tr.delivery"), false); },
    async redeliver(article, button) {
      const row = button.closest("tr.delivery");
      const res = await act(article, button, "POST", "/deliveries/" + Number(row.dataset.deliveryId) + "/redeliver");
      if (!res) return;
      notice(article, "Redelivery queued (delivery " + res.body.id + ") with the same webhook-id " + res.body.event_id + ".");
      await refresh(article.dataset.endpointId, 1);
      followUp(article.dataset.endpointId);
    },
  };

  document.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const action = button.dataset.action;
    if (action === "copy-secret") { copySecret(button.closest(".secret-box")); return; }
    if (action === "hide-secret") { hideSecret(button.closest(".secret-box")); return; }
    const article = endpointOf(button);
    if (!article || !actions[action] || button.getAttribute("aria-disabled") === "true") return;
    actions[action](article, button);
  });

  if (dialog) {
    dialog.addEventListener("close", async function () {
      const id = dialog.dataset.endpointId;
      delete dialog.dataset.endpointId;
      const article = id && endpointById(id);
      if (dialog.returnValue !== "delete" || !article) {
        const back = article && article.querySelector('[data-action="delete"]');
        if (back) back.focus();
        return;
      }
      const button = article.querySelector('[data-action="delete"]');
      const res = await act(article, button, "DELETE", "");
      if (!res) return;
      const url = article.dataset.url;
      clearTimeout(followUps.get(String(id)));
      article.remove();
      setTotal(-1);
      say("Deleted the endpoint " + url + ".");
      const heading = document.getElementById("endpoints-title");
      if (heading) { heading.tabIndex = -1; heading.focus(); }
    });
  }

  /* --- add an endpoint ------------------------------------------------------------------ */
  /** The problem's detail on top, each field's message under its field. */
  function showProblem(form, body) {
    const loose = fieldErrors(form, body.errors);
    showError(form.querySelector(".form-error"), detailWith(body, loose));
    const first = form.querySelector("[aria-invalid=true]");
    if (first) first.focus();
  }

  async function insertEndpoint(id) {
    const res = await html("/webhooks/" + Number(id) + "/fragment");
    if (!res.ok || !list) { say("The endpoint was added; reload the page to see it."); return; }
    const article = res.nodes.querySelector("article.endpoint");
    const existing = endpointById(id);
    if (existing) existing.replaceWith(article);
    else { list.prepend(article); setTotal(1); }
  }

  if (createForm) {
    createForm.addEventListener("submit", async function (event) {
      event.preventDefault();
      clearFieldErrors(createForm);
      const f = createForm.elements;
      const types = String(f.event_types.value || "").split(/[\s,]+/).filter(Boolean);
      if (!types.length) {
        showProblem(createForm, { detail: "Say which events to send.", errors: [{ field: "event_types", message: "Give at least one event type, such as card.*" }] });
        return;
      }
      const payload = { url: String(f.url.value || "").trim(), event_types: types };
      if (f.board_id.value) payload.board_id = Number(f.board_id.value);
      const description = String(f.description.value || "").trim();
      if (description) payload.description = description;
      const submit = createForm.querySelector("button[type=submit]");
      submit.disabled = true;
      const res = await api("POST", "/api/webhooks", payload);
      submit.disabled = false;
      if (!res.ok) { showProblem(createForm, res.body); return; }
      createForm.reset();
      showSecret(createdBox, res.body.secret);
      await insertEndpoint(res.body.id);
      createdBox.querySelector(".secret-value").focus();
    });
    createForm.addEventListener("input", function (event) {
      const name = event.target.name;
      if (!name) return;
      showError(createForm.querySelector('[data-field-error="' + name + '"]'), "");
      event.target.removeAttribute("aria-invalid");
    });
  }
})();
