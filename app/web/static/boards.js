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
  const { request, show, fieldErrors, detailWith } = window.SBApi;
  const clearErrors = () => window.SBApi.clearErrors(form);

  /** The problem's detail above the button, each field's message under its field. */
  function showProblem(body) {
    const loose = fieldErrors(form, body.errors);
    const fieldsShown = (body.errors || []).length > loose.length;
    // A field's own message says it all; the detail is for what no field shows.
    if (!fieldsShown || loose.length) show(form.querySelector(".form-error"), detailWith(body, loose));
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
    const res = await request("POST", "/api/boards", { name, preset: checked ? checked.value : "support-swarming" }, "board");
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
