import { resource } from "../../http/routes";
import { alertItem } from "./alert";
import { alertCollection } from "./alerts";
import { listAlertDeliveriesRoute } from "./deliveries";
import { testAlertRoute } from "./test";

/** `/organizations/{organizationId}/alerts…`: Slack and Teams alerts when a company is on the site (docs/alerts.md). */
export const alertRoutes = resource(
  { name: "Alerts", description: "Rules that message Slack or Teams when an identified company visits." },
  {
    alertCollection,
    alertItem,
    testAlert: testAlertRoute,
    listAlertDeliveries: listAlertDeliveriesRoute,
  },
);
