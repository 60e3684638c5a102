/* Swarmboard board page: editing the card in the drawer (drawer.js opens the drawer).
 * The title and the description, each edited in place (Edit, then Save or Cancel;
 * Ctrl+Enter saves, Escape cancels without closing the drawer), and the card's fields
 * (priority, channel, product, the skills it needs, blocked and its reason) in one form
 * with one Save; the skills are typed comma-separated and sent as a list.
 *
 * Every save is a PATCH through SB.drawer.patch. An in-place edit sends the version it
 * started from, so a change made meanwhile is refused rather than overwritten; a live
 * refresh refills the fields form but keeps a control someone has changed. Adds to the
 * drawer's hooks (SB.drawer.on): "fill" (the form and the Edit buttons), "reset" and
 * "close" (edits cancelled). Listens to the Edit buttons, the in-place forms' submit,
 * Cancel, keydown and input, and the fields form's submit, input and the Blocked box. */
"use strict";
(function () {
  const SB = window.SB;
  const { showError } = SB;
  const drawer = SB.drawer;
  const { state, patch } = drawer;

  const fields = document.getElementById("card-edit");
  const fieldsError = fields.querySelector(".form-error");
  const fieldsSaved = fields.querySelector(".fields-saved");
  const reasonLabel = fields.querySelector(".blocked-reason");

  /* --- title and description, in place ------------------------------------------------- */
  const LIMITS = { title: "Give the card a title." };

  function parts(name) {
    const box = drawer.el.querySelector('[data-inplace="' + name + '"]');
    return {
      box,
      view: box.querySelector(".inplace-view"),
      form: box.querySelector(".inplace-form"),
      input: box.querySelector(".inplace-form").elements[name],
      edit: box.querySelector('[data-edit="' + name + '"]'),
      error: box.querySelector(".inplace-error"),
    };
  }

  function isEditing(name) {
    return !parts(name).form.hidden;
  }

  // The version each in-place edit started from: a save is refused if the card changed
  // since (the live refresh keeps the drawer's copy current, but not what is being typed).
  const editBase = {};

  function startEdit(name) {
    const c = state.current;
    if (!c || !SB.canWork) return;
    const p = parts(name);
    editBase[name] = c.version;
    p.input.value = c[name] || "";
    p.view.hidden = true;
    p.form.hidden = false;
    showError(p.error, "");
    p.input.focus();
    if (name === "title") p.input.select();
  }

  function stopEdit(name, refocus) {
    const p = parts(name);
    if (p.form.hidden) return;
    p.form.hidden = true;
    p.view.hidden = false;
    p.edit.hidden = !SB.canWork;
    if (refocus) p.edit.focus();
  }

  function cancelEdits() {
    for (const name of ["title", "description"]) {
      stopEdit(name, false);
      showError(parts(name).error, "");
    }
  }

  async function saveEdit(name) {
    const c = state.current;
    const p = parts(name);
    if (!c) return;
    const raw = p.input.value;
    const value = name === "title" ? raw.trim() : raw.replace(/\s+$/, "");
    if (!value && LIMITS[name]) { showError(p.error, LIMITS[name]); p.input.focus(); return; }
    if (value === (c[name] || "")) { showError(p.error, ""); stopEdit(name, true); return; }
    const saved = await patch({ [name]: value }, p.error, { version: editBase[name] });
    if (saved) { stopEdit(name, true); return; }
    // Refused: a second Save is made against what the drawer now shows.
    if (state.current) editBase[name] = state.current.version;
    p.input.focus();
  }

  for (const name of ["title", "description"]) {
    const p = parts(name);
    p.edit.addEventListener("click", () => startEdit(name));
    p.form.addEventListener("submit", function (event) {
      event.preventDefault();
      saveEdit(name);
    });
    p.form.querySelector("[data-cancel-edit]").addEventListener("click", function () {
      showError(p.error, "");
      stopEdit(name, true);
    });
    p.form.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        // Escape cancels the edit; it does not close the drawer.
        event.preventDefault();
        event.stopPropagation();
        showError(p.error, "");
        stopEdit(name, true);
      } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target === p.input) {
        event.preventDefault();
        p.form.requestSubmit();
      }
    });
    p.input.addEventListener("input", () => showError(p.error, ""));
  }

  /* --- priority, channel, product, blocked: one Save ------------------------------------- */
  /** The value a form control shows for a field of the card. */
  function fieldValues(c) {
    return {
      priority: c.priority,
      channel: c.channel || "",
      product: c.product || "",
      skills: (c.skills || []).join(", "),
      blocked: !!c.blocked,
      blocked_reason: c.blocked_reason || "",
    };
  }

  /** "Billing,  sql ," -> ["Billing", "sql"]: the skills a card needs, as typed. */
  function skillList(raw) {
    return String(raw || "").split(",").map((s) => s.trim().replace(/\s+/g, " ")).filter(Boolean);
  }

  function controlValue(name) {
    const input = fields.elements[name];
    return input.type === "checkbox" ? input.checked : input.value;
  }

  function setControl(name, value) {
    const input = fields.elements[name];
    if (input.type === "checkbox") input.checked = value; else input.value = value;
  }

  /** Fill the fields form; a control someone changed keeps their choice unless ``force``. */
  function fillFields(c, force) {
    const values = fieldValues(c);
    const before = state.shownFields;
    for (const [name, value] of Object.entries(values)) {
      if (force || !before || controlValue(name) === before[name]) setControl(name, value);
    }
    state.shownFields = values;
    const readOnly = !SB.canWork;
    for (const control of fields.elements) control.disabled = readOnly;
    fields.elements.blocked_reason.disabled = readOnly || !fields.elements.blocked.checked;
    reasonLabel.hidden = !fields.elements.blocked.checked;
    fields.querySelector("button[type=submit]").hidden = readOnly;
    const segment = fields.querySelector('[data-field="segment"]');
    segment.textContent = c.segment ? "Segment: " + c.segment : "";
    segment.parentElement.hidden = !c.segment;
  }

  fields.elements.blocked.addEventListener("change", function () {
    fields.elements.blocked_reason.disabled = !this.checked;
    reasonLabel.hidden = !this.checked;
    if (this.checked) fields.elements.blocked_reason.focus();
  });
  fields.addEventListener("input", () => { fieldsSaved.textContent = ""; });

  fields.addEventListener("submit", async function (event) {
    event.preventDefault();
    const c = state.current;
    if (!c) return;
    const now = fieldValues(c);
    const changes = {};
    if (fields.elements.priority.value !== now.priority) changes.priority = fields.elements.priority.value;
    if (fields.elements.channel.value !== now.channel) changes.channel = fields.elements.channel.value || null;
    const product = fields.elements.product.value.trim();
    if (product !== now.product) changes.product = product || null;
    const skills = skillList(fields.elements.skills.value);
    if (skills.join(", ") !== now.skills) changes.skills = skills;
    const blocked = fields.elements.blocked.checked;
    const reason = fields.elements.blocked_reason.value.trim();
    if (blocked !== now.blocked) changes.blocked = blocked;
    if (blocked && reason !== now.blocked_reason) changes.blocked_reason = reason || null;
    if (!Object.keys(changes).length) { showError(fieldsError, ""); fieldsSaved.textContent = "Nothing to save: no field changed."; return; }
    const saved = await patch(changes, fieldsError, { force: true });
    fieldsSaved.textContent = saved ? "Saved." : "";
  });

  /* --- the drawer's hooks ---------------------------------------------------------------- */
  drawer.on("fill", function (c, force) {
    fillFields(c, force);
    for (const edit of drawer.el.querySelectorAll("[data-edit]")) edit.hidden = !SB.canWork || isEditing(edit.dataset.edit);
  });
  drawer.on("reset", function () {
    cancelEdits();
    fieldsSaved.textContent = "";
  });
  drawer.on("close", cancelEdits);
})();
