// The For You feed: strategy switch, one slider per signal (sent as the per-call `weights` of
// GET /v1/users/{id}/feed), and the ranked cards.
import { colour, el, renderCards } from "../cards.js";

let panel, ctx, strategies = [], list, sliders, status, loaded = false, timer = null, edited = false;

function currentWeights() {
  const weights = {};
  for (const input of sliders.querySelectorAll("input[type=range]")) {
    const value = Number(input.value);
    if (value > 0) weights[input.dataset.signal] = value;
  }
  return weights;
}

function showSliders() {
  const chosen = strategies.find((s) => s.name === ctx.strategy) || strategies[0];
  const signals = new Set();
  strategies.forEach((s) => Object.keys(s.weights).forEach((k) => signals.add(k)));
  sliders.replaceChildren(...[...signals].sort().map((signal) => {
    const value = chosen ? (chosen.weights[signal] || 0) : 0;
    const output = el("output", {}, value.toFixed(2));
    const input = el("input", { type: "range", min: "0", max: "1", step: "0.01", value: String(value),
                                "data-signal": signal, "aria-label": `${signal} weight` });
    input.addEventListener("input", () => {
      output.textContent = Number(input.value).toFixed(2);
      edited = true;
      clearTimeout(timer);
      timer = setTimeout(load, 150);  // one request per pause, not one per pixel
    });
    return el("label", { class: "slider" }, el("i", { style: `background:${colour(signal)}` }), signal, input, output);
  }));
  edited = false;
}

async function loadStrategies() {
  try {
    strategies = (await ctx.api.get("/v1/strategies")).strategies;
  } catch (error) { ctx.fail(error); return; }
  const select = panel.querySelector("#strategy");
  select.replaceChildren(...strategies.map((s) => el("option", { value: s.name }, s.name)));
  ctx.strategy = strategies.some((s) => s.name === "default") ? "default" : strategies[0]?.name;
  select.value = ctx.strategy;
  showSliders();
  loaded = true;
}

async function load() {
  const user = ctx.user();
  if (!user) { status.textContent = "Type a user id above (the demo has u1 … u500) and press Show."; return; }
  if (!loaded) await loadStrategies();
  const params = { n: Number(panel.querySelector("#feed-n").value) || 20, strategy: ctx.strategy };
  if (edited) params.weights = currentWeights();
  status.textContent = "loading…";
  try {
    const result = await ctx.api.get(`/v1/users/${encodeURIComponent(user)}/feed`, params);
    status.textContent = `${result.items.length} items for ${user}, strategy ${ctx.strategy}` +
      (edited ? ", weights from the sliders" : "");
    renderCards(list, result.items, { actions: ctx.cardActions(), empty: "No items: is the catalogue empty?" });
  } catch (error) {
    status.textContent = "";
    ctx.fail(error);
  }
}

export default {
  id: "feed",
  title: "For you",
  mount(element, context) {
    panel = element;
    ctx = context;
    panel.append(
      el("div", { class: "toolbar" },
        el("label", {}, "strategy ", el("select", { id: "strategy", onchange: (e) => {
          ctx.strategy = e.target.value; showSliders(); load(); } })),
        el("label", {}, "items ", el("input", { id: "feed-n", type: "number", min: "1", max: "100", value: "20" })),
        el("button", { type: "button", onclick: () => { showSliders(); load(); } }, "reset weights")),
      sliders = el("div", { class: "sliders", id: "sliders" }),
      status = el("p", { class: "status", id: "feed-status" }),
      list = el("div", { id: "feed-list" }));
  },
  activate() { load(); },
  refresh() { return load(); },
};
