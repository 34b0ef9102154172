import { resource } from "../../http/routes";
import { createSuppression } from "./create";
import { deleteSuppression } from "./delete";
import { listSuppressionsRoute } from "./list";

/** `/partner/suppressions…`: people the partner's organizations never identify or charge again (docs/privacy.md). */
export const suppressionRoutes = resource(
  { name: "Suppressions", description: "People (by email hash) never identified or charged again." },
  { listSuppressions: listSuppressionsRoute, createSuppression, deleteSuppression },
);
