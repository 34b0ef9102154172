import { z } from "@hono/zod-openapi";
import { IcpConfigSchema } from "../../icp/schemas";
import { jsonResponse } from "../../http/routes";
import { IdParam } from "../../http/schemas";

export const configParams = z.object({
  organizationId: IdParam("organizationId"),
  icpConfigId: IdParam("icpConfigId"),
});
export const configResponse = (description: string) =>
  jsonResponse(description, z.object({ icpConfig: IcpConfigSchema }));

export const IcpPriority = z
  .number()
  .int()
  .min(0)
  .max(10_000)
  .openapi({ description: "Lower numbers are evaluated first; ties go to the older config" });
