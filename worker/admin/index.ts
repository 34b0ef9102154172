import { createApi } from "../http/openapi";
import { adminAuth } from "./auth";
import { adminCompanies } from "./companies";
import { adminPartners } from "./partners";
import { adminPeople } from "./people";

/** `/api/v1/admin/…`: the operator onboards partners and imports identification data. */
export const adminApi = createApi();
adminApi.use("*", adminAuth);
adminApi.route("/", adminPartners).route("/", adminCompanies).route("/", adminPeople);
