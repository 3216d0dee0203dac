/* Public directory: which station covers a point, on a map of station jurisdictions. */
(function () {
  "use strict";
  const cfg = window.SURAKSHA = JSON.parse(document.getElementById("suraksha-config").textContent);
  const out = document.getElementById("cover-result");
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const map = L.map("dir-map").setView([19.07, 72.87], 11);
  cfg.map = map; // for scripts and tests that need to point at a place
  if (cfg.tileUrl) L.tileLayer(cfg.tileUrl, { maxZoom: 19 }).addTo(map);
  const layer = L.geoJSON(null, { style: { color: "#5b6b7f", weight: 1, fillColor: "#e6edf3", fillOpacity: 0.5 } }).addTo(map);
  let pin = null;
  fetch("/api/v1/stations.geojson" + (cfg.city ? `?city=${encodeURIComponent(cfg.city)}` : "")).then((r) => r.json()).then((fc) => {
    layer.addData(fc); if (fc.features.length) map.fitBounds(layer.getBounds());
  });
  async function cover(lat, lon) {
    if (pin) pin.remove(); pin = L.circleMarker([lat, lon], { radius: 7, color: "#b00020" }).addTo(map);
    const r = await (await fetch(`/api/v1/jurisdiction?lat=${lat}&lon=${lon}`)).json();
    if (!r.station) { out.innerHTML = `No station's area covers this point. Call <strong>112</strong>: the city control room will help.`; return; }
    const note = { inside: "", overlap: " (on a boundary between stations)", nearest: ` (nearest station, ${Math.round(r.distance_m)} m away)` }[r.match] || "";
    const s = r.station;
    out.innerHTML = `<strong>${esc(s.name)}</strong>${note}<br>Women helpline: ${s.women_helpline ? `<a href="sms:${esc(s.women_helpline)}">${esc(s.women_helpline)}</a>` : "not set"}`;
  }
  map.on("click", (e) => cover(e.latlng.lat.toFixed(6), e.latlng.lng.toFixed(6)));
  document.getElementById("locate").addEventListener("click", () => {
    if (!navigator.geolocation) { out.textContent = "This browser cannot share a location. Tap the map instead."; return; }
    navigator.geolocation.getCurrentPosition((p) => cover(p.coords.latitude.toFixed(6), p.coords.longitude.toFixed(6)),
      () => { out.textContent = "Location not shared. Tap the map instead."; });
  });
})();
