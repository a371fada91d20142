"use strict";
// Starts Redoc on /api/redoc/ from a static file, so the page needs no inline script. Redoc
// builds its styles in the browser; they carry this script's CSP nonce, which the policy
// allows for this page only.
(function () {
  const nonce = document.currentScript.nonce;
  const container = document.getElementById("redoc-container");
  const settings = JSON.parse(container.dataset.settings || "{}");
  Redoc.init(container.dataset.schemaUrl, { ...settings, nonce }, container);
})();
