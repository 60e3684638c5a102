/* Swarmboard board page: the toast stack. Every toast on the page lives in one region,
 * #toasts: alert toasts (alerts.js), swarm invitations (invitations.js), page-level messages
 * (SB.flash) and whatever else calls SB.toast ("Card archived · Undo", mentions).
 *
 * The stack is a strip at the bottom of the page layout, not an overlay: while it holds
 * toasts the board (the page's one scroller) gets shorter, so a toast never covers a
 * card. It keeps clear of the card drawer (a right-side panel) by measuring it. Each
 * toast has a Dismiss button, and may have one action button and one link; a timed
 * toast waits while the pointer or the focus is on it. */
"use strict";
(function () {
  const SB = window.SB;
  const stack = document.getElementById("toasts");
  const handles = new WeakMap(); // toast element -> its handle
  const byKey = new Map(); // key -> handle: a toast with a key is shown once
  let serial = 0;

  /**
   * Show a toast; returns a handle ``{el, dismiss(reason), setText(text)}``.
   *
   * - ``text``: what it says (or ``title``: nodes, for a richer first line);
   * - ``kind``: "info" (default), "success", "error" (announced at once: role="alert"),
   *   "alert", "invite", … (``data-toast`` on the element, for its colours);
   * - ``actionText`` and ``onAction(handle)``: one action button; the toast goes after
   *   the action unless ``onAction`` returns false;
   * - ``href`` and ``linkText``: a link;
   * - ``timeoutMs``: dismiss itself after that long (0 or absent: stays until dismissed);
   * - ``key``: a toast with the same key replaces the one shown, in its place;
   * - ``content`` (nodes under the text), ``buttons`` (more nodes among the actions),
   *   ``className``, ``data`` (dataset entries), ``label`` (the group's name instead of
   *   the text), ``before`` (a toast to go in front of), ``returnFocus`` (where the focus
   *   goes when the last toast holding it leaves), ``onDismiss(reason)`` ("dismissed",
   *   "expired", "action", "replaced" or what the caller passed to ``dismiss``).
   */
  SB.toast = function (opts) {
    const o = opts || {};
    let before = o.before && o.before.parentNode === stack ? o.before : null;
    if (o.key && byKey.has(o.key)) {
      const old = byKey.get(o.key);
      if (!before) before = old.el.nextElementSibling;
      old.dismiss("replaced", true);
    }
    serial += 1;
    const el = SB.el("div", "toast" + (o.className ? " " + o.className : ""));
    el.dataset.toast = o.kind || "info";
    for (const [k, v] of Object.entries(o.data || {})) el.dataset[k] = v;
    el.setAttribute("role", "group");
    const title = SB.el("p", "toast-title");
    title.id = "toast-" + serial;
    if (o.title) title.append(...[].concat(o.title));
    else title.textContent = o.text || "";
    if (el.dataset.toast === "error") title.setAttribute("role", "alert");
    if (o.label) el.setAttribute("aria-label", o.label);
    else el.setAttribute("aria-labelledby", title.id);
    // The Dismiss button sits beside the first line: a short toast stays one row high.
    const head = SB.el("div", "toast-head");
    head.append(title, SB.button("Dismiss", "quiet toast-dismiss", { toastDismiss: "" }));
    el.append(head, ...[].concat(o.content || []));

    const actions = SB.el("div", "toast-actions");
    if (o.actionText) actions.append(SB.button(o.actionText, "quiet toast-action", { toastAction: "" }));
    actions.append(...[].concat(o.buttons || []));
    if (o.href) {
      const link = SB.el("a", "toast-link", o.linkText || o.href);
      link.href = o.href;
      actions.append(link);
    }
    if (actions.children.length) el.append(actions);

    let timer = null;
    let left = Number(o.timeoutMs) || 0;
    let started = 0;
    const handle = {
      el,
      options: o,
      setText(text) { title.textContent = text; },
      dismiss(reason, quiet) {
        if (!el.isConnected) return;
        clearTimeout(timer);
        if (o.key && byKey.get(o.key) === handle) byKey.delete(o.key);
        // Whoever was in the toast keeps a place to be: the next toast, or the caller's.
        if (!quiet && el.contains(document.activeElement)) {
          const near = el.nextElementSibling || el.previousElementSibling;
          const target = (near && near.querySelector(".toast-actions button, .toast-actions a, button")) || o.returnFocus;
          el.remove();
          if (target && target.isConnected && !target.hidden) target.focus();
        } else {
          el.remove();
        }
        if (o.onDismiss) o.onDismiss(reason || "dismissed");
      },
    };
    function arm() {
      if (!left || timer) return;
      started = Date.now();
      timer = setTimeout(() => handle.dismiss("expired"), left);
    }
    function pause() {
      if (!timer) return;
      clearTimeout(timer);
      timer = null;
      left = Math.max(2000, left - (Date.now() - started));
    }
    if (left) {
      el.addEventListener("mouseenter", pause);
      el.addEventListener("focusin", pause);
      el.addEventListener("mouseleave", () => { if (!el.contains(document.activeElement)) arm(); });
      el.addEventListener("focusout", (e) => { if (!el.contains(e.relatedTarget) && !el.matches(":hover")) arm(); });
    }
    handles.set(el, handle);
    if (o.key) byKey.set(o.key, handle);
    stack.insertBefore(el, before);
    // A full strip scrolls: the newest toast comes into view (the strip only, not the page).
    if (!before && stack.scrollHeight > stack.clientHeight) stack.scrollTop = stack.scrollHeight;
    arm();
    return handle;
  };

  /** The toast shown with this key, if any. */
  SB.toastByKey = (key) => byKey.get(key) || null;

  stack.addEventListener("click", function (event) {
    const el = event.target.closest(".toast");
    const handle = el && handles.get(el);
    if (!handle) return;
    if (event.target.closest("button[data-toast-dismiss]")) { handle.dismiss("dismissed"); return; }
    if (event.target.closest("button[data-toast-action]")) {
      const keep = handle.options.onAction ? handle.options.onAction(handle) : undefined;
      if (keep !== false) handle.dismiss("action");
    }
  });
  stack.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const el = event.target.closest(".toast");
    const handle = el && handles.get(el);
    if (handle) { event.preventDefault(); handle.dismiss("dismissed"); }
  });

  /* --- page-level messages: one at a time, in the stack ---------------------------- */
  SB.flash = function (message, kind, sticky) {
    // A refusal is about what just happened: it goes away once it is old news.
    return SB.toast({
      key: "flash", text: message, kind: kind === "info" ? "info" : "error",
      className: "flash", timeoutMs: sticky ? 0 : 20000,
    });
  };
  SB.clearFlash = function () {
    const shown = byKey.get("flash");
    if (shown) shown.dismiss("dismissed");
  };

  /* --- keep clear of the drawer ------------------------------------------------------ */
  // The drawer is a right-side panel over the page: the strip ends where it begins, so no
  // toast sits under its fields. Measured, not assumed: its width is the drawer's business.
  const drawer = document.getElementById("card-drawer");
  function avoidDrawer() {
    let right = 0;
    if (drawer && !drawer.hidden) {
      const box = drawer.getBoundingClientRect();
      const width = document.documentElement.clientWidth;
      // A drawer as wide as the screen leaves no room beside it: then it covers the strip.
      if (box.width > 0 && box.left > width * 0.35) right = Math.max(0, Math.ceil(width - box.left));
    }
    stack.style.setProperty("--toast-avoid", right + "px");
  }
  if (drawer) {
    new MutationObserver(avoidDrawer).observe(drawer, { attributes: true, attributeFilter: ["hidden", "class", "style"] });
    if (window.ResizeObserver) new ResizeObserver(avoidDrawer).observe(drawer);
    drawer.addEventListener("transitionend", avoidDrawer);
  }
  window.addEventListener("resize", avoidDrawer);
  document.addEventListener("sb:drawer-open", avoidDrawer);
  document.addEventListener("sb:drawer-closed", avoidDrawer);
  avoidDrawer();
})();
