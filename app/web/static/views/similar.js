// Items similar to one item (GET /v1/items/{id}/similar); "similar" on any card opens it here.
import { el, renderCards } from "../cards.js";

let ctx, list, input, status;

async function load() {
  const item = input.value.trim();
  if (!item) { status.textContent = "Click “similar” on a card, or type an item id (the demo has i1 … i2000)."; list.replaceChildren(); return; }
  status.textContent = "loading…";
  try {
    const result = await ctx.api.get(`/v1/items/${encodeURIComponent(item)}/similar`, { n: 20, user_id: ctx.user() || undefined });
    status.textContent = `${result.items.length} items similar to ${item}`;
    renderCards(list, result.items, { actions: ctx.cardActions(), empty: "No similar items (no embedding, neighbours or tags yet)." });
  } catch (error) { status.textContent = ""; ctx.fail(error); }
}

export default {
  id: "similar",
  title: "Similar",
  mount(panel, context) {
    ctx = context;
    input = el("input", { type: "text", id: "similar-item", placeholder: "item id" });
    panel.append(el("form", { class: "toolbar", onsubmit: (e) => { e.preventDefault(); load(); } },
      el("label", {}, "item ", input), el("button", { type: "submit" }, "Show")),
      status = el("p", { class: "status" }), list = el("div"));
  },
  activate({ itemId } = {}) { if (itemId) input.value = itemId; load(); },
  refresh: load,
};
