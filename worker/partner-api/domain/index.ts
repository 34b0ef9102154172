import { createApi } from "../../http/routes";
import { getDomainVerification } from "./get";
import { removeDomain } from "./remove";
import { setDomain } from "./set";
import { verifyDomain } from "./verify";

/** `/partner/domain…`: the custom domain client sites load the script from. */
export const domainRoutes = createApi()
  .route("/", setDomain)
  .route("/", getDomainVerification)
  .route("/", verifyDomain)
  .route("/", removeDomain);
