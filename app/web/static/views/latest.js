// Newest items first (GET /v1/latest), optionally only those with a tag.
import { el, renderCards } from "../cards.js";

let ctx, list, tag, status;

async function load() {
  status.textContent = "loading…";
  try {
    const result = await ctx.api.get("/v1/latest", { n: 20, tags: tag.value.trim() ? [tag.value.trim()] : undefined });
    status.textContent = `${result.items.length} newest items` + (tag.value.trim() ? ` tagged ${tag.value.trim()}` : "");
    renderCards(list, result.items, { actions: ctx.cardActions() });
  } catch (error) { status.textContent = ""; ctx.fail(error); }
}

export default {
  id: "latest",
  title: "Latest",
  mount(panel, context) {
    ctx = context;
    tag = el("input", { type: "text", placeholder: "e.g. category:design" });
    panel.append(el("form", { class: "toolbar", onsubmit: (e) => { e.preventDefault(); load(); } },
      el("label", {}, "tag ", tag), el("button", { type: "submit" }, "Show")),
      status = el("p", { class: "status" }), list = el("div"));
  },
  activate: load,
  refresh: load,
};
