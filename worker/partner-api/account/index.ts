import { resource } from "../../http/routes";
import { updateBranding } from "./branding";
import { getMe } from "./me";
import { scriptConfigRoutes } from "./script-config";

/** `/partner/me`, `/partner/branding`, `/partner/script-config`. */
export const accountRoutes = resource(
  { name: "Partner account", description: "The partner account, branding and script configuration." },
  { getMe, updateBranding, scriptConfigRoutes },
);
