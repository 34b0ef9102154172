import { resource } from "../../http/routes";
import { digestSettings } from "./digests";
import { previewDigest } from "./preview";
import { testDigest } from "./test";

/** `/organizations/{organizationId}/digests…`: daily and weekly e-mail digests of identified visitors (docs/alerts.md#digests). */
export const digestRoutes = resource(
  {
    name: "Digests",
    description: "Daily and weekly e-mails of the companies that visited, to the people who act on them.",
  },
  { digestSettings, previewDigest, testDigest },
);
