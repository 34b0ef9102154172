import { resource } from "../../http/routes";
import { updateBranding } from "./branding";
import { getMe } from "./me";
import { retentionRoutes } from "./retention";
import { scriptConfigRoutes } from "./script-config";

/** `/partner/me`, `/partner/branding`, `/partner/script-config`, `/partner/retention`. */
export const accountRoutes = resource(
  {
    name: "Partner account",
    description: "The partner account, branding, script configuration and how long visitors are kept.",
  },
  { getMe, updateBranding, scriptConfigRoutes, retentionRoutes },
);
