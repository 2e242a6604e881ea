// Ranked items as cards: id, score, a stacked bar of the score terms and the human reasons.
// Every list endpoint answers {items: [{item_id, score, reasons: {terms, reasons, ...}}]}, so
// every view renders its results with renderCards.

const PALETTE = {
  collaborative: "#4e79a7", explicit: "#f28e2b", preferences: "#f28e2b", tags: "#59a14f", jaccard: "#59a14f",
  vector: "#b07aa1", content: "#b07aa1", behavioral: "#76b7b2", engagement: "#edc948", popularity: "#ff9da7",
  velocity: "#9c755f", trending: "#e15759", recency: "#86bcb6", location: "#8cd17d", nearby: "#8cd17d",
  distance: "#8cd17d", creator: "#bab0ac", price: "#d4a6c8", keyword: "#4e79a7", personal: "#f28e2b",
};

export function colour(signal) {
  if (PALETTE[signal]) return PALETTE[signal];
  let hash = 0;
  for (const ch of signal) hash = (hash * 31 + ch.charCodeAt(0)) % 360;
  return `hsl(${hash}, 45%, 55%)`;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
export { el };

const SVG = "http://www.w3.org/2000/svg";

// Positive terms stacked left to right on a common scale (the list's best score fills the
// width); penalties (negative terms such as diversity) drawn as a red strip below.
export function termBar(terms, scale) {
  const width = 320;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "term-bar");
  svg.setAttribute("viewBox", `0 0 ${width} 18`);
  svg.setAttribute("width", "100%");
  svg.setAttribute("height", "18");
  svg.setAttribute("role", "img");
  const entries = Object.entries(terms || {}).filter(([, v]) => typeof v === "number" && v !== 0);
  let x = 0;
  const positive = entries.filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
  const labels = [];
  for (const [signal, value] of positive) {
    const w = Math.max(0.5, (value / scale) * width);
    const rect = document.createElementNS(SVG, "rect");
    rect.setAttribute("class", "seg");
    rect.setAttribute("data-signal", signal);
    rect.setAttribute("x", x.toFixed(2));
    rect.setAttribute("y", "0");
    rect.setAttribute("width", w.toFixed(2));
    rect.setAttribute("height", "12");
    rect.setAttribute("fill", colour(signal));
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${signal}: ${value.toFixed(4)}`;
    rect.append(title);
    svg.append(rect);
    labels.push(`${signal} ${value.toFixed(3)}`);
    x += w;
  }
  let penalty = 0;
  for (const [signal, value] of entries.filter(([, v]) => v < 0)) {
    const w = Math.max(0.5, (-value / scale) * width);
    const rect = document.createElementNS(SVG, "rect");
    rect.setAttribute("class", "seg penalty");
    rect.setAttribute("data-signal", signal);
    rect.setAttribute("x", (x - penalty - w).toFixed(2));
    rect.setAttribute("y", "13");
    rect.setAttribute("width", w.toFixed(2));
    rect.setAttribute("height", "4");
    rect.setAttribute("fill", "#c0392b");
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${signal}: ${value.toFixed(4)}`;
    rect.append(title);
    svg.append(rect);
    labels.push(`${signal} ${value.toFixed(3)}`);
    penalty += w;
  }
  svg.setAttribute("aria-label", labels.join(", "));
  return svg;
}

export function legend(items) {
  const signals = new Set();
  for (const item of items) for (const [s, v] of Object.entries(item.reasons?.terms || {})) if (v > 0) signals.add(s);
  return el("div", { class: "legend" }, [...signals].sort().map((s) =>
    el("span", { class: "legend-entry" }, el("i", { style: `background:${colour(s)}` }), s)));
}

// actions: [{label, className, onClick(item)}] buttons shown on every card; describe(item): a
// line under the head (an application's title, price, creator), or nothing.
export function renderCards(container, items, { actions = [], start = 1, empty = "Nothing to show.",
                                                describe = () => null } = {}) {
  container.replaceChildren();
  if (!items.length) {
    container.append(el("p", { class: "empty" }, empty));
    return;
  }
  const scale = Math.max(...items.map((i) => Object.values(i.reasons?.terms || {})
    .filter((v) => v > 0).reduce((a, b) => a + b, 0)), 1e-9);
  container.append(legend(items));
  const list = el("ol", { class: "cards", start: String(start) });
  items.forEach((item) => {
    const extra = [];
    if (item.reasons?.distance_km !== undefined) extra.push(`${item.reasons.distance_km} km`);
    const card = el("li", { class: "card", "data-item-id": item.item_id },
      el("div", { class: "card-head" },
        el("span", { class: "item-id" }, item.item_id),
        el("span", { class: "score" }, item.score.toFixed(3)),
        extra.length ? el("span", { class: "extra" }, extra.join(" · ")) : null),
      describe(item) ? el("div", { class: "describe" }, describe(item)) : null,
      termBar(item.reasons?.terms, scale),
      el("ul", { class: "reasons" }, (item.reasons?.reasons || []).map((r) => el("li", {}, r))),
      actions.length ? el("div", { class: "actions" }, actions.map((a) =>
        el("button", { type: "button", class: a.className, title: a.title || a.label,
                       onclick: () => a.onClick(item) }, a.label))) : null);
    list.append(card);
  });
  container.append(list);
}
