/* Public directory: as-you-type search (the results part of the page, fetched), "use my location", and on
   request (at once on a wide screen) the map of station jurisdictions: tap it to find the covering station.
   Leaflet and the polygons load only when the map is shown, so a phone on a slow network gets the list first. */
(function () {
  "use strict";
  const cfg = window.SURAKSHA = JSON.parse(document.getElementById("suraksha-config").textContent);
  const _ = window.gettext;
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const form = $("dir-search"), q = $("q"), results = $("results"), out = $("cover-result");
  const nameOf = (s) => (cfg.lang === "hi" && s.name_hi) || (cfg.lang === "mr" && s.name_mr) || s.name;

  // search as she types -------------------------------------------------------------------------
  let timer = null, seq = 0;
  async function search() {
    const params = new URLSearchParams(new FormData(form));
    const mine = ++seq;
    try {
      const resp = await fetch(`${form.action}?${params}&part=results`, { headers: { Accept: "text/html" } });
      if (mine !== seq || !resp.ok) return;
      results.innerHTML = await resp.text();
      history.replaceState(null, "", `${form.action}?${params}`);
    } catch (_err) { /* offline: the form still submits as a page */ }
  }
  q.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 250); });
  form.addEventListener("submit", (ev) => { ev.preventDefault(); clearTimeout(timer); search(); });
  if ($("city")) $("city").addEventListener("change", () => { window.location = `${form.action}?${new URLSearchParams(new FormData(form))}`; });

  // which station covers a point ----------------------------------------------------------------
  let map = null, pin = null;
  function say(html) { out.hidden = false; out.innerHTML = html; }
  async function cover(lat, lon) {
    if (map) { if (pin) pin.remove(); pin = L.circleMarker([lat, lon], { radius: 7, color: "#b00020" }).addTo(map); }
    const r = await (await fetch(`/api/v1/jurisdiction?lat=${lat}&lon=${lon}`)).json();
    if (!r.station) { say(esc(_("No station's area covers this point. Call 112: the city control room will help."))); return; }
    const note = { inside: "", overlap: ` ${_("(on a boundary between stations)")}`,
      nearest: ` ${_("(nearest station, {metres} m away)", { metres: Math.round(r.distance_m) })}` }[r.match] || "";
    const s = r.station, women = s.women_helpline, notSet = _("not set");
    say(`<strong>${esc(nameOf(s))}</strong>${esc(note)}<br>${esc(_("Women helpline"))}: ${women
      ? `<a href="tel:${esc(women)}">${esc(women)}</a> · <a href="sms:${esc(women)}">${esc(_("SMS"))}</a>` : esc(notSet)}`);
  }
  const locate = $("locate");
  if (navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", () => {
      say(esc(_("Finding where you are…")));
      navigator.geolocation.getCurrentPosition((p) => cover(p.coords.latitude.toFixed(6), p.coords.longitude.toFixed(6)),
        () => { say(esc(_("Location not shared. Type a place or PIN code, or tap the map instead."))); });
    });
  }

  // the map, loaded when shown --------------------------------------------------------------------
  function load(tag, attrs) {
    return new Promise((resolve, reject) => {
      const el = Object.assign(document.createElement(tag), attrs);
      el.onload = resolve; el.onerror = reject; document.head.append(el);
    });
  }
  async function showMap() {
    const section = $("map-section"), button = $("show-map");
    section.hidden = false; button.setAttribute("aria-expanded", "true"); button.hidden = true;
    if (map) return;
    await Promise.all([load("link", { rel: "stylesheet", href: "/static/vendor/leaflet/leaflet.css" }),
      load("script", { src: "/static/vendor/leaflet/leaflet.js" })]);
    map = cfg.map = L.map("dir-map").setView([19.07, 72.87], 11); // cfg.map: for scripts and tests that point at a place
    if (cfg.tileUrl) L.tileLayer(cfg.tileUrl, { maxZoom: 19 }).addTo(map);
    const layer = L.geoJSON(null, { style: { color: "#5b6b7f", weight: 1, fillColor: "#e6edf3", fillOpacity: 0.5 } }).addTo(map);
    const fc = await (await fetch("/api/v1/stations.geojson" + (cfg.city ? `?city=${encodeURIComponent(cfg.city)}` : ""))).json();
    layer.addData(fc); if (fc.features.length) map.fitBounds(layer.getBounds());
    map.on("click", (e) => cover(e.latlng.lat.toFixed(6), e.latlng.lng.toFixed(6)));
  }
  const showButton = $("show-map");
  showButton.hidden = false;
  showButton.addEventListener("click", () => { showMap().catch(() => say(esc(_("The map could not be loaded.")))); });
  if (window.matchMedia("(min-width: 800px)").matches) showMap().catch(() => {});
  form.dataset.ready = "true"; // the search answers from now on
})();
