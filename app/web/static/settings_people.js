/* Swarmboard board settings page: finding the person to add as a member.
 *
 * The "Name or e-mail" field offers matches as you type (a datalist of "Name <e-mail>").
 * They come from GET /api/users?q=…&limit=10. A server that does not filter by q yet
 * answers with its first people regardless: then the page reads the directory once
 * (GET /api/users?limit=200, page by page) and filters it here. Either way the list is
 * filtered here too, so both servers give the same choices. */
"use strict";
(function () {
  const S = window.SBSettings;
  const SEARCH_MS = 200;
  const MAX_DIRECTORY = 5000;
  let directory = null; // every person, once the server turned out not to filter
  let timer = null;
  let asked = 0;

  const label = (u) => u.name + " <" + u.email + ">";
  const matches = (u, text) => {
    const t = text.toLowerCase();
    return u.name.toLowerCase().includes(t) || u.email.toLowerCase().includes(t) || label(u).toLowerCase() === t;
  };

  async function wholeDirectory() {
    if (directory) return { ok: true, users: directory };
    const all = [];
    for (let offset = 0; offset < MAX_DIRECTORY; offset += 200) {
      const res = await S.api("GET", "/api/users?limit=200&offset=" + offset);
      if (!res.ok) return { ok: false, detail: res.body.detail };
      all.push(...(res.body.users || []));
      if (all.length >= Number(res.body.total || 0) || !(res.body.users || []).length) break;
    }
    directory = all;
    return { ok: true, users: all };
  }

  /** People matching the text: {ok, users} or {ok: false, detail}. */
  async function search(text) {
    // "Name <e-mail>" (a datalist choice): search by the e-mail inside it.
    const inner = /<([^<>]+)>\s*$/.exec(text);
    const q = inner ? inner[1] : text;
    if (!directory) {
      const res = await S.api("GET", "/api/users?q=" + encodeURIComponent(q) + "&limit=10");
      if (!res.ok) return { ok: false, detail: res.body.detail };
      const users = res.body.users || [];
      if (users.every((u) => matches(u, q))) return { ok: true, users };
    }
    const all = await wholeDirectory();
    if (!all.ok) return all;
    return { ok: true, users: all.users.filter((u) => matches(u, q)).slice(0, 10) };
  }

  function fill(list, users) {
    list.textContent = "";
    for (const u of users) {
      const option = document.createElement("option");
      option.value = label(u);
      list.append(option);
    }
  }

  document.addEventListener("input", function (event) {
    const input = event.target;
    if (!input.matches || !input.matches('input[data-kind="person"]')) return;
    clearTimeout(timer);
    const text = input.value.trim();
    if (text.length < 2) return;
    timer = setTimeout(async function () {
      const mine = ++asked;
      const found = await search(text);
      const list = input.list;
      if (mine !== asked || !found.ok || !list) return;
      fill(list, found.users);
    }, SEARCH_MS);
  });

  /** The id of the one person the add-member form names, or null (the field says why). */
  S.resolvePerson = async function (form) {
    const input = form.querySelector('input[data-kind="person"]');
    const text = input.value.trim();
    if (!text) {
      S.fieldError(form, "user_id", "Type a name or an e-mail, then pick the person.");
      input.focus();
      return null;
    }
    const found = await search(text);
    if (!found.ok) {
      S.formError(form, found.detail);
      return null;
    }
    const t = text.toLowerCase();
    const exact = found.users.filter((u) => label(u).toLowerCase() === t || u.email.toLowerCase() === t);
    const byName = found.users.filter((u) => u.name.toLowerCase() === t);
    const pick = exact.length === 1 ? exact : byName.length === 1 ? byName : found.users.length === 1 ? found.users : [];
    if (pick.length === 1) return pick[0].id;
    const message = found.users.length
      ? "More than one person matches: pick one from the list, or type their whole e-mail."
      : "Nobody with that name or e-mail has an account.";
    S.fieldError(form, "user_id", message);
    input.focus();
    return null;
  };
})();
