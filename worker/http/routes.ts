import { OpenAPIHono, z, type RouteConfig } from "@hono/zod-openapi";
import type { Schema } from "hono";
import type { AppEnv } from "../env";
import { ApiError, issuesToDetails } from "../lib/errors";

/**
 * An OpenAPIHono whose validation failures become the 400 envelope (docs/partner-api.md#errors),
 * with one `{ field, message }` entry per bad field in `details`.
 */
export function createApi() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new ApiError("BadRequest", "Invalid request", issuesToDetails(result.error.issues, result.target));
      }
    },
  });
}

export const ErrorSchema = z
  .object({
    code: z.string().openapi({ example: "NotFound" }),
    message: z.string(),
    details: z.unknown().nullable(),
  })
  .openapi("Error");

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});

/** The error responses every partner route can give. */
export const commonErrors = {
  400: errorResponse("Invalid request; `details` lists each bad field"),
  401: errorResponse("Missing, unknown, revoked or expired API key"),
  403: errorResponse("The API key lacks the scope this route needs"),
  404: errorResponse("Not found (also for another partner's resources)"),
} as const;

export const errorResponses = (...statuses: (409 | 413 | 422 | 429)[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      errorResponse(
        { 409: "Conflict", 413: "Payload too large", 422: "Business rule violated", 429: "Rate limited" }[s],
      ),
    ]),
  );

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

export const jsonResponse = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { "application/json": { schema } },
});

type RouteApp = OpenAPIHono<AppEnv, Schema, "/">;

/** Changes the documentation of every operation an app holds (its own and those mounted in it) before it is mounted. */
export function documentEach(app: RouteApp, change: (route: RouteConfig) => void) {
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type === "route") change(definition.route);
  }
  return app;
}

/** A group of operations in the API reference: one per resource folder. */
export interface Tag {
  name: string;
  description: string;
}

const tags = new Map<string, Tag>();

/** Every tag a resource declared, in the order they were declared. */
export const declaredTags = (): Tag[] => [...tags.values()];

/**
 * The router of a resource folder: mounts its routes and files all their operations under its
 * tag. A route app named by its key (`{ listOrganizations }`) lends that name to its one
 * operation as `operationId`; apps with several operations name them in their routes.
 */
export function resource(tag: Tag, routes: Record<string, RouteApp>) {
  tags.set(tag.name, tag);
  const router = createApi();
  for (const [name, routeApp] of Object.entries(routes)) {
    const operations = routeApp.openAPIRegistry.definitions.filter((definition) => definition.type === "route");
    documentEach(routeApp, (route) => {
      route.tags = [tag.name];
      if (operations.length === 1) route.operationId ??= name;
      if (!route.operationId) throw new Error(`${route.method} ${route.path} needs an operationId`);
    });
    router.route("/", routeApp);
  }
  return router;
}
