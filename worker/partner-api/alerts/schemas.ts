import { z } from "@hono/zod-openapi";
import { AlertSchema } from "../../alerts/schemas";
import { jsonResponse } from "../../http/routes";
import { IdParam } from "../../http/schemas";

export const AlertParams = z.object({ organizationId: IdParam("organizationId"), alertId: IdParam("alertId") });

export const alertResponse = (description: string) => jsonResponse(description, z.object({ alert: AlertSchema }));
