/* Swarmboard pages' JSON API: the one request function the board, board list, settings,
 * people and webhooks pages share, on window.SBApi (board.js keeps SB.api as its alias).
 *
 * Requests carry the session cookie and, for a change, the CSRF header; the token is
 * the body's data-csrf, which every page that changes something renders. The answer is
 * {ok, status, body}: body is the parsed JSON ({} for 204 or no JSON), and on a refusal
 * body.detail always says in words what went wrong, so callers can show it as it is. */
"use strict";
(function () {
  const UNREACHABLE = "The server could not be reached. Check your connection and try again.";
  const GONE = "Your session has ended. Reload the page and sign in again.";

  /** A JSON request: {ok, status, body}. ``what`` names the thing in the fallback
   *  refusal ("The server refused the <what> (N)."), "change" unless a page says. */
  async function request(method, url, data, what) {
    const headers = { Accept: "application/json" };
    if (data !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["X-CSRF-Token"] = document.body.dataset.csrf || "";
    let res;
    try {
      res = await fetch(url, {
        method, headers, credentials: "same-origin",
        body: data === undefined ? undefined : JSON.stringify(data),
      });
    } catch (err) {
      return { ok: false, status: 0, body: { detail: UNREACHABLE } };
    }
    let body = {};
    if (res.status !== 204) {
      try { body = (await res.json()) || {}; } catch (err) { body = {}; }
    }
    if (res.status === 401) body.detail = GONE;
    if (!res.ok && !body.detail) body.detail = "The server refused the " + (what || "change") + " (" + res.status + ").";
    return { ok: res.ok, status: res.status, body };
  }

  /** Put a message in a box (a form's or a field's error, a notice), hidden when empty. */
  function show(box, message) {
    if (!box) return;
    box.textContent = message || "";
    box.hidden = !message;
  }

  /* --- a refusal on a form (application/problem+json) -------------------------------- *
   * Every field's message box is <p class="field-error" data-field-error="<name>"> with
   * the id its field's aria-describedby names, and the form has one .form-error box. */

  /** Empty the form's messages and unmark its fields (a box marked data-fixed stays). */
  function clearErrors(form) {
    for (const box of form.querySelectorAll("[data-field-error]")) {
      if (!box.dataset.fixed) show(box, "");
    }
    for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    show(form.querySelector(".form-error"), "");
  }

  /** Each of the problem's errors[] under the field its path starts with (the field
   *  marked aria-invalid; a second message on a field joins the first); returns the
   *  messages no box of the form takes. ``wording(error, path)``, if given, says the
   *  message a person reads instead of the server's. */
  function fieldErrors(form, errors, wording) {
    const loose = [];
    for (const e of errors || []) {
      const path = String(e.field || "").split(".");
      const name = path[0];
      const box = form.querySelector('[data-field-error="' + name + '"]');
      if (!box) { if (e.message) loose.push(e.message); continue; }
      const message = wording ? wording(e, path) : e.message;
      show(box, box.hidden ? message : box.textContent + " " + message);
      const input = form.elements[name]; // a radio group has no one field to mark
      if (input && input.setAttribute) input.setAttribute("aria-invalid", "true");
    }
    return loose;
  }

  /** The problem's detail with the messages no field took, for the form's .form-error. */
  function detailWith(body, loose) {
    return (body.detail || "") + (loose.length ? " (" + loose.join("; ") + ")" : "");
  }

  window.SBApi = { request, show, clearErrors, fieldErrors, detailWith, UNREACHABLE, GONE };
})();
