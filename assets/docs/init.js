// Swagger UI rendering the Worker's OpenAPI document. No validatorUrl: Swagger UI would
// otherwise send the document to an online validator.
window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#reference",
  validatorUrl: null,
  deepLinking: true,
  docExpansion: "list",
  persistAuthorization: false,
  tryItOutEnabled: false,
});
