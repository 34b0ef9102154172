import { resource } from "../../http/routes";
import { setOrganizationCredits } from "./allocation";
import { listLedger } from "./ledger";
import { listReceipts } from "./receipts";

/** `/partner/organizations/{organizationId}/credits`, `…/receipts` and `…/ledger`: what a client may spend, and where it went. */
export const creditRoutes = resource(
  { name: "Credits", description: "A sub-organization's credit allocation, and why each credit was or was not spent." },
  { setOrganizationCredits, listReceipts, listLedger },
);
