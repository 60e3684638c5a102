/* Swarmboard board settings page: moving and removing rows (columns, lanes, members,
 * SLA policies).
 *
 * Moving sends the row's new 0-based place (PATCH {position}). Removing asks first, in
 * one dialog: for a column that holds cards, where they go (the other columns; a lane's
 * cards may also leave lanes). The server decides: a column it finds not empty answers
 * 409 column-not-empty with card_count and the dialog asks then; a WIP refusal of the
 * destination is shown in the dialog, which stays open. */
"use strict";
(function () {
  const S = window.SBSettings;
  const main = document.querySelector("main.settings");
  const dialog = document.getElementById("settings-dialog");
  const boardId = S.boardId;
  const { api, refresh, say, formError, showProblem, sectionOf } = S;

  /* --- the confirm dialog (remove, with "where do its cards go?") ------------------- */
  let pending = null; // {confirm: async (choice) => true | false}

  function openDialog(opts) {
    const form = dialog.querySelector("form");
    dialog.querySelector("#settings-dialog-title").textContent = opts.title;
    dialog.querySelector(".dialog-text").textContent = opts.text;
    dialog.querySelector("[data-confirm]").textContent = opts.confirm;
    formError(form, "");
    setChoices(null);
    pending = opts;
    dialog.showModal();
  }

  /** Offer where the cards go: radio buttons, the first one chosen. */
  function setChoices(choices, legend) {
    const box = dialog.querySelector(".dialog-choices");
    const list = box.querySelector(".choices");
    list.textContent = "";
    box.hidden = !choices;
    if (!choices) return;
    box.querySelector("legend").textContent = legend;
    choices.forEach((c, i) => {
      const label = document.createElement("label");
      label.className = "check";
      const radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "target";
      radio.value = String(c.id);
      radio.checked = i === 0;
      label.append(radio, " " + c.name);
      list.append(label);
    });
  }

  dialog.querySelector("[data-cancel]").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => { pending = null; });
  dialog.querySelector("form").addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!pending) return;
    const form = event.currentTarget;
    const chosen = form.querySelector('input[name="target"]:checked');
    const button = form.querySelector("[data-confirm]");
    if (button.getAttribute("aria-disabled")) return;
    button.setAttribute("aria-disabled", "true");
    const done = await pending.run(chosen ? Number(chosen.value) : null);
    button.removeAttribute("aria-disabled");
    if (done) dialog.close();
  });

  /* --- row actions: move, remove -------------------------------------------------------- */
  const URLS = {
    column: (id) => "/api/columns/" + Number(id),
    lane: (id) => "/api/lanes/" + Number(id),
    member: (id) => "/api/boards/" + boardId + "/members/" + Number(id),
    policy: (id) => "/api/boards/" + boardId + "/sla-policies/" + Number(id),
  };
  const WORDS = { column: "column", lane: "lane", member: "member", policy: "SLA policy" };

  async function move(row, button) {
    const res = await api("PATCH", URLS[row.dataset.kind](row.dataset.id), { position: Number(button.dataset.to) });
    const form = row.querySelector("form.set-form");
    if (!res.ok) { showProblem(form, res); return; }
    await refresh(sectionOf(row));
    say(row.dataset.name + " moved.");
  }

  function others(row) {
    return Array.from(row.parentElement.querySelectorAll(":scope > .set-row"))
      .filter((r) => r !== row).map((r) => ({ id: r.dataset.id, name: r.dataset.name }));
  }

  function remove(row) {
    const kind = row.dataset.kind;
    const name = row.dataset.name;
    const section = sectionOf(row);
    const count = Number(row.dataset.cardCount || 0);
    const holder = kind === "column" || kind === "lane";
    // A lane's cards may also leave lanes altogether (no move_cards_to): they stay in
    // their columns. A column's cards must go to another column.
    const choices = kind === "lane" ? others(row).concat([{ id: "", name: "No lane (they stay in their columns)" }]) : others(row);
    const ask = (n) => setChoices(choices, n === 1 ? "Move its card to" : n ? "Move its " + n + " cards to" : "Move its cards to");
    const texts = {
      column: "The column leaves the board; its history stays in the metrics and exports.",
      lane: "The lane leaves the board.",
      member: name + " loses access to this board.",
      policy: "Cards that follow it fall back to the next policy that matches them.",
    };
    openDialog({
      title: (kind === "policy" ? "Delete " : "Remove ") + name + "?",
      text: texts[kind],
      confirm: kind === "policy" ? "Delete" : "Remove",
      run: async function (target) {
        let url = URLS[kind](row.dataset.id);
        if (holder && target) url += "?move_cards_to=" + target;
        const res = await api("DELETE", url);
        const form = dialog.querySelector("form");
        if (res.ok || res.status === 404) {
          await refresh(section);
          say(name + (kind === "policy" ? " deleted." : " removed."));
          return true;
        }
        if (holder && String(res.body.type || "").endsWith("column-not-empty")) {
          const n = Number(res.body.card_count || 0);
          ask(n);
          formError(form, choices.length
            ? (n === 1 ? "It still holds a card: choose where it goes." : "It still holds " + n + " cards: choose where they go.")
            : res.body.detail);
          return false;
        }
        formError(form, res.body.detail);
        return false;
      },
    });
    if ((kind === "column" && count > 0) || (kind === "lane" && choices.length > 1)) ask(kind === "column" ? count : 0);
  }

  main.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-action]");
    if (!button || button.disabled) return;
    const row = button.closest(".set-row");
    if (!row) return;
    if (button.dataset.action === "move") move(row, button);
    else if (button.dataset.action === "remove") remove(row);
  });

})();
