import { createApi } from "../../http/routes";
import { listLedger } from "./ledger";
import { listReceipts } from "./receipts";

/** `/partner/organizations/{organizationId}/receipts` and `…/ledger`: "why was my client charged?". */
export const receiptRoutes = createApi().route("/", listReceipts).route("/", listLedger);
