/* Swarmboard people page: add a person (with an invitation link shown once) or a bot
 * (with its first API token shown once), edit a profile's availability, skills, team and
 * WIP limit, name, email and role, stop and resume a bot (its kill switch), deactivate
 * and reactivate, and make a new invitation link.
 *
 * Changes go to the JSON API (/api/users…) with the session cookie and the CSRF header.
 * A refused change shows the server's problem+json inline: its detail above the Save
 * button, each field's message under the field (aria-invalid, aria-describedby). After
 * a change the page re-reads the person's fragment (/people/{id}/fragment) and swaps
 * it in, so one template draws a person either way. No window.SB: api.js (window.SBApi)
 * is all it shares. */
"use strict";
(function () {
  const list = document.getElementById("people");
  const createForm = document.getElementById("create-person");
  const linkBox = document.getElementById("invitation-box");
  const botForm = document.getElementById("create-bot");
  const tokenBox = document.getElementById("token-box");
  const pageNotice = document.getElementById("page-notice");
  const dialog = document.getElementById("deactivate-dialog");
  const rowTemplate = document.getElementById("skill-row-template");
  if (!list) return;

  /* --- talking to the server ------------------------------------------------------- */
  const { request: api, show, clearErrors, fieldErrors, detailWith } = window.SBApi;

  async function fragment(id) {
    try {
      const res = await fetch("/people/" + Number(id) + "/fragment", { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!res.ok) return null;
      const tpl = document.createElement("template");
      tpl.innerHTML = await res.text();
      return tpl.content.querySelector("article.person");
    } catch (err) {
      return null;
    }
  }

  /* --- messages ------------------------------------------------------------------------ */
  function say(message) { if (pageNotice) pageNotice.textContent = message; }

  /** The problem's detail above the button, each field's message under its field. */
  function showProblem(form, body) {
    const loose = fieldErrors(form, body.errors, function (e, path) {
      const name = path[0];
      let message = e.message || "Invalid value.";
      // The server names the pattern it checks; a person needs an example instead.
      if (name === "email" && /pattern/.test(message)) message = "Enter an email address, like name@example.com.";
      if (name === "skills" && path.length > 1 && /^\d+$/.test(path[1])) {
        const row = form.querySelectorAll(".skill-row")[Number(path[1])];
        const label = path[2] === "level" ? "level" : "name";
        message = "Skill " + (Number(path[1]) + 1) + " " + label + ": " + message;
        if (row) {
          const input = row.querySelector(path[2] === "level" ? "select" : "input");
          if (input) input.setAttribute("aria-invalid", "true");
        }
      }
      return message;
    });
    // A taken email is a 409 without errors[]: it belongs under the email field.
    const kind = String(body.type || "").split("/").pop();
    const field = { "email-taken": "email" }[kind];
    if (field && form.elements[field]) {
      show(form.querySelector('[data-field-error="' + field + '"]'), body.detail);
      form.elements[field].setAttribute("aria-invalid", "true");
    }
    show(form.querySelector(".form-error"), detailWith(body, loose));
    const first = form.querySelector("[aria-invalid=true]");
    if (first) first.focus();
  }

  /* --- skill rows ----------------------------------------------------------------------- */
  function addSkillRow(form) {
    const rows = form.querySelector(".skill-rows");
    if (!rows || !rowTemplate) return;
    const row = rowTemplate.content.firstElementChild.cloneNode(true);
    rows.appendChild(row);
    row.querySelector("input").focus();
  }

  function skillsOf(form) {
    const skills = [];
    for (const row of form.querySelectorAll(".skill-row")) {
      const name = String(row.querySelector("input").value || "").trim();
      if (!name) continue;
      skills.push({ name, level: Number(row.querySelector("select").value) });
    }
    return skills;
  }

  /* --- a person's forms ------------------------------------------------------------------ */
  function payload(form) {
    const f = form.elements;
    switch (form.dataset.kind) {
      case "availability": return { availability: f.availability.value };
      case "skills": return { skills: skillsOf(form) };
      case "work": {
        const raw = String(f.wip_limit.value || "").trim();
        const limit = raw === "" ? (f.wip_limit.validity.badInput ? "not a number" : null) : Number(raw);
        return { team: String(f.team.value || "").trim() || null, wip_limit: limit };
      }
      case "identity": {
        const body = { name: String(f.name.value || "").trim() };
        if (f.email) body.email = String(f.email.value || "").trim(); // a bot has none to edit
        if (!f.role.disabled) body.role = f.role.value;
        return body;
      }
    }
    return {};
  }

  const SAVED = { availability: "Availability saved.", skills: "Skills saved.", work: "Team and WIP limit saved.", identity: "Name, email and role saved." };

  async function replacePerson(article, id, kind, message) {
    const fresh = await fragment(id);
    if (!fresh) { say(message + " Reload the page to see it."); return; }
    article.replaceWith(fresh);
    const notice = fresh.querySelector(".person-notice");
    if (notice) notice.textContent = message;
    const details = fresh.querySelector(".person-edit");
    if (details && kind) {
      details.open = true;
      const button = fresh.querySelector('form[data-kind="' + kind + '"] button[type=submit]');
      if (button) button.focus();
    }
  }

  list.addEventListener("submit", async function (event) {
    const form = event.target.closest("form.person-form");
    if (!form) return;
    event.preventDefault();
    clearErrors(form);
    const article = form.closest("article.person");
    const id = article.dataset.userId;
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    const res = await api("PATCH", "/api/users/" + Number(id), payload(form));
    submit.disabled = false;
    if (!res.ok) { showProblem(form, res.body); return; }
    await replacePerson(article, id, form.dataset.kind, SAVED[form.dataset.kind] || "Saved.");
  });

  document.addEventListener("input", function (event) {
    const form = event.target.closest && event.target.closest("form");
    if (!form || !event.target.name) return;
    const box = form.querySelector('[data-field-error="' + event.target.name + '"]');
    if (box) show(box, "");
    event.target.removeAttribute("aria-invalid");
  });

  document.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const action = button.dataset.action;
    if (action === "add-skill") addSkillRow(button.closest("form"));
    else if (action === "remove-skill") {
      const form = button.closest("form");
      button.closest(".skill-row").remove();
      const add = form.querySelector('[data-action="add-skill"]');
      if (add) add.focus();
    } else if (action === "copy-link") copyLink();
    else if (action === "hide-link") { linkBox.hidden = true; say(""); }
    else if (action === "deactivate") confirmDeactivate(button.closest("article.person"));
    else if (action === "reactivate") lifecycle(button.closest("article.person"), "reactivate");
    else if (action === "invite") newLink(button.closest("article.person"));
    else if (action === "bot-stop") killSwitch(button.closest("article.person"), "away");
    else if (action === "bot-resume") killSwitch(button.closest("article.person"), "available");
    else if (action === "copy-token") copySecret(tokenBox);
    else if (action === "hide-token") { tokenBox.hidden = true; say(""); }
  });

  /* --- a bot's kill switch: availability away (Stop) or available (Resume) -------------- */
  async function killSwitch(article, availability) {
    const box = article.querySelector(".action-error");
    show(box, "");
    const id = article.dataset.userId;
    const res = await api("PATCH", "/api/users/" + Number(id), { availability });
    if (!res.ok) { show(box, res.body.detail); return; }
    const stopped = availability === "away";
    await replacePerson(article, id, null, article.dataset.name + (stopped ? " is stopped: its requests are refused." : " is running again."));
    const fresh = document.getElementById("person-" + Number(id));
    const next = fresh && fresh.querySelector('[data-action="' + (stopped ? "bot-resume" : "bot-stop") + '"]');
    if (next) next.focus();
  }

  /* --- invitation links ----------------------------------------------------------------- */
  function showLink(name, url) {
    if (tokenBox) tokenBox.hidden = true;
    linkBox.querySelector(".invitation-title").textContent = "Invitation link for " + name + ".";
    linkBox.querySelector(".secret-value").value = url;
    show(linkBox.querySelector(".copy-hint"), "");
    linkBox.hidden = false;
    linkBox.scrollIntoView({ block: "nearest" });
    linkBox.querySelector(".secret-value").select();
  }

  function copyLink() { return copySecret(linkBox); }

  /** Copy a secret box's value (an invitation link, a bot's token). */
  async function copySecret(box) {
    const input = box.querySelector(".secret-value");
    const hint = box.querySelector(".copy-hint");
    try {
      await navigator.clipboard.writeText(input.value);
      show(hint, "Copied.");
    } catch (err) {
      input.select();
      show(hint, "Copying was not allowed here: it is selected, press Ctrl+C (⌘C).");
    }
  }

  async function newLink(article) {
    const box = article.querySelector(".action-error");
    show(box, "");
    const res = await api("POST", "/api/users/" + Number(article.dataset.userId) + "/invitation");
    if (!res.ok) { show(box, res.body.detail); return; }
    showLink(article.dataset.name, res.body.invitation_url);
  }

  /* --- deactivate and reactivate ------------------------------------------------------------ */
  async function lifecycle(article, what) {
    const box = article.querySelector(".action-error");
    show(box, "");
    const id = article.dataset.userId;
    const res = await api("POST", "/api/users/" + Number(id) + "/" + what);
    if (!res.ok) { show(box, res.body.detail); return; }
    const done = what === "deactivate" ? " is deactivated." : " is active again; they can sign in.";
    await replacePerson(article, id, null, article.dataset.name + done);
    const fresh = document.getElementById("person-" + Number(id));
    const next = fresh && fresh.querySelector('[data-action="' + (what === "deactivate" ? "reactivate" : "deactivate") + '"]');
    if (next) next.focus();
  }

  function confirmDeactivate(article) {
    if (!dialog || typeof dialog.showModal !== "function") return;
    dialog.querySelector(".deactivate-name").textContent = article.dataset.name;
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue === "deactivate") lifecycle(article, "deactivate");
    };
    dialog.showModal();
  }

  /* --- add a person ----------------------------------------------------------------------- */
  if (createForm) {
    const passwordParts = createForm.querySelectorAll(".new-password");
    createForm.addEventListener("change", function (event) {
      if (event.target.name !== "access") return;
      const byPassword = createForm.elements.access.value === "password";
      for (const part of passwordParts) part.hidden = !byPassword;
      if (!byPassword) createForm.elements.password.value = "";
    });
    createForm.addEventListener("submit", async function (event) {
      event.preventDefault();
      clearErrors(createForm);
      const f = createForm.elements;
      const body = {
        name: String(f.name.value || "").trim(),
        email: String(f.email.value || "").trim(),
        role: f.role.value,
        skills: skillsOf(createForm),
      };
      const team = String(f.team.value || "").trim();
      if (team) body.team = team;
      if (f.access.value === "password") body.password = f.password.value;
      else body.invite = true;
      const submit = createForm.querySelector("button[type=submit]");
      submit.disabled = true;
      const res = await api("POST", "/api/users", body);
      submit.disabled = false;
      if (!res.ok) { showProblem(createForm, res.body); return; }
      createForm.reset();
      for (const row of createForm.querySelectorAll(".skill-row")) row.remove();
      for (const part of passwordParts) part.hidden = true;
      const article = await fragment(res.body.id);
      if (article) list.prepend(article);
      const total = document.querySelector(".people-total");
      if (total) total.textContent = String(Number(total.textContent || 0) + 1);
      say("Added " + res.body.name + ".");
      if (res.body.invitation_url) showLink(res.body.name, res.body.invitation_url);
      else f.name.focus();
    });
  }
  /* --- add a bot (no email, password or invitation: its first API token, shown once) --- */
  if (botForm) {
    botForm.addEventListener("submit", async function (event) {
      event.preventDefault();
      clearErrors(botForm);
      const f = botForm.elements;
      const raw = String(f.wip_limit.value || "").trim();
      const body = {
        kind: "bot",
        name: String(f.name.value || "").trim(),
        skills: skillsOf(botForm),
        wip_limit: raw === "" ? (f.wip_limit.validity.badInput ? "not a number" : null) : Number(raw),
      };
      const team = String(f.team.value || "").trim();
      if (team) body.team = team;
      const submit = botForm.querySelector("button[type=submit]");
      submit.disabled = true;
      const res = await api("POST", "/api/users", body);
      submit.disabled = false;
      if (!res.ok) { showProblem(botForm, res.body); return; }
      botForm.reset();
      for (const row of botForm.querySelectorAll(".skill-row")) row.remove();
      const article = await fragment(res.body.id);
      if (article) list.prepend(article);
      const total = document.querySelector(".people-total");
      if (total) total.textContent = String(Number(total.textContent || 0) + 1);
      say("Added the bot " + res.body.name + ".");
      tokenBox.querySelector(".token-title").textContent = "API token for " + res.body.name + ".";
      tokenBox.querySelector(".secret-value").value = res.body.token;
      tokenBox.querySelector(".mcp-url").textContent = location.origin + "/mcp";
      show(tokenBox.querySelector(".copy-hint"), "");
      linkBox.hidden = true;
      tokenBox.hidden = false;
      tokenBox.scrollIntoView({ block: "nearest" });
      tokenBox.querySelector(".secret-value").select();
    });
  }
})();
