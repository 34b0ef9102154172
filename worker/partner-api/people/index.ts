import { resource } from "../../http/routes";
import { erasePerson } from "./erase";
import { exportPerson } from "./export";

/** `/partner/people/{emailSha256}…`: a person across the partner's organizations, for data-subject requests (docs/privacy.md). */
export const peopleRoutes = resource(
  { name: "People", description: "A person (by email hash) across your organizations: data-subject requests." },
  { exportPerson, erasePerson },
);
