/* Swarmboard board page: the card drawer's people (drawer.js opens the drawer). The
 * owner (a select of the board's members), the assignees (a list with a remove button
 * each, and "Add assignee…") and "Assign to me", which makes you an assignee and, when
 * the card has none, its owner.
 *
 * Filled through the drawer's "fill" hook (SB.drawer.on); every change is a PATCH through
 * SB.drawer.patch, so it carries the version the drawer loaded, and a refusal shows in
 * the section's own error box. Listens to change on the owner and "Add assignee" selects
 * and to clicks on the remove buttons and "Assign to me". Read-only roles see the names
 * only. */
"use strict";
(function () {
  const SB = window.SB;
  const { el, button } = SB;
  const drawer = SB.drawer;
  const { state, me, memberName, members, patch } = drawer;

  const people = {
    section: drawer.el.querySelector(".drawer-people"),
    owner: drawer.el.querySelector("#drawer-owner"),
    ownerText: drawer.el.querySelector('[data-field="owner"]'),
    list: drawer.el.querySelector(".assignee-list"),
    none: drawer.el.querySelector(".assignees-none"),
    add: drawer.el.querySelector('select[name="add_assignee"]'),
    assignMe: drawer.el.querySelector("[data-assign-me]"),
    error: drawer.el.querySelector(".people-error"),
  };

  function option(value, text, selected) {
    return new Option(text, value === null ? "" : String(value), false, !!selected);
  }

  function fillPeople(c) {
    const canWork = SB.canWork;
    const all = members();
    const assigned = (c.assignee_ids || []).map(Number);
    // Owner: a select of the board's members (and whoever owns it, if they left).
    people.owner.textContent = "";
    people.owner.add(option(null, "Nobody", c.owner_id === null));
    // A bot is named "(bot)" in the selects, where a badge cannot go.
    const label = (m) => m.name + (m.id === me ? " (you)" : SB.isBot(m.id) ? " (bot)" : "");
    for (const m of all) people.owner.add(option(m.id, label(m), m.id === c.owner_id));
    if (c.owner_id !== null && !all.some((m) => m.id === c.owner_id)) {
      people.owner.add(option(c.owner_id, memberName(c.owner_id), true));
    }
    people.owner.hidden = !canWork;
    people.ownerText.hidden = canWork;
    people.ownerText.textContent = c.owner_id === null ? "Nobody" : memberName(c.owner_id);
    if (SB.isBot(c.owner_id)) people.ownerText.append(" ", SB.botBadge());
    // Assignees: a list with a remove button each, and "Add assignee".
    people.list.textContent = "";
    for (const id of assigned) {
      const li = el("li", "assignee");
      li.dataset.userId = String(id);
      const name = el("span", "assignee-name", memberName(id) + (id === me ? " (you)" : ""));
      if (SB.isBot(id)) name.append(SB.botBadge());
      li.append(name);
      if (canWork) {
        const remove = button("✕", "quiet assignee-remove", { removeAssignee: String(id) });
        remove.setAttribute("aria-label", "Remove " + memberName(id) + " from the assignees");
        li.append(remove);
      }
      people.list.append(li);
    }
    people.none.hidden = assigned.length > 0;
    people.add.textContent = "";
    people.add.add(option(null, "Add assignee…", true));
    const free = all.filter((m) => !assigned.includes(m.id));
    for (const m of free) people.add.add(option(m.id, label(m)));
    people.add.hidden = !canWork || free.length === 0;
    people.assignMe.hidden = !canWork || (assigned.includes(me) && c.owner_id !== null);
  }

  drawer.on("fill", fillPeople);

  function assignees() {
    return ((state.current && state.current.assignee_ids) || []).map(Number);
  }

  people.owner.addEventListener("change", async function () {
    const c = state.current;
    if (!c) return;
    const value = people.owner.value === "" ? null : Number(people.owner.value);
    if (value === c.owner_id) return;
    if (!(await patch({ owner_id: value }, people.error))) fillPeople(state.current);
  });

  people.add.addEventListener("change", async function () {
    if (!state.current || people.add.value === "") return;
    const id = Number(people.add.value);
    const ids = assignees();
    if (!ids.includes(id)) ids.push(id);
    const saved = await patch({ assignee_ids: ids }, people.error);
    if (!saved) fillPeople(state.current);
    people.add.focus();
  });

  people.list.addEventListener("click", async function (event) {
    const remove = event.target.closest("button[data-remove-assignee]");
    if (!remove || !state.current) return;
    const id = Number(remove.dataset.removeAssignee);
    const saved = await patch({ assignee_ids: assignees().filter((a) => a !== id) }, people.error);
    if (saved) (people.list.querySelector("button[data-remove-assignee]") || people.add).focus();
  });

  people.assignMe.addEventListener("click", async function () {
    const c = state.current;
    if (!c) return;
    const changes = {};
    const ids = assignees();
    if (!ids.includes(me)) changes.assignee_ids = ids.concat([me]);
    if (c.owner_id === null) changes.owner_id = me;
    if (!Object.keys(changes).length) return;
    people.assignMe.setAttribute("aria-disabled", "true");
    const saved = await patch(changes, people.error);
    people.assignMe.removeAttribute("aria-disabled");
    if (saved) people.owner.focus();
  });
})();
