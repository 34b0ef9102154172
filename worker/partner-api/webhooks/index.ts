import { resource } from "../../http/routes";
import { getWebhooks } from "./get";
import { getWebhookLog } from "./log";
import { listWebhookLogs } from "./logs";
import { redeliverWebhook } from "./redeliver";
import { testWebhook } from "./send-test";
import { updateBillingWebhook, updateIdentificationWebhook } from "./update";

/** `/partner/webhooks…`: configuration, test event, delivery log, redelivery (all need `admin`). */
export const webhookRoutes = resource(
  { name: "Webhooks", description: "Identification and billing webhooks and their delivery log." },
  {
    getWebhooks,
    updateIdentificationWebhook,
    updateBillingWebhook,
    testWebhook,
    listWebhookLogs,
    getWebhookLog,
    redeliverWebhook,
  },
);
