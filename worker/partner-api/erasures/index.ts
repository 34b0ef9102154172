import { resource } from "../../http/routes";
import { getErasure } from "./get";

/** `/partner/erasures/{erasureId}`: a person's erasure running in the background (docs/privacy.md). */
export const erasureRoutes = resource(
  { name: "Erasures", description: "A person's erasure across your organizations, run in the background." },
  { getErasure },
);
