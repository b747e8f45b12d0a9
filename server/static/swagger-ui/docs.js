// The page's `?tenant=` goes on to /openapi.json, which presets the spec's tenantName to it.
window.onload = function () {
  const tenant = new URLSearchParams(window.location.search).get("tenant");
  window.ui = SwaggerUIBundle({
    url: "../openapi.json" + (tenant ? "?tenant=" + encodeURIComponent(tenant) : ""),
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
  });
};
