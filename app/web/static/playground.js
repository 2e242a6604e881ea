// The playground shell: key, user, tabs. Each tab is a view module from views/index.js with
//   { id, title, mount(panel, ctx), activate(args), refresh() }
// and receives the shared context below; adding a view is adding a module to that list.
import { api, describeError, eventId } from "./api.js";
import { renderExplanation } from "./explain.js";
import { mountKeyBar } from "./keybar.js";
import { VIEWS } from "./views/index.js";

const $ = (selector) => document.querySelector(selector);
const RECENT_USERS = "pgrec.recentUsers";

const ctx = {
  api,
  session: [],            // item ids the session view builds, most recent last
  user() { return $("#user").value.trim(); },
  toast(message, kind = "info") {
    const box = $("#toast");
    box.textContent = message;
    box.className = `toast ${kind}`;
    clearTimeout(ctx._toastTimer);
    ctx._toastTimer = setTimeout(() => { box.className = "toast hidden"; }, kind === "error" ? 8000 : 2500);
  },
  fail(error) { ctx.toast(describeError(error), "error"); },
  show(viewId, args) { activate(viewId, args); },
  async explain(itemId, strategy) {
    const user = ctx.user();
    const panel = $("#explain");
    if (!user) { ctx.toast("Pick a user first.", "error"); return; }
    try {
      const x = await api.get(`/v1/users/${encodeURIComponent(user)}/items/${encodeURIComponent(itemId)}/explain`,
        { strategy: strategy || ctx.strategy });
      renderExplanation(panel, x);
    } catch (error) { ctx.fail(error); }
  },
  // Acting as the user: the event goes through POST /v1/events like any client's, then the
  // current view asks again, so the next list shows its effect at once.
  async act(item, type) {
    const user = ctx.user();
    if (!user) { ctx.toast("Pick a user first.", "error"); return; }
    try {
      await api.post("/v1/events", [{ event_id: eventId(), user_id: user, item_id: item.item_id, type,
        context: { surface: "playground", view: current } }]);
      ctx.toast(`${type} recorded for ${item.item_id}`);
      await views[current].refresh?.();
    } catch (error) { ctx.fail(error); }
  },
  addToSession(itemId) {
    if (!ctx.session.includes(itemId)) ctx.session.push(itemId);
    ctx.toast(`${itemId} added to the session (${ctx.session.length} items)`);
  },
  strategy: undefined,
};

// Buttons every list shows on its cards.
ctx.cardActions = () => [
  { label: "♥ like", className: "like", title: "POST a like event as this user", onClick: (i) => ctx.act(i, "like") },
  { label: "✕ dismiss", className: "dismiss", title: "POST a dismiss event", onClick: (i) => ctx.act(i, "dismiss") },
  { label: "why?", className: "why", onClick: (i) => ctx.explain(i.item_id) },
  { label: "similar", className: "similar", onClick: (i) => ctx.show("similar", { itemId: i.item_id }) },
  { label: "+ session", className: "to-session", onClick: (i) => ctx.addToSession(i.item_id) },
];

const views = {};
let current = null;

function activate(id, args) {
  current = id;
  for (const button of document.querySelectorAll("#tabs button")) button.classList.toggle("active", button.dataset.view === id);
  for (const panel of document.querySelectorAll(".view")) panel.hidden = panel.dataset.view !== id;
  views[id].activate?.(args || {});
}

function rememberUser(user) {
  const recent = JSON.parse(localStorage.getItem(RECENT_USERS) || "[]").filter((u) => u !== user);
  recent.unshift(user);
  localStorage.setItem(RECENT_USERS, JSON.stringify(recent.slice(0, 12)));
  $("#recent-users").replaceChildren(...recent.slice(0, 12).map((u) => Object.assign(document.createElement("option"), { value: u })));
}

function start() {
  mountKeyBar($("#keybar"), () => views[current]?.refresh?.());
  const tabs = $("#tabs");
  const main = $("#views");
  for (const view of VIEWS) {
    views[view.id] = view;
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = view.title;
    button.dataset.view = view.id;
    button.addEventListener("click", () => activate(view.id));
    tabs.append(button);
    const panel = document.createElement("section");
    panel.className = "view";
    panel.dataset.view = view.id;
    panel.hidden = true;
    main.append(panel);
    view.mount(panel, ctx);
  }
  JSON.parse(localStorage.getItem(RECENT_USERS) || "[]").forEach((u) =>
    $("#recent-users").append(Object.assign(document.createElement("option"), { value: u })));
  $("#user-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!ctx.user()) return;
    rememberUser(ctx.user());
    $("#explain").replaceChildren();
    views[current].refresh?.();
  });
  $("#why-not").addEventListener("submit", (event) => {
    event.preventDefault();
    const item = $("#why-not-item").value.trim();
    if (item) ctx.explain(item);
  });
  activate(VIEWS[0].id);
}

start();
