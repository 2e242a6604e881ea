// Hybrid search (GET /v1/search), personalised for the current user when one is set.
import { el, renderCards } from "../cards.js";

let ctx, list, input, status;

async function load() {
  const q = input.value.trim();
  if (!q) { status.textContent = "Type a few words."; list.replaceChildren(); return; }
  status.textContent = "searching…";
  try {
    const result = await ctx.api.get("/v1/search", { q, n: 20, user_id: ctx.user() || undefined });
    status.textContent = `${result.items.length} results for “${q}”`;
    renderCards(list, result.items, { actions: ctx.cardActions(), empty: "No match." });
  } catch (error) { status.textContent = ""; ctx.fail(error); }
}

export default {
  id: "search",
  title: "Search",
  mount(panel, context) {
    ctx = context;
    input = el("input", { type: "search", id: "search-q", placeholder: "e.g. dumbbell, color palette" });
    panel.append(el("form", { class: "toolbar", onsubmit: (e) => { e.preventDefault(); load(); } },
      input, el("button", { type: "submit" }, "Search")),
      status = el("p", { class: "status" }), list = el("div"));
  },
  activate() { if (input.value.trim()) load(); else status.textContent = "Type a few words."; },
  refresh: load,
};
