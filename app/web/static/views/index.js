// The playground's tabs, in order. A new view is one module with
//   export default { id, title, mount(panel, ctx), activate(args), refresh() }
// added to this list.
import feed from "./feed.js";
import latest from "./latest.js";
import nearby from "./nearby.js";
import search from "./search.js";
import session from "./session.js";
import similar from "./similar.js";
import trending from "./trending.js";

export const VIEWS = [feed, trending, latest, similar, nearby, search, session];
