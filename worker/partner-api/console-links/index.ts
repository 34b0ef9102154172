import { resource } from "../../http/routes";
import { DASHBOARDS_TAG } from "../../sessions/places";
import { createConsoleLink } from "./create";

/** `/partner/console-links`: sign-in links to the partner's console. */
export const consoleLinkRoutes = resource(DASHBOARDS_TAG, { createConsoleLink });
