import { createApi } from "../http/routes";
import { adminAuth } from "./auth";
import { adminCompanies } from "./companies";
import { adminPartners } from "./partners";
import { adminPeople } from "./people";
import { updatePartner } from "./update-partner";
import { adminCreditsAdjust } from "./credits-adjust";

/** `/api/v1/admin/…`: the operator onboards partners and imports identification data. */
export const adminApi = createApi();
adminApi.use("*", adminAuth);
adminApi.route("/", adminPartners).route("/", adminCompanies).route("/", adminPeople);
adminApi.route("/", updatePartner);
adminApi.route("/", adminCreditsAdjust);
