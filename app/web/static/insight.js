/* Swarmboard board page, part 6: the drawer's actionable insight and the customer's
 * confirmation.
 *
 * The insight section shows what the product team needs from a card (evidence, problem
 * statement, suggested fix, impact per month, effort, owner team), how complete it is,
 * and its score; agents, leads and admins edit it, viewers read it. The confirmation
 * section shows whether the customer was asked "Is your problem solved?" and what they
 * answered. Both follow the drawer (sb:drawer-open, sb:card-loaded, sb:drawer-closed)
 * and the board's event stream (live.js hands related events to SB.insightEvent).
 * The section is folded in a <details> that drawer.js opens when the card needs it. */
"use strict";
(function () {
  const SB = window.SB;
  const { el, button, showError } = SB;
  const REFRESH_DELAY_MS = 40; // a burst of events (upload, update, …) costs one fetch

  // In the order the server lists what is missing (app/insights/gate.py).
  const PARTS = ["evidence", "problem_statement", "suggested_fix", "impact_per_month", "effort_hours", "owner_team"];
  const NAMES = {
    evidence: "evidence",
    problem_statement: "problem statement",
    suggested_fix: "suggested fix",
    impact_per_month: "impact",
    effort_hours: "effort",
    owner_team: "owner team",
  };
  const TEXTS = ["problem_statement", "suggested_fix", "owner_team"];
  const NUMBERS = ["impact_per_month", "effort_hours"];

  /** What the API said went wrong: the problem's detail, and which field why. */
  function problem(res) {
    const errors = Array.isArray(res.body.errors) ? res.body.errors : [];
    const why = errors.filter((e) => e && e.message).map((e) => (e.field ? NAMES[e.field] || e.field : "") +
      (e.field ? ": " : "") + e.message).slice(0, 2);
    return res.body.detail + (why.length ? " (" + why.join("; ") + ")" : "");
  }

  function number(value, digits) {
    if (value === null || value === undefined || value === "") return "—";
    const n = Number(value);
    if (!Number.isFinite(n)) return String(value);
    return n.toLocaleString(undefined, { maximumFractionDigits: digits === undefined ? 2 : digits });
  }

  function bytes(n) {
    if (!Number.isFinite(n)) return "";
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return Math.round(n / 1024) + " KB";
    return (n / (1024 * 1024)).toFixed(1) + " MB";
  }

  /** The text an input shows for a stored value ("" for none). */
  function shown(value) {
    return value === null || value === undefined ? "" : String(value);
  }

  /* --- the insight section ------------------------------------------------------------ */
  const section = document.getElementById("insight");
  const parts = {
    loading: section.querySelector(".insight-loading"),
    error: section.querySelector(".insight-error"),
    body: section.querySelector(".insight-body"),
    meter: section.querySelector(".insight-meter"),
    meterText: section.querySelector(".insight-meter-text"),
    list: section.querySelector(".evidence-list"),
    empty: section.querySelector(".evidence-empty"),
    upload: section.querySelector("form.evidence-upload"),
    uploadStatus: section.querySelector(".evidence-status"),
    uploadError: section.querySelector("form.evidence-upload .form-error"),
    form: section.querySelector("form.insight-edit"),
    formError: section.querySelector("form.insight-edit .form-error"),
    saved: section.querySelector(".insight-saved"),
    save: section.querySelector("button[data-insight-save]"),
  };
  const fileInput = parts.upload.elements.file;
  // card: the object forms.js loaded (its version is the card form's); insight: the
  // server's last word; typed: the field values shown when that word arrived, so a live
  // refresh never overwrites what someone is typing.
  const state = { cardId: null, card: null, insight: null, typed: null };

  function setStat(name, value) {
    section.querySelector('[data-insight="' + name + '"]').textContent = value;
  }

  function teams(value) {
    if (Array.isArray(value)) return value.length ? value.join(", ") : "—";
    return number(value, 0);
  }

  function renderMeter(missing) {
    const have = PARTS.length - missing.length;
    parts.meter.max = PARTS.length;
    parts.meter.value = have;
    parts.meter.textContent = have + " of " + PARTS.length;
    const text = have + " of " + PARTS.length + " — " + (missing.length
      ? "missing: " + missing.map((m) => NAMES[m] || m).join(", ")
      : "complete: ready to hand to " + (state.insight.owner_team || "the owner team"));
    parts.meterText.textContent = text;
    section.classList.toggle("is-complete", missing.length === 0);
  }

  function buildEvidence(item) {
    const li = el("li", "evidence-item");
    const link = el("a", "evidence-open");
    link.target = "_blank";
    link.rel = "noopener";
    const img = el("img", "evidence-thumb");
    img.loading = "lazy";
    img.decoding = "async";
    link.append(img);
    const caption = el("p", "evidence-caption");
    caption.append(el("span", "evidence-name"), " ", el("span", "evidence-size muted"));
    li.append(link, caption);
    if (SB.canWork) li.append(button("Remove", "quiet evidence-remove", { evidenceRemove: String(item.id) }));
    return li;
  }

  function updateEvidence(li, item) {
    const url = item.url || "/api/evidence/" + Number(item.id) + "/content";
    const link = li.querySelector("a.evidence-open");
    const img = li.querySelector("img");
    if (link.getAttribute("href") !== url) { link.href = url; img.src = url; }
    img.alt = item.filename;
    link.title = "Open " + item.filename + " in a new tab";
    li.querySelector(".evidence-name").textContent = item.filename;
    li.querySelector(".evidence-size").textContent = bytes(Number(item.size_bytes));
    const remove = li.querySelector("button[data-evidence-remove]");
    if (remove) remove.setAttribute("aria-label", "Remove the evidence “" + item.filename + "”");
  }

  /** Keep the thumbnails in step with the server, by id: unchanged ones keep their nodes. */
  function renderEvidence(items) {
    const old = new Map();
    for (const li of Array.from(parts.list.children)) old.set(li.dataset.key, li);
    let previous = null;
    for (const item of items) {
      const key = String(item.id);
      let li = old.get(key);
      if (li) old.delete(key);
      else { li = buildEvidence(item); li.dataset.key = key; }
      updateEvidence(li, item);
      const next = previous ? previous.nextElementSibling : parts.list.firstElementChild;
      if (li !== next) parts.list.insertBefore(li, next);
      previous = li;
    }
    for (const li of old.values()) li.remove();
    parts.empty.hidden = items.length > 0;
  }

  function render(insight) {
    const fresh = state.typed === null;
    state.insight = insight;
    for (const node of section.querySelectorAll(".insight-currency")) node.textContent = insight.currency || "";
    const typed = {};
    for (const name of TEXTS.concat(NUMBERS)) {
      const input = parts.form.elements[name];
      const value = shown(insight[name]);
      // A field someone is editing keeps their text; the others follow the server.
      if (fresh || input.value === state.typed[name]) input.value = value;
      typed[name] = value;
    }
    state.typed = typed;
    renderEvidence(Array.isArray(insight.evidence) ? insight.evidence : []);
    renderMeter(Array.isArray(insight.missing) ? insight.missing : []);
    setStat("score", number(insight.score));
    setStat("frequency", number(insight.frequency, 0));
    setStat("teams_needed", teams(insight.teams_needed));
    parts.loading.hidden = true;
    parts.body.hidden = false;
  }

  const loadInsight = SB.serial(async function () {
    const cardId = state.cardId;
    if (cardId === null) return;
    const res = await SB.api("GET", "/api/cards/" + cardId + "/insight");
    if (state.cardId !== cardId) return; // another card was opened meanwhile
    if (!res.ok) { parts.loading.hidden = true; showError(parts.error, problem(res)); return; }
    showError(parts.error, "");
    render(res.body);
  }, REFRESH_DELAY_MS);

  function resetInsight(cardId) {
    state.cardId = cardId;
    state.card = null;
    state.insight = null;
    state.typed = null;
    parts.loading.hidden = false;
    parts.body.hidden = true;
    parts.list.textContent = "";
    parts.meter.value = 0;
    parts.meterText.textContent = "";
    section.classList.remove("is-complete");
    showError(parts.error, "");
    showError(parts.formError, "");
    showError(parts.uploadError, "");
    parts.saved.textContent = "";
    parts.uploadStatus.textContent = "";
    parts.form.reset();
    parts.upload.reset();
    for (const name of NUMBERS) parts.form.elements[name].removeAttribute("aria-invalid");
    const readOnly = !SB.canWork;
    for (const name of TEXTS.concat(NUMBERS)) parts.form.elements[name].readOnly = readOnly;
    parts.save.hidden = readOnly;
    parts.upload.hidden = readOnly;
    parts.empty.textContent = readOnly ? "No evidence yet." : "No evidence yet: add a screenshot or a photo of the problem.";
    busy.clear();
  }

  /** Controls waiting for the server. They are marked aria-disabled, never disabled: a
   *  disabled control drops the keyboard focus to the page. */
  const busy = {
    controls: new Set(),
    start(control) {
      if (this.controls.has(control)) return false;
      this.controls.add(control);
      control.setAttribute("aria-disabled", "true");
      return true;
    },
    end(control) {
      this.controls.delete(control);
      control.removeAttribute("aria-disabled");
    },
    clear() {
      for (const control of this.controls) control.removeAttribute("aria-disabled");
      this.controls.clear();
    },
  };

  /* --- saving the fields -------------------------------------------------------------- */
  /** The changed fields as the API takes them, or a message saying what is wrong. */
  function changes() {
    const payload = {};
    const base = state.insight || {};
    for (const name of TEXTS) {
      const text = parts.form.elements[name].value.trim();
      const value = text === "" ? null : text;
      if (value !== (base[name] === undefined ? null : base[name])) payload[name] = value;
    }
    for (const name of NUMBERS) {
      const input = parts.form.elements[name];
      const raw = input.value.trim();
      input.removeAttribute("aria-invalid");
      // A number input that cannot parse what was typed reports it as bad input.
      if (input.validity && input.validity.badInput) {
        input.setAttribute("aria-invalid", "true");
        return { error: "Give the " + NAMES[name] + " as a number.", field: input };
      }
      const value = raw === "" ? null : Number(raw);
      if (value !== null && (!Number.isFinite(value) || value < 0 || (name === "effort_hours" && value === 0))) {
        input.setAttribute("aria-invalid", "true");
        const rule = name === "effort_hours" ? "more than 0 hours" : "0 or more";
        return { error: "The " + NAMES[name] + " must be " + rule + ".", field: input };
      }
      const before = base[name] === undefined || base[name] === null ? null : Number(base[name]);
      if (value !== before) payload[name] = value;
    }
    return { payload };
  }

  parts.form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (state.cardId === null || !state.insight || !SB.canWork) return;
    parts.saved.textContent = "";
    const found = changes();
    if (found.error) { showError(parts.formError, found.error); found.field.focus(); return; }
    showError(parts.formError, "");
    if (!Object.keys(found.payload).length) { parts.saved.textContent = "Nothing to save: no field changed."; return; }
    const cardId = state.cardId;
    if (!busy.start(parts.save)) return;
    const res = await SB.api("PATCH", "/api/cards/" + cardId, found.payload);
    busy.end(parts.save);
    if (state.cardId !== cardId) return;
    if (!res.ok) { showError(parts.formError, problem(res)); return; }
    // The card form (forms.js) saves with the version it loaded: when this save was the
    // only change since, its next save must not be refused as stale because of ours.
    const card = state.card;
    if (card && card.id === cardId && Number(res.body.version) === Number(card.version) + 1) {
      card.version = res.body.version;
      for (const name of TEXTS.concat(NUMBERS)) card[name] = res.body[name];
    }
    // What was saved is now the server's word: the refresh below may show it.
    for (const name of Object.keys(found.payload)) {
      state.insight[name] = res.body[name];
      parts.form.elements[name].value = shown(res.body[name]);
      state.typed[name] = shown(res.body[name]);
    }
    parts.saved.textContent = "Saved.";
    await loadInsight();
  });

  parts.form.addEventListener("input", function (event) {
    parts.saved.textContent = "";
    if (event.target.removeAttribute) event.target.removeAttribute("aria-invalid");
  });

  /* --- evidence: upload and remove ---------------------------------------------------- */
  /** POST one file as multipart form data; the refusal in words, or "" when it was added. */
  async function upload(cardId, file) {
    const data = new FormData();
    data.append("file", file, file.name);
    let res;
    try {
      res = await fetch("/api/cards/" + cardId + "/evidence", {
        method: "POST",
        headers: { Accept: "application/json", "X-CSRF-Token": SB.csrf },
        credentials: "same-origin",
        body: data,
      });
    } catch (err) {
      return "“" + file.name + "” was not added: the server could not be reached. Check your connection and try again.";
    }
    if (res.ok) return "";
    let body = {};
    try { body = (await res.json()) || {}; } catch (err) { body = {}; }
    const type = String(body.type || "");
    const name = "“" + file.name + "” was not added: ";
    if (res.status === 415 || type.endsWith("evidence-type-refused")) {
      return name + (body.detail || "evidence must be a PNG, JPEG or WebP image.");
    }
    if (res.status === 413 || type.endsWith("evidence-too-large")) {
      return name + (body.detail || "the file is larger than 5 MB.");
    }
    if (res.status === 401) return "Your session has ended. Reload the page and sign in again.";
    return name + (body.detail || "the server refused it (" + res.status + ").");
  }

  fileInput.addEventListener("change", async function () {
    const files = Array.from(fileInput.files || []);
    const cardId = state.cardId;
    if (!files.length || cardId === null || !busy.start(fileInput)) return;
    showError(parts.uploadError, "");
    const refused = [];
    let added = 0;
    for (const file of files) {
      parts.uploadStatus.textContent = "Adding “" + file.name + "”…";
      const why = await upload(cardId, file);
      if (why) refused.push(why); else added += 1;
    }
    busy.end(fileInput);
    parts.upload.reset();
    if (state.cardId !== cardId) return;
    parts.uploadStatus.textContent = added ? (added === 1 ? "Evidence added." : added + " files added.") : "";
    showError(parts.uploadError, refused.join(" "));
    if (refused.length) fileInput.focus();
    if (added) await loadInsight();
  });

  parts.list.addEventListener("click", async function (event) {
    const remove = event.target.closest("button[data-evidence-remove]");
    if (!remove || state.cardId === null) return;
    const li = remove.closest("li");
    const name = li.querySelector(".evidence-name").textContent;
    if (!busy.start(remove)) return;
    const res = await SB.api("DELETE", "/api/evidence/" + Number(remove.dataset.evidenceRemove));
    busy.end(remove);
    if (!res.ok && res.status !== 404) {
      showError(parts.uploadError, problem(res));
      return;
    }
    showError(parts.uploadError, "");
    // Keep the keyboard user's place: the next thumbnail's Remove, else the file picker.
    const next = li.nextElementSibling || li.previousElementSibling;
    li.remove();
    parts.uploadStatus.textContent = "Removed “" + name + "”.";
    const focus = next && next.querySelector("button[data-evidence-remove]");
    (focus || fileInput).focus();
    await loadInsight();
  });

  /* --- the customer's confirmation ---------------------------------------------------- */
  const confirmation = document.getElementById("confirmation");
  const conf = {
    state: confirmation.querySelector(".confirmation-state"),
    detail: confirmation.querySelector(".confirmation-detail"),
    link: confirmation.querySelector(".confirmation-link"),
    url: confirmation.querySelector("#confirmation-url"),
    copy: confirmation.querySelector("button[data-copy-confirmation]"),
  };
  const STATES = {
    pending: "Asked the customer whether the problem is solved; no answer yet.",
    confirmed: "The customer confirmed the problem is solved.",
    rejected: "The customer said the problem is not solved: the card was reopened.",
    superseded: "The question to the customer was withdrawn (the card left its done column).",
    answered: "The customer answered the satisfaction survey.",
  };

  function renderConfirmation(c) {
    const expired = c.state === "pending" && !!c.expired;
    confirmation.dataset.state = expired ? "expired" : c.state;
    conf.state.textContent = expired
      ? "Asked the customer whether the problem is solved; the link expired without an answer."
      : STATES[c.state] || "Customer confirmation: " + c.state + ".";
    const bits = [];
    // Dates as every page shows them: "3 h ago", the local time as the tooltip (time.js).
    let moment = null;
    if (c.answered_at) moment = ["Answered ", c.answered_at];
    else if (c.state === "pending" && c.expires_at && !expired) moment = ["The link expires ", c.expires_at];
    const scores = ["csat", "ces", "nps"].filter((k) => c[k] !== null && c[k] !== undefined)
      .map((k) => k.toUpperCase() + " " + c[k]);
    if (scores.length) bits.push(scores.join(" · ") + ".");
    if (c.comment) bits.push("“" + c.comment + "”");
    // Viewers and facilitators never get the link (the API withholds it).
    const withheld = Array.isArray(c.redacted) && c.redacted.indexOf("url") !== -1;
    if (withheld && c.state === "pending" && !expired) {
      bits.push("Only agents, leads and admins see the customer's link.");
    }
    conf.detail.textContent = bits.join(" ");
    if (moment) conf.detail.prepend(moment[0], SBTime.node(moment[1]), "." + (bits.length ? " " : ""));
    conf.detail.hidden = !bits.length && !moment;
    const open = c.state === "pending" && !expired && !!c.url;
    conf.link.hidden = !open;
    if (open && conf.url.value !== c.url) conf.url.value = c.url;
    conf.copy.textContent = "Copy";
    confirmation.hidden = false;
  }

  const loadConfirmation = SB.serial(async function () {
    const cardId = state.cardId;
    if (cardId === null) return;
    const res = await SB.api("GET", "/api/cards/" + cardId + "/confirmation");
    if (state.cardId !== cardId) return;
    // No request yet (the card was never done) is a 404: nothing to show.
    if (!res.ok || !res.body || !res.body.state) { confirmation.hidden = true; return; }
    renderConfirmation(res.body);
  }, REFRESH_DELAY_MS);

  conf.copy.addEventListener("click", async function () {
    conf.url.select();
    let copied = false;
    try {
      await navigator.clipboard.writeText(conf.url.value);
      copied = true;
    } catch (err) {
      try { copied = document.execCommand("copy"); } catch (err2) { copied = false; }
    }
    conf.copy.textContent = copied ? "Copied" : "Press Ctrl+C to copy";
  });

  /* --- following the drawer and the board ---------------------------------------------- */
  document.addEventListener("sb:drawer-open", function (event) {
    resetInsight(event.detail.cardId);
    confirmation.hidden = true;
    delete confirmation.dataset.state;
    loadInsight();
    loadConfirmation();
  });
  document.addEventListener("sb:card-loaded", function (event) {
    if (event.detail.id === state.cardId) state.card = event.detail;
  });
  document.addEventListener("sb:drawer-closed", function () {
    state.cardId = null;
    state.card = null;
  });

  /** Does an event's data name this card (card_id, a link's target_id, card_ids, …)? */
  function mentions(data, cardId) {
    for (const [key, value] of Object.entries(data || {})) {
      if (!/card_ids?$|^target_id$/.test(key)) continue;
      if (Array.isArray(value) ? value.map(Number).includes(cardId) : Number(value) === cardId) return true;
    }
    return false;
  }

  const CONFIRMATION_EVENTS = new Set([
    "card.moved", "card.reopened", "confirmation.requested", "confirmation.withdrawn", "customer.confirmed",
    "customer.rejected", "survey.recorded",
  ]);

  /** An event about cards from the board stream: refresh what the open drawer shows of it.
   *  Never asks for a board re-render (live.js places the cards). */
  SB.insightEvent = function (ev) {
    if (state.cardId === null || !mentions(ev.data, state.cardId)) return true;
    if (CONFIRMATION_EVENTS.has(ev.type)) loadConfirmation.soon();
    if (ev.type !== "card.moved") loadInsight.soon();
    return true;
  };

  // After a resync the events in between were skipped: what the drawer shows may be old.
  document.addEventListener("sb:board-replaced", function () {
    if (state.cardId === null) return;
    loadInsight.soon();
    loadConfirmation.soon();
  });
})();
