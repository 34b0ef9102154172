import { z } from "@hono/zod-openapi";
import { IcpConfigSchema } from "../../icp/schema";
import { jsonResponse } from "../../http/routes";
import { IdParam } from "../schemas";

export const organizationParams = z.object({ organizationId: IdParam("organizationId") });
export const configParams = z.object({
  organizationId: IdParam("organizationId"),
  icpConfigId: IdParam("icpConfigId"),
});
export const configResponse = (description: string) =>
  jsonResponse(description, z.object({ icpConfig: IcpConfigSchema }));
