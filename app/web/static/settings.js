/* Swarmboard board settings page: the board, its columns, lanes, members and SLA
 * policies (/boards/{id}/settings).
 *
 * Every form saves when it is submitted (Enter or its Save button), never on blur: a
 * PATCH form sends only the fields that differ from what the server rendered, an add
 * form sends them all. Fields say how their text becomes JSON with data-kind (text,
 * nullable, int, bool, duration with its unit select, person). A refusal is shown next
 * to the field it names (the problem's errors[]) and on the form (its detail), with
 * aria-invalid and aria-describedby; nothing uses alert().
 *
 * After a change the section is re-read from the server (/boards/{id}/settings/fragment
 * ?section=…) and swapped in, keeping what the person is typing in other forms and their
 * focus; settings_live.js does the same when the board's websocket announces a change
 * someone else made. Moving and removing rows is settings_rows.js, finding a person
 * settings_people.js, the websocket settings_live.js; they meet on window.SBSettings. */
"use strict";
(function () {
  const body = document.body;
  const boardId = Number(body.dataset.boardId);
  const notice = document.getElementById("settings-notice");
  const main = document.querySelector("main.settings");
  const GONE = window.SBApi.GONE;

  /* --- talking to the server ------------------------------------------------------- */
  const api = window.SBApi.request;

  function say(message) { notice.textContent = message || ""; }

  /* --- re-reading a section ---------------------------------------------------------- */
  const queues = new Map(); // section -> the refresh in progress (one at a time)

  /** What the person is in the middle of in a form: its field values and messages. */
  function keep(form) {
    const fields = Array.from(form.querySelectorAll("input, select, textarea")).map((f) => ({
      id: f.id, value: f.value, checked: f.checked, invalid: f.getAttribute("aria-invalid"),
    }));
    const messages = Array.from(form.querySelectorAll(".field-error, .form-error")).map((p) => ({
      field: p.dataset.fieldError || null, text: p.textContent, hidden: p.hidden,
    }));
    return { fields, messages };
  }

  function restore(form, kept) {
    for (const f of kept.fields) {
      const el = f.id && form.querySelector("#" + CSS.escape(f.id));
      if (!el) continue;
      if (el.type === "checkbox") el.checked = f.checked; else el.value = f.value;
      if (f.invalid) el.setAttribute("aria-invalid", f.invalid);
    }
    const boxes = Array.from(form.querySelectorAll(".field-error, .form-error"));
    kept.messages.forEach((msg, i) => {
      const box = boxes[i];
      if (box && (box.dataset.fieldError || null) === msg.field) { box.textContent = msg.text; box.hidden = msg.hidden; }
    });
    form.dataset.dirty = "1";
  }

  function sameValue(fresh, old) {
    const typed = (el) => (el.tagName === "INPUT" && el.type !== "checkbox" && el.type !== "radio") || el.tagName === "TEXTAREA";
    return typed(fresh) && typed(old) && fresh.type === old.type && fresh.value === old.value
      && fresh.disabled === old.disabled && fresh.readOnly === old.readOnly;
  }

  async function reload(section) {
    const old = document.getElementById("settings-" + section);
    if (!old) return false;
    let res;
    try {
      res = await fetch("/boards/" + boardId + "/settings/fragment?section=" + section, {
        credentials: "same-origin", headers: { Accept: "text/html" },
      });
    } catch (err) {
      return false;
    }
    if (!res.ok) {
      const text = res.status === 401 ? GONE : await res.text();
      say(res.status === 404 ? "This board is gone, or you are no longer a member of it." : text);
      if (SBSettings.onRefused) SBSettings.onRefused(res.status);
      return false;
    }
    const tpl = document.createElement("template");
    tpl.innerHTML = await res.text();
    const fresh = tpl.content.querySelector("section[data-section]");
    const current = document.getElementById("settings-" + section);
    if (!fresh || !current) return false;
    // What the person is typing elsewhere in the section survives someone else's change.
    const kept = new Map();
    current.querySelectorAll("form.set-form[data-dirty]").forEach((f) => kept.set(f.dataset.key, keep(f)));
    // A form's "Saved." stays too: the live event of that very save re-reads the section.
    const notes = new Map();
    current.querySelectorAll("form.set-form .saved").forEach((box) => {
      if (box.textContent) notes.set(box.closest("form.set-form").dataset.key, box.textContent);
    });
    const active = document.activeElement;
    const focusId = active && current.contains(active) ? active.id : null;
    const focusAction = !focusId && active && current.contains(active) && active.dataset.action
      ? [active.closest(".set-row") && active.closest(".set-row").dataset.id, active.dataset.action] : null;
    current.replaceWith(fresh);
    for (const [key, state] of kept) {
      const form = fresh.querySelector('form.set-form[data-key="' + CSS.escape(key) + '"]');
      if (form) restore(form, state);
    }
    for (const [key, note] of notes) {
      const box = fresh.querySelector('form.set-form[data-key="' + CSS.escape(key) + '"] .saved');
      if (box) box.textContent = note;
    }
    let again = focusId && fresh.querySelector("#" + CSS.escape(focusId));
    // The field the person is in stays the very same element when its value did not
    // change: the caret, a selection (select-all before typing over it) and half-typed
    // input survive a re-read that landed between two keystrokes.
    if (again && active.id === focusId && sameValue(again, active)) {
      again.replaceWith(active);
      again = active;
    }
    if (!again && focusAction) {
      const row = fresh.querySelector('.set-row[data-id="' + CSS.escape(String(focusAction[0])) + '"]');
      again = row && row.querySelector('[data-action="' + focusAction[1] + '"]:not([disabled])');
    }
    if (again) again.focus({ preventScroll: true });
    if (section === "board") {
      const name = fresh.querySelector("#board-name");
      if (name && name.defaultValue) {
        document.getElementById("settings-board-name").textContent = name.defaultValue;
        document.getElementById("board-link").textContent = name.defaultValue;
        document.title = "Settings · " + name.defaultValue + " · Swarmboard";
      }
    }
    return true;
  }

  /** Re-read a section from the server (queued: one refresh of a section at a time). */
  function refresh(section) {
    const next = (queues.get(section) || Promise.resolve()).then(() => reload(section)).catch(() => false);
    queues.set(section, next);
    next.then(() => { if (queues.get(section) === next) queues.delete(section); });
    return next;
  }

  /* --- reading a form ------------------------------------------------------------------ */
  const number = (text) => (/^\s*-?\d+(\.\d+)?\s*$/.test(text) ? Number(text) : NaN);

  /** A field's JSON value; with ``initial``, the value the server rendered. */
  function valueOf(field, initial) {
    const kind = field.dataset.kind || "text";
    if (kind === "bool") return initial ? field.defaultChecked : field.checked;
    let text;
    if (field.tagName === "SELECT") {
      const opts = Array.from(field.options);
      const chosen = initial ? opts.find((o) => o.defaultSelected) || opts[0] : field.options[field.selectedIndex];
      text = chosen ? chosen.value : "";
    } else {
      text = initial ? field.defaultValue : field.value;
    }
    text = text.trim();
    if (kind === "text") return text;
    if (text === "") return null;
    if (kind === "nullable") return text;
    if (kind === "int") { const n = number(text); return Number.isFinite(n) ? n : text; }
    if (kind === "duration") {
      const unit = document.getElementById(field.dataset.unit);
      const opts = Array.from(unit.options);
      const chosen = initial ? opts.find((o) => o.defaultSelected) || opts[0] : unit.options[unit.selectedIndex];
      const n = number(text);
      // Not a number: sent as typed, so the server's refusal names the field.
      return Number.isFinite(n) ? Math.round(n * Number(chosen.value)) : text;
    }
    return text;
  }

  function payloadOf(form) {
    const patch = form.dataset.method === "PATCH";
    const out = {};
    form.querySelectorAll("[name][data-kind]").forEach((field) => {
      if (field.dataset.kind === "person") return;
      const value = valueOf(field, false);
      if (patch && value === valueOf(field, true)) return;
      if (!patch && value === null) return;
      out[field.name] = value;
    });
    return out;
  }

  /* --- showing what the server said ----------------------------------------------------- */
  function clearErrors(form) {
    form.querySelectorAll(".field-error, .form-error").forEach((p) => { p.textContent = ""; p.hidden = true; });
    form.querySelectorAll("[aria-invalid]").forEach((f) => f.removeAttribute("aria-invalid"));
  }

  function fieldError(form, field, message) {
    const box = form.querySelector('[data-field-error="' + CSS.escape(field) + '"]');
    if (!box) return false;
    box.textContent = message;
    box.hidden = false;
    const input = form.querySelector('[name="' + CSS.escape(field) + '"]');
    if (input) input.setAttribute("aria-invalid", "true");
    return true;
  }

  function formError(form, message) {
    const box = form.querySelector(".form-error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  function showProblem(form, res) {
    clearErrors(form);
    let first = null;
    const unplaced = [];
    for (const e of res.body.errors || []) {
      const field = String(e.field || "").split(".").pop();
      const message = String(e.message || "Not a valid value.").replace(/^Value error, /, "");
      if (!fieldError(form, field, message)) unplaced.push(message);
      else if (!first) first = form.querySelector('[name="' + CSS.escape(field) + '"]');
    }
    // A refusal about the whole body (no field of this form) says what it is itself.
    formError(form, unplaced.length ? unplaced.join(" ") : res.body.detail);
    if (first) first.focus();
  }

  function saved(form, message) {
    const box = form.querySelector(".saved");
    if (box) box.textContent = message;
  }

  /* --- submitting ------------------------------------------------------------------------ */
  const sectionOf = (node) => node.closest("section[data-section]").dataset.section;
  const busy = new WeakSet();

  async function submit(form) {
    if (busy.has(form)) return;
    clearErrors(form);
    let payload = payloadOf(form);
    if (form.dataset.key === "add-member") {
      const found = await SBSettings.resolvePerson(form);
      if (!found) return;
      payload = Object.assign(payload, { user_id: found });
    }
    if (form.dataset.method === "PATCH" && !Object.keys(payload).length) {
      saved(form, "Nothing changed.");
      return;
    }
    busy.add(form);
    const button = form.querySelector("button[type=submit]");
    button.setAttribute("aria-disabled", "true");
    const res = await api(form.dataset.method, form.dataset.url, payload);
    button.removeAttribute("aria-disabled");
    busy.delete(form);
    if (!res.ok) { showProblem(form, res); return; }
    delete form.dataset.dirty;
    const section = sectionOf(form);
    const adding = form.dataset.method === "POST";
    await refresh(section);
    say(adding ? "Added." : "Saved.");
    const fresh = document.querySelector('form.set-form[data-key="' + CSS.escape(form.dataset.key) + '"]');
    if (fresh && !adding) saved(fresh, "Saved.");
    if (fresh && adding) {
      const first = fresh.querySelector("input");
      if (first) first.focus();
    }
  }

  main.addEventListener("submit", function (event) {
    const form = event.target.closest("form.set-form");
    if (!form) return;
    event.preventDefault();
    submit(form);
  });
  main.addEventListener("input", function (event) {
    const form = event.target.closest("form.set-form");
    if (!form) return;
    form.dataset.dirty = "1";
    saved(form, "");
  });
  main.addEventListener("change", function (event) {
    const form = event.target.closest("form.set-form");
    if (form) form.dataset.dirty = "1";
  });

  const SBSettings = (window.SBSettings = window.SBSettings || {});
  SBSettings.api = api;
  SBSettings.refresh = refresh;
  SBSettings.say = say;
  SBSettings.fieldError = fieldError;
  SBSettings.formError = formError;
  SBSettings.showProblem = showProblem;
  SBSettings.sectionOf = sectionOf;
  SBSettings.boardId = boardId;
  SBSettings.sections = ["board", "columns", "lanes", "members", "policies"];
})();
