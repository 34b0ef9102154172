import { resource } from "../../http/routes";
import { pixelSettings } from "./pixel";
import { proxySecret } from "./proxy-secret";
import { rotatePixelKey } from "./rotate-key";

/** `/partner/organizations/{organizationId}/pixel…`: the script tag, its key and who may send hits. */
export const pixelRoutes = resource(
  {
    name: "Pixel",
    description: "A sub-organization's script tag, key, allowed referrers and first-party proxy secret.",
  },
  { pixelSettings, rotatePixelKey, proxySecret },
);
