/* The dispatcher console: queue, map and incident detail, kept live by Server-Sent Events. */
(function () {
  "use strict";
  const cfg = window.SURAKSHA;
  const state = { incidents: new Map(), units: new Map(), selected: null, incidentMarkers: new Map(), unitMarkers: new Map() };
  const $ = (sel) => document.querySelector(sel);
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

  async function api(path, options = {}) {
    const headers = { "Accept": "application/json", "X-CSRF-Token": cfg.csrf, ...(options.headers || {}) };
    if (options.body && typeof options.body !== "string") { headers["Content-Type"] = "application/json"; options.body = JSON.stringify(options.body); }
    const resp = await fetch(path, { credentials: "same-origin", ...options, headers });
    const data = resp.headers.get("content-type")?.includes("json") ? await resp.json() : null;
    if (!resp.ok) { throw new Error(data?.error?.message || `request failed (${resp.status})`); }
    return data;
  }

  // map ------------------------------------------------------------------------------------------
  const map = L.map("map", { preferCanvas: false, zoomControl: true });
  if (cfg.tileUrl) { L.tileLayer(cfg.tileUrl, { maxZoom: 19, attribution: "map tiles" }).addTo(map); }
  map.setView([19.07, 72.87], 11);
  const stationLayer = L.geoJSON(null, { style: { color: "#5b6b7f", weight: 1, fillColor: "#dfe7ef", fillOpacity: 0.5 },
    onEachFeature: (f, layer) => layer.bindTooltip(esc(f.properties.name), { sticky: true }) }).addTo(map);

  async function loadStations() {
    const fc = await api("/api/v1/stations.geojson" + (cfg.city ? `?city=${encodeURIComponent(cfg.city)}` : ""));
    stationLayer.clearLayers(); stationLayer.addData(fc);
    if (fc.features.length) map.fitBounds(stationLayer.getBounds(), { padding: [10, 10] });
  }

  function ageText(iso) {
    const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    return s < 60 ? `${Math.round(s)} s` : s < 3600 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
  }

  // incidents ------------------------------------------------------------------------------------
  function incidentIcon(i) {
    const cls = `inc-marker p${Math.min(i.priority, 3)}${i.location_known ? "" : " unknown"}${state.selected === i.tracking ? " selected" : ""}`;
    return L.divIcon({ className: "", html: `<div class="${cls}" data-testid="incident-marker" data-tracking="${esc(i.tracking)}">${i.priority}</div>`, iconSize: [22, 22], iconAnchor: [11, 11] });
  }

  function renderQueue() {
    const list = [...state.incidents.values()].sort((a, b) => a.priority - b.priority || Date.parse(a.received_at) - Date.parse(b.received_at));
    $("#queue").innerHTML = list.map((i) => `
      <li class="q-item p${Math.min(i.priority, 3)}${state.selected === i.tracking ? " selected" : ""}" data-testid="queue-item" data-tracking="${esc(i.tracking)}" tabindex="0">
        <span class="prio">P${i.priority}</span>
        <span class="q-main"><strong>${esc(i.tracking)}</strong> · ${esc(i.category.replaceAll("_", " "))}<br>
          <small>${esc(i.station_name || "unrouted: control room")}${i.location_known ? "" : " · location unknown"}</small></span>
        <span class="q-side"><span class="status s-${esc(i.status)}" data-testid="queue-status">${esc(i.status.replace("_", " "))}</span><small>${ageText(i.received_at)}</small></span>
      </li>`).join("");
    $("#queue-count").textContent = list.length;
    $("#queue-empty").hidden = list.length > 0;
    for (const [t, m] of state.incidentMarkers) { if (!state.incidents.has(t)) { m.remove(); state.incidentMarkers.delete(t); } }
    for (const i of list) {
      if (!i.location) continue;
      const [lon, lat] = i.location.coordinates;
      let m = state.incidentMarkers.get(i.tracking);
      if (!m) { m = L.marker([lat, lon], { zIndexOffset: 1000 }).on("click", () => select(i.tracking)).addTo(map); state.incidentMarkers.set(i.tracking, m); }
      m.setLatLng([lat, lon]); m.setIcon(incidentIcon(i));
    }
  }

  async function loadQueue() {
    const data = await api("/api/v1/incidents");
    state.incidents = new Map(data.incidents.map((i) => [i.tracking, i]));
    renderQueue();
    if (state.selected && !state.incidents.has(state.selected)) { await showDetail(state.selected); }
  }

  // units ----------------------------------------------------------------------------------------
  function unitId(u) { return u.id ?? u.unit_id; }
  function drawUnit(u) {
    const id = unitId(u); if (u.lat == null || u.lon == null) return;
    const cls = `unit-marker ${esc(u.status)}${u.stale ? " stale" : ""}`;
    const icon = L.divIcon({ className: "", html: `<div class="${cls}" data-testid="unit-marker" data-unit-id="${id}" data-status="${esc(u.status)}" title="${esc(u.call_sign)} · ${esc(u.status)}${u.stale ? " · GPS stale" : ""}"></div>`, iconSize: [12, 12], iconAnchor: [6, 6] });
    let m = state.unitMarkers.get(id);
    if (!m) { m = L.marker([u.lat, u.lon], { icon }).addTo(map); state.unitMarkers.set(id, m); }
    m.setLatLng([u.lat, u.lon]); m.setIcon(icon);
  }
  async function loadUnits() {
    const data = await api("/api/v1/units" + (cfg.city ? `?city=${encodeURIComponent(cfg.city)}` : ""));
    for (const u of data.units) { state.units.set(unitId(u), u); drawUnit(u); }
  }
  function updateUnit(ev) {
    const id = ev.unit_id ?? ev.id; const u = { ...(state.units.get(id) || {}), ...ev, id };
    state.units.set(id, u); drawUnit(u);
  }

  // detail ---------------------------------------------------------------------------------------
  async function select(tracking) { state.selected = tracking; renderQueue(); await showDetail(tracking); }

  async function showDetail(tracking) {
    const panel = $("#detail");
    try {
      const [i, assignments] = await Promise.all([api(`/api/v1/incidents/${tracking}`), api(`/api/v1/incidents/${tracking}/assignments`)]);
      const recs = cfg.canDispatch && i.status !== "closed" ? (await api(`/api/v1/incidents/${tracking}/recommendations?limit=5`)).recommendations || [] : [];
      panel.innerHTML = detailHtml(i, assignments.assignments || assignments || [], recs);
      if (i.location) map.panTo([i.location.coordinates[1], i.location.coordinates[0]]);
    } catch (err) { panel.innerHTML = `<p class="error pad">${esc(err.message)}</p>`; }
  }

  function detailHtml(i, assignments, recs) {
    const contacts = i.contacts ? i.contacts.map((c) => `<a href="tel:${esc(c.phone)}" data-testid="contact">${esc(c.phone)}</a>`).join(", ") : `<span class="muted">withheld (need to know)</span>`;
    const messages = (i.messages || []).map((m) => `<li><small>${esc(m.received_at.slice(11, 19))}</small> ${esc(m.body)}</li>`).join("");
    const told = (i.outbound || []).map((m) => `<li><small>${esc(m.kind.replaceAll("_", " "))} · ${esc(m.status)}</small> ${esc(m.body)}</li>`).join("");
    const timeline = assignments.map((a) => `<li>${esc(a.call_sign)}: dispatched ${esc((a.dispatched_at || "").slice(11, 19))}${a.en_route_at ? ", en route " + esc(a.en_route_at.slice(11, 19)) : ""}${a.on_scene_at ? ", on scene " + esc(a.on_scene_at.slice(11, 19)) : ""}${a.cleared_at ? ", cleared " + esc(a.cleared_at.slice(11, 19)) : ""}</li>`).join("");
    const recRows = recs.map((r) => `<li class="rec" data-testid="recommendation" data-unit-id="${r.unit_id ?? r.id}"><span><strong>${esc(r.call_sign)}</strong> ${esc(r.kind.replaceAll("_", " "))}<br><small>${(r.distance_m / 1000).toFixed(1)} km · ETA ${Math.round(r.eta_seconds / 60)} min${r.stale ? " · GPS stale" : ""}</small></span><button type="button" data-assign="${r.unit_id ?? r.id}" data-testid="assign">Assign</button></li>`).join("");
    return `<div class="pad">
      <h2 data-testid="detail-tracking">${esc(i.tracking)} <span class="prio-badge p${Math.min(i.priority, 3)}">P${i.priority}</span></h2>
      <p><span class="status s-${esc(i.status)}" data-testid="detail-status">${esc(i.status.replace("_", " "))}</span> · ${esc(i.category.replaceAll("_", " "))}</p>
      <dl class="facts"><dt>Station</dt><dd>${esc(i.station_name || "unrouted: control room")}</dd>
        <dt>Location</dt><dd>${i.location_known ? `${i.location.coordinates[1].toFixed(5)}, ${i.location.coordinates[0].toFixed(5)} (${esc(i.match)})` : "unknown: shown at the station"}</dd>
        <dt>Received</dt><dd>${esc(i.received_at.slice(0, 19).replace("T", " "))} UTC (${ageText(i.received_at)} ago)</dd>
        ${i.response_seconds != null ? `<dt>Response</dt><dd data-testid="response-time">${Math.floor(i.response_seconds / 60)} min ${i.response_seconds % 60} s</dd>` : ""}
        <dt>Contact</dt><dd>${contacts}</dd></dl>
      ${messages ? `<h3>Messages</h3><ul class="msgs">${messages}</ul>` : ""}
      ${told ? `<h3>Told to her</h3><ul class="msgs">${told}</ul>` : ""}
      ${timeline ? `<h3>Units</h3><ul class="timeline">${timeline}</ul>` : ""}
      ${recRows ? `<h3>Nearest available units</h3><ul class="recs">${recRows}</ul>` : (cfg.canDispatch && i.status !== "closed" ? `<p class="muted">No available unit nearby.</p>` : "")}
      ${cfg.canDispatch && i.status === "new" ? `<button type="button" class="secondary" data-close="${esc(i.tracking)}">Close without a unit…</button>` : ""}
    </div>`;
  }

  $("#detail").addEventListener("click", async (ev) => {
    const assign = ev.target.closest("[data-assign]");
    const close = ev.target.closest("[data-close]");
    try {
      if (assign) { assign.disabled = true; await api(`/api/v1/incidents/${state.selected}/assignments`, { method: "POST", body: { unit_id: Number(assign.dataset.assign) } }); }
      if (close) { const why = prompt("Why is it closed? (e.g. counselling referral, false alarm)"); if (!why) return; await api(`/api/v1/incidents/${close.dataset.close}/close`, { method: "POST", body: { disposition: why } }); }
      if (assign || close) { await Promise.all([loadQueue(), showDetail(state.selected)]); }
    } catch (err) { alert(err.message); if (assign) assign.disabled = false; }
  });
  $("#queue").addEventListener("click", (ev) => { const li = ev.target.closest("[data-tracking]"); if (li) select(li.dataset.tracking); });
  $("#queue").addEventListener("keydown", (ev) => { const li = ev.target.closest("[data-tracking]"); if (li && ev.key === "Enter") select(li.dataset.tracking); });

  // live -----------------------------------------------------------------------------------------
  let queueTimer = null, detailTimer = null;
  const soon = (fn, timer) => { clearTimeout(timer); return setTimeout(fn, 150); };
  function connect() {
    const es = new EventSource("/api/v1/stream");
    es.onopen = () => { $("#live").textContent = "live"; $("#live").classList.add("on"); loadQueue(); };
    es.onerror = () => { $("#live").textContent = "reconnecting…"; $("#live").classList.remove("on"); };
    const onIncident = (e) => {
      queueTimer = soon(loadQueue, queueTimer);
      const d = JSON.parse(e.data);
      if (state.selected && d.tracking === state.selected) detailTimer = soon(() => showDetail(state.selected), detailTimer);
    };
    ["IncidentReported", "IncidentUpdated", "IncidentClosed"].forEach((t) => es.addEventListener(t, onIncident));
    ["UnitMoved", "UnitStatusChanged", "UnitDispatched", "UnitCreated"].forEach((t) => es.addEventListener(t, (e) => updateUnit(JSON.parse(e.data))));
    ["StationsImported"].forEach((t) => es.addEventListener(t, () => loadStations()));
  }

  setInterval(renderQueue, 30000); // ages tick on
  loadStations().then(() => Promise.all([loadQueue(), loadUnits()])).finally(connect);
})();
