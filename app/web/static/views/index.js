// The playground's tabs, in order. A new view is one module with
//   export default { id, title, mount(panel, ctx), activate(args), refresh() }
// added to this list.
import explore from "./explore.js";
import feed from "./feed.js";
import latest from "./latest.js";
import learning from "./learning.js";
import marketplace from "./marketplace.js";
import nearby from "./nearby.js";
import search from "./search.js";
import session from "./session.js";
import similar from "./similar.js";
import trending from "./trending.js";

// The last two are applications built on the same endpoints (the README's "Two applications").
export const VIEWS = [feed, trending, latest, similar, nearby, search, session, learning, explore, marketplace];
