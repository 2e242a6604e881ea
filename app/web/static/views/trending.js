// Trending: engagement velocity in a window against the one before (GET /v1/trending).
import { el, renderCards } from "../cards.js";

let ctx, list, windowSelect, status;

async function load() {
  status.textContent = "loading…";
  try {
    const result = await ctx.api.get("/v1/trending", { n: 20, window: windowSelect.value, user_id: ctx.user() || undefined });
    status.textContent = `${result.items.length} items trending in the last ${windowSelect.value}` +
      (ctx.user() ? `, boosted by ${ctx.user()}'s interests` : "");
    renderCards(list, result.items, { actions: ctx.cardActions() });
  } catch (error) { status.textContent = ""; ctx.fail(error); }
}

export default {
  id: "trending",
  title: "Trending",
  mount(panel, context) {
    ctx = context;
    windowSelect = el("select", { onchange: load }, ["1 hour", "6 hours", "24 hours", "7 days"].map((w) =>
      el("option", { value: w }, w)));
    windowSelect.value = "24 hours";
    panel.append(el("div", { class: "toolbar" }, el("label", {}, "window ", windowSelect)),
      status = el("p", { class: "status" }), list = el("div"));
  },
  activate: load,
  refresh: load,
};
