/* Housing societies on a map: a dot for each registered society, and the pin of the form on the page, which an
   officer places by clicking the map (or by typing its latitude and longitude). */
(function () {
  "use strict";
  const _ = window.gettext;
  const cfg = JSON.parse(document.getElementById("suraksha-config").textContent);
  const lat = document.getElementById("society-lat");
  const lon = document.getElementById("society-lon");
  const map = L.map("society-map").setView([19.07, 72.87], 12);
  if (cfg.tileUrl) L.tileLayer(cfg.tileUrl, { maxZoom: 19, attribution: _("map tiles") }).addTo(map);
  const shown = [];
  for (const s of cfg.societies) {
    const dot = L.circleMarker([s.lat, s.lon], { radius: 7, color: s.active ? "#6a1b9a" : "#8a8f98" }).addTo(map);
    dot.bindTooltip(s.active ? s.name : _("{name} (deactivated)", { name: s.name }));
    shown.push([s.lat, s.lon]);
  }
  if (shown.length === 1) map.setView(shown[0], 16);
  else if (shown.length > 1) map.fitBounds(shown, { maxZoom: 16, padding: [20, 20] });
  let pin = null;
  function place() {
    const la = parseFloat(lat.value), lo = parseFloat(lon.value);
    if (!isFinite(la) || !isFinite(lo)) return;
    if (!pin) pin = L.circleMarker([la, lo], { radius: 10, color: "#c62828", weight: 3 }).addTo(map).bindTooltip(_("the society's pin"));
    pin.setLatLng([la, lo]);
  }
  if (lat && lon) {
    place();
    map.on("click", (e) => {
      lat.value = e.latlng.lat.toFixed(6);
      lon.value = e.latlng.lng.toFixed(6);
      place();
    });
    lat.addEventListener("change", place);
    lon.addEventListener("change", place);
  }
})();
