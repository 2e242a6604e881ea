// "Why (not) this item?": rec.explain's breakdown for the current user, in the side panel.
import { colour, el } from "./cards.js";

export function renderExplanation(container, x) {
  container.replaceChildren();
  const verdict = x.eligible
    ? (x.rank ? `in the feed at position ${x.rank}` : "eligible, but ranked below the first 500")
    : `never shown: ${x.excluded_because}`;
  const signals = Object.keys(x.signals || {}).sort((a, b) =>
    Math.abs((x.terms || {})[b] || 0) - Math.abs((x.terms || {})[a] || 0));
  const maxTerm = Math.max(1e-9, ...Object.values(x.terms || {}).map((v) => Math.abs(v)));
  container.append(...[
    el("h3", {}, `${x.item_id} for ${x.user_id}`),
    el("p", { class: x.eligible ? "verdict ok" : "verdict no", "data-testid": "verdict" }, verdict),
    el("p", { class: "muted" }, `strategy ${x.strategy}, weights from ${x.weights_from}`,
      x.cold_start ? " (cold start: too little data)" : "", x.candidate ? "" : "; no candidate source proposes it",
      `; score ${Number(x.score || 0).toFixed(4)}`),
    el("table", { class: "explain" },
      el("thead", {}, el("tr", {}, el("th", {}, "signal"), el("th", {}, "value"), el("th", {}, "weight"),
        el("th", {}, "term"), el("th", {}, ""))),
      el("tbody", {}, signals.map((s) => {
        const term = (x.terms || {})[s] || 0;
        const value = x.signals[s];
        return el("tr", {},
          el("td", {}, s),
          el("td", {}, value === null || value === undefined ? "–" : Number(value).toFixed(3)),
          el("td", {}, Number((x.weights || {})[s] ?? 0).toFixed(3)),
          el("td", {}, term.toFixed(4)),
          el("td", {}, el("span", { class: "bar", style: `width:${(Math.abs(term) / maxTerm) * 60}px;background:${
            term < 0 ? "#c0392b" : colour(s)}` })));
      }))),
    el("ul", { class: "reasons" }, (x.reasons || []).map((r) => el("li", {}, r))),
    (x.rules || []).length ? el("p", {}, `rules: ${x.rules.join(", ")}`) : null,
    el("details", {}, el("summary", {}, "details"), el("pre", {}, JSON.stringify(x.details || {}, null, 2))),
  ].filter(Boolean));
}
