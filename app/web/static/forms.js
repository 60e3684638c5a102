/* Swarmboard board page, part 3: the create-card form and the card detail drawer,
 * both talking to the JSON API with the session cookie and the CSRF header. The drawer
 * announces sb:drawer-open, sb:card-loaded and sb:drawer-closed (swarm.js listens). */
"use strict";
(function () {
  const SB = window.SB;

  function showError(form, message) {
    const box = form.querySelector(".form-error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  /** Show a card the API returned, unless the live stream already put it there. */
  SB.showCard = function (c) {
    const existing = SB.card(c.id);
    const since = Date.parse(c.column_entered_at) / 1000;
    if (existing) {
      SB.setOwner(existing, c.owner_id);
      return existing;
    }
    const el = SB.buildCard(Object.assign({}, c, { since }));
    if (!SB.placeCard(el, c.column_id, c.lane_id, c.position)) return null;
    return el;
  };

  /* --- create a card ----------------------------------------------------------------- */
  const create = document.getElementById("create-card");
  if (create) {
    create.addEventListener("submit", async function (event) {
      event.preventDefault();
      const data = new FormData(create);
      const title = String(data.get("title") || "").trim();
      if (!title) { showError(create, "Give the card a title."); return; }
      const payload = { title, priority: data.get("priority") || "normal" };
      const column = data.get("column_id");
      if (column) payload.column_id = Number(column);
      const lane = data.get("lane_id");
      if (lane) payload.lane_id = Number(lane);
      const channel = data.get("channel");
      if (channel) payload.channel = channel;
      const description = String(data.get("description") || "").trim();
      if (description) payload.description = description;
      const button = create.querySelector("button[type=submit]");
      button.disabled = true;
      const res = await SB.api("POST", "/api/boards/" + SB.boardId + "/cards", payload);
      button.disabled = false;
      if (!res.ok) { showError(create, res.body.detail); return; }
      showError(create, "");
      create.elements.title.value = "";
      create.elements.description.value = "";
      SB.showCard(res.body);
      create.elements.title.focus();
    });
    create.elements.title.addEventListener("input", () => showError(create, ""));
    // Columns can change while the page is open: keep the column choice in step.
    document.addEventListener("sb:board-replaced", function () {
      const select = create.elements.column_id;
      const meta = SB.meta();
      const chosen = select.value;
      select.textContent = "";
      meta.columns.forEach((id, i) => select.add(new Option(meta.column_names[i], id, false, String(id) === chosen)));
    });
  }

  /* --- card detail drawer -------------------------------------------------------------- */
  const drawer = document.getElementById("card-drawer");
  const edit = document.getElementById("card-edit");
  const loading = drawer.querySelector(".drawer-loading");
  const details = drawer.querySelector(".drawer-body");
  let current = null;
  let opener = null;

  function field(name, value) {
    drawer.querySelector('[data-field="' + name + '"]').textContent = value === null || value === undefined || value === "" ? "—" : value;
  }

  function fill(c) {
    current = c;
    const members = SB.meta().members;
    drawer.querySelector("#drawer-title").textContent = c.title;
    drawer.querySelector(".drawer-desc").textContent = c.description || "No description.";
    field("channel", c.channel);
    field("product", c.product);
    field("segment", c.segment);
    field("owner", c.owner_id ? members[c.owner_id] || "Person " + c.owner_id : null);
    field("assignees", (c.assignee_ids || []).map((id) => members[id] || "Person " + id).join(", "));
    field("version", c.version);
    edit.elements.priority.value = c.priority;
    edit.elements.blocked.checked = !!c.blocked;
    edit.elements.blocked_reason.value = c.blocked_reason || "";
    const readOnly = !SB.canWork;
    for (const el of edit.elements) el.disabled = readOnly;
    edit.elements.blocked_reason.disabled = readOnly || !c.blocked;
    showError(edit, "");
    loading.hidden = true;
    details.hidden = false;
    document.dispatchEvent(new CustomEvent("sb:card-loaded", { detail: c }));
  }

  async function load(cardId) {
    const res = await SB.api("GET", "/api/cards/" + Number(cardId));
    if (drawer.dataset.cardId !== String(cardId)) return null; // another card was opened
    if (!res.ok) { loading.textContent = res.body.detail; return null; }
    fill(res.body);
    return res.body;
  }

  SB.openDrawer = function (cardId) {
    const card = SB.card(cardId);
    opener = card;
    drawer.dataset.cardId = String(cardId);
    drawer.querySelector("#drawer-title").textContent = card ? card.querySelector(".title").textContent : "Card";
    loading.textContent = "Loading…";
    loading.hidden = false;
    details.hidden = true;
    drawer.hidden = false;
    drawer.focus();
    document.dispatchEvent(new CustomEvent("sb:drawer-open", { detail: { cardId: Number(cardId) } }));
    return load(cardId);
  };

  function closeDrawer() {
    drawer.hidden = true;
    delete drawer.dataset.cardId;
    current = null;
    document.dispatchEvent(new CustomEvent("sb:drawer-closed"));
    if (opener && opener.isConnected) opener.focus();
  }

  drawer.querySelector("[data-close-drawer]").addEventListener("click", closeDrawer);
  drawer.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); closeDrawer(); } });
  edit.elements.blocked.addEventListener("change", function () {
    edit.elements.blocked_reason.disabled = !this.checked;
    if (this.checked) edit.elements.blocked_reason.focus();
  });

  edit.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!current) return;
    const payload = { version: current.version, priority: edit.elements.priority.value };
    payload.blocked = edit.elements.blocked.checked;
    if (payload.blocked) payload.blocked_reason = edit.elements.blocked_reason.value.trim() || null;
    const cardId = current.id;
    const res = await SB.api("PATCH", "/api/cards/" + cardId, payload);
    if (!res.ok) {
      const message = res.body.detail;
      if (res.status === 409) await load(cardId); // show what changed, then explain
      showError(edit, message);
      return;
    }
    fill(res.body);
    const card = SB.card(cardId);
    if (card) {
      card.dataset.priority = res.body.priority;
      SB.setBlocked(card, res.body.blocked, res.body.blocked_reason);
    }
  });
})();
