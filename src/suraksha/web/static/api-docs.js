/* /docs: Swagger UI from the vendored bundle, with the settings the page passes as JSON (no inline script). */
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("docs-config").textContent);
  const { oauth2RedirectPath, ...settings } = cfg;
  window.ui = SwaggerUIBundle({
    ...settings,
    oauth2RedirectUrl: window.location.origin + oauth2RedirectPath,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
