import { createApi } from "../../http/routes";
import { updateBranding } from "./branding";
import { getMe } from "./me";
import { scriptConfigRoutes } from "./script-config";

/** `/partner/me`, `/partner/branding`, `/partner/script-config`. */
export const accountRoutes = createApi().route("/", getMe).route("/", updateBranding).route("/", scriptConfigRoutes);
