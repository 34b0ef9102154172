import { createApi } from "../../http/routes";
import { getWebhooks } from "./get";
import { getWebhookLog } from "./log";
import { listWebhookLogs } from "./logs";
import { redeliverWebhook } from "./redeliver";
import { testWebhook } from "./send-test";
import { updateBillingWebhook, updateIdentificationWebhook } from "./update";

/** `/partner/webhooks…`: configuration, test event, delivery log, redelivery (all need `admin`). */
export const webhookRoutes = createApi()
  .route("/", getWebhooks)
  .route("/", updateIdentificationWebhook)
  .route("/", updateBillingWebhook)
  .route("/", testWebhook)
  .route("/", listWebhookLogs)
  .route("/", getWebhookLog)
  .route("/", redeliverWebhook);
