/* Swarmboard board page, part 3: the create-card form, talking to the JSON API with the
 * session cookie and the CSRF header. The card drawer is drawer.js. */
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
    // Columns and lanes change while the page is open (the settings page): keep the
    // form's choices in step with the board, renames included.
    function syncChoices() {
      const meta = SB.meta();
      refill(create.elements.column_id, meta.columns.map((id, i) => [id, meta.column_names[i]]));
      const lanes = (meta.lanes || []).filter((lane) => lane.id !== null);
      let select = create.elements.lane_id;
      if (!select && lanes.length) {
        select = document.createElement("select");
        select.name = "lane_id";
        select.setAttribute("aria-label", "Lane");
        create.elements.column_id.after(select);
      }
      if (select) {
        refill(select, lanes.map((lane) => [lane.id, lane.name]));
        select.hidden = !lanes.length;
      }
    }
    function refill(select, choices) {
      const chosen = select.value;
      select.textContent = "";
      choices.forEach(([id, name]) => select.add(new Option(name, id, false, String(id) === chosen)));
    }
    document.addEventListener("sb:board-replaced", syncChoices);
    document.addEventListener("sb:board-event", function (event) {
      const ev = event.detail || {};
      if (ev.type === "column.updated" && "name" in ((ev.data || {}).changes || {})) syncChoices();
    });
  }
})();
