import { createApi } from "../../http/openapi";
import { createConsoleLink } from "./create";

/** `/partner/console-links`: sign-in links to the partner's console. */
export const consoleLinkRoutes = createApi().route("/", createConsoleLink);
