/* A station's registered offenders on a map: the jurisdiction and one dot per current address. */
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("suraksha-config").textContent);
  const map = L.map("offender-map").setView([19.07, 72.87], 12);
  if (cfg.tileUrl) L.tileLayer(cfg.tileUrl, { maxZoom: 19 }).addTo(map);
  const area = L.geoJSON(null, { style: { color: "#5b6b7f", weight: 1, fillColor: "#e6edf3", fillOpacity: 0.4 } }).addTo(map);
  fetch("/api/v1/stations.geojson").then((r) => r.json()).then((fc) => {
    area.addData({ type: "FeatureCollection", features: fc.features.filter((f) => (f.id ?? f.properties.id) === cfg.stationId) });
    if (area.getLayers().length) map.fitBounds(area.getBounds());
  });
  for (const [lat, lon] of cfg.offenders) L.circleMarker([lat, lon], { radius: 6, color: "#c62828" }).addTo(map);
})();
