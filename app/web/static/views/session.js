// An anonymous visitor's session (POST /v1/sessions/feed): click items to add them to the
// session, most recent last, and see what pgrec recommends for it.
import { el, renderCards } from "../cards.js";

let ctx, picks, list, status, chips;

function showChips() {
  chips.replaceChildren(...ctx.session.map((id) => el("button", { type: "button", class: "chip", title: "remove",
    onclick: () => { ctx.session.splice(ctx.session.indexOf(id), 1); load(); } }, `${id} ✕`)));
}

async function load() {
  showChips();
  try {
    // Items to click from: what is trending, so a session can start from nothing.
    const start = await ctx.api.get("/v1/trending", { n: 8 });
    renderCards(picks, start.items, { actions: [{ label: "+ viewed", className: "to-session",
      onClick: (item) => { ctx.addToSession(item.item_id); load(); } }] });
    if (!ctx.session.length) { status.textContent = "Add items the visitor viewed (here or “+ session” on any card)."; list.replaceChildren(); return; }
    const result = await ctx.api.post("/v1/sessions/feed", { item_ids: ctx.session, n: 20 });
    status.textContent = `${result.items.length} items for a session of ${ctx.session.length}`;
    renderCards(list, result.items, { actions: [{ label: "+ viewed", className: "to-session",
      onClick: (item) => { ctx.addToSession(item.item_id); load(); } }] });
  } catch (error) { ctx.fail(error); }
}

export default {
  id: "session",
  title: "Session",
  mount(panel, context) {
    ctx = context;
    panel.append(el("h3", {}, "session"), chips = el("div", { class: "chips" }),
      el("button", { type: "button", onclick: () => { ctx.session.length = 0; load(); } }, "clear session"),
      status = el("p", { class: "status" }), list = el("div"),
      el("h3", {}, "trending, to start from"), picks = el("div"));
  },
  activate: load,
  refresh: load,
};
