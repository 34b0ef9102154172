import { Hono } from "hono";
import type { AppEnv } from "../env";
import { SWAGGER_UI_SCRIPT, SWAGGER_UI_STYLE, SWAGGER_UI_VERSION } from "./dist/swagger-ui";

/** Where the Worker serves the OpenAPI document the page renders. */
export const OPENAPI_PATH = "/api/v1/openapi.json";

// The UI's files are versioned by the package version, so browsers may keep them for a day.
const ASSET_CACHE = "public, max-age=86400";

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Partner API reference</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css?v=${SWAGGER_UI_VERSION}">
</head>
<body>
  <div id="reference"></div>
  <script src="/docs/swagger-ui-bundle.js?v=${SWAGGER_UI_VERSION}"></script>
  <script src="/docs/init.js?v=${SWAGGER_UI_VERSION}"></script>
</body>
</html>
`;

// No validatorUrl: Swagger UI would otherwise send the document to an online validator.
const init = `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(OPENAPI_PATH)},
  dom_id: "#reference",
  validatorUrl: null,
  deepLinking: true,
  docExpansion: "list",
  persistAuthorization: false,
  tryItOutEnabled: false
});
`;

/**
 * `/docs`: the human-readable API reference, Swagger UI rendering `/api/v1/openapi.json`.
 * Everything it loads comes from this Worker (bundled by scripts/build-docs.ts), none from a CDN.
 */
export const docsRoute = new Hono<AppEnv>();
docsRoute.get("/", (c) => c.html(page, 200, { "cache-control": "no-cache" }));
docsRoute.get("/swagger-ui-bundle.js", (c) =>
  c.body(SWAGGER_UI_SCRIPT, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": ASSET_CACHE }),
);
docsRoute.get("/init.js", (c) =>
  c.body(init, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": ASSET_CACHE }),
);
docsRoute.get("/swagger-ui.css", (c) =>
  c.body(SWAGGER_UI_STYLE, 200, { "content-type": "text/css; charset=utf-8", "cache-control": ASSET_CACHE }),
);
