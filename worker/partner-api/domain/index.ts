import { resource } from "../../http/routes";
import { getDomainVerification } from "./get";
import { removeDomain } from "./remove";
import { setDomain } from "./set";
import { verifyDomain } from "./verify";

/** `/partner/domain…`: the custom domain client sites load the script from. */
export const domainRoutes = resource(
  { name: "Custom script domain", description: "Serve the script from the partner's own domain." },
  { setDomain, getDomainVerification, verifyDomain, removeDomain },
);
