/* Swarmboard board list: the "New board" form of leads and admins.
 *
 * It posts POST /api/boards {name, preset} with the session cookie and the CSRF header
 * and, once the board exists, opens its settings page to add the team. A refusal
 * (application/problem+json) is shown on the form: each field's message under its
 * field (aria-invalid, aria-describedby), the detail above the button. */
"use strict";
(function () {
  const form = document.getElementById("new-board");
  if (!form) return;
  const csrf = document.body.dataset.csrf || "";

  async function post(url, data) {
    let res;
    try {
      res = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(data),
      });
    } catch (err) {
      return { ok: false, status: 0, body: { detail: "The server could not be reached. Check your connection and try again." } };
    }
    let body = {};
    try { body = (await res.json()) || {}; } catch (err) { body = {}; }
    if (res.status === 401) body.detail = "Your session has ended. Reload the page and sign in again.";
    if (!res.ok && !body.detail) body.detail = "The server refused the board (" + res.status + ").";
    return { ok: res.ok, status: res.status, body };
  }

  function show(box, message) {
    if (!box) return;
    box.textContent = message || "";
    box.hidden = !message;
  }

  function clearErrors() {
    for (const box of form.querySelectorAll("[data-field-error]")) show(box, "");
    for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    show(form.querySelector(".form-error"), "");
  }

  /** The problem's detail above the button, each field's message under its field. */
  function showProblem(body) {
    const loose = [];
    for (const e of body.errors || []) {
      const name = String(e.field || "").split(".")[0];
      const box = form.querySelector('[data-field-error="' + name + '"]');
      if (!box) { if (e.message) loose.push(e.message); continue; }
      show(box, box.hidden ? e.message : box.textContent + " " + e.message);
      const field = form.elements[name];  // the radio group has no one field to mark
      if (field && field.setAttribute) field.setAttribute("aria-invalid", "true");
    }
    const fieldsShown = (body.errors || []).length > loose.length;
    // A field's own message says it all; the detail is for what no field shows.
    if (!fieldsShown || loose.length) show(form.querySelector(".form-error"), body.detail + (loose.length ? " (" + loose.join("; ") + ")" : ""));
    const first = form.querySelector("input[aria-invalid=true]") || form.querySelector("input[name=preset]:checked");
    if (first && fieldsShown) first.focus();
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    clearErrors();
    const name = String(form.elements.name.value || "").trim();
    const checked = form.querySelector("input[name=preset]:checked");
    if (!name) {
      showProblem({ detail: "The board needs a name.", errors: [{ field: "name", message: "Give the board a name, such as your team's." }] });
      return;
    }
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    const res = await post("/api/boards", { name, preset: checked ? checked.value : "support-swarming" });
    if (!res.ok || !res.body.id) {
      submit.disabled = false;
      showProblem(res.body);
      return;
    }
    // Its settings page is where the team, limits and policies are set next.
    window.location.assign("/boards/" + Number(res.body.id) + "/settings");
  });

  form.addEventListener("input", function (event) {
    const name = event.target.name;
    if (!name) return;
    show(form.querySelector('[data-field-error="' + name + '"]'), "");
    event.target.removeAttribute("aria-invalid");
  });
})();
