/* JSON over the staff API, for the pages' scripts: the session's CSRF token on every request, a body sent as JSON,
   and a refusal thrown as an Error with the API's message (and the fields it names), its stable `code` and the
   HTTP `status`. A page loads it after i18n.js; a script makes its own with `window.surakshaApi(cfg.csrf)`. */
(function () {
  "use strict";
  const _ = window.gettext;
  window.surakshaApi = function (csrf) {
    return async function api(path, options = {}) {
      const headers = { "Accept": "application/json", "X-CSRF-Token": csrf, ...(options.headers || {}) };
      if (options.body && typeof options.body !== "string") { headers["Content-Type"] = "application/json"; options.body = JSON.stringify(options.body); }
      const resp = await fetch(path, { credentials: "same-origin", ...options, headers });
      const data = resp.headers.get("content-type")?.includes("json") ? await resp.json() : null;
      if (!resp.ok) {
        const e = data?.error || {};
        const problems = Array.isArray(e.details) ? e.details.map((d) => `${String(d.field || "").replace(/^body\./, "")}: ${d.problem}`).join("; ") : "";
        const err = new Error((e.message || _("request failed ({status})", { status: resp.status })) + (problems ? ` (${problems})` : ""));
        err.status = resp.status; err.code = e.code;
        throw err;
      }
      return data;
    };
  };
})();
