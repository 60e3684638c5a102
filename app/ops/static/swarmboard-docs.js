// Starts Swagger UI on /docs. A file of its own, served from this origin: the strict
// Content-Security-Policy runs no inline script and nothing from a CDN.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    deepLinking: true,
    // The public validator badge would load an image from elsewhere.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
