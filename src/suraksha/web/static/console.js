/* The console: queue, map and incident detail with its timeline and the actions of its life (note, priority,
   category, transfer, close, reopen, accept a later location), kept live by Server-Sent Events.
   Every time on screen is in the city's time zone (cfg.timeZone), never UTC. */
(function () {
  "use strict";
  const cfg = window.SURAKSHA = JSON.parse(document.getElementById("suraksha-config").textContent);
  const TZ = cfg.timeZone || "Asia/Kolkata";
  const CATEGORIES = ["immediate_danger", "sexual_assault", "child_at_risk", "domestic_violence", "stalking_harassment",
    "cyber", "help_request"];
  const STATUS_WORDS = { new: "new", dispatched: "dispatched", en_route: "en route", on_scene: "on scene", closed: "closed" };
  const UNIT_STEPS = { unit_dispatched: "dispatched", unit_en_route: "en route", unit_arrived: "arrived", unit_cleared: "cleared" };
  const CHANNELS = { sms: "SMS", whatsapp: "WhatsApp", call: "call", sos: "SOS", "twiml-reply": "SMS reply" };
  const INCIDENT_EVENTS = ["IncidentReported", "IncidentUpdated", "IncidentTransferred", "IncidentNoted", "IncidentClosed",
    "IncidentReopened", "IncidentLocationProposed", "IncidentLocationChanged", "IncidentMessageUndelivered"];

  const stations = new Map((cfg.stations || []).map(([id, name, city]) => [id, { id, name, city }]));
  const dispositions = cfg.dispositions || [];
  let categories = CATEGORIES;
  const state = {
    incidents: new Map(), units: new Map(), selected: null, detail: null, assignments: [], recs: [],
    incidentMarkers: new Map(), unitMarkers: new Map(), movedAway: new Map(), queueSeq: 0, detailSeq: 0,
  };
  const $ = (sel) => document.querySelector(sel);
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const words = (s) => String(s ?? "").replaceAll("_", " ");
  const statusWords = (s) => STATUS_WORDS[s] || words(s);
  const stationName = (id) => stations.get(Number(id))?.name || (id != null ? `station #${id}` : "the control room");
  const prioClass = (p) => `p${Math.min(p, 3)}`;

  async function api(path, options = {}) {
    const headers = { "Accept": "application/json", "X-CSRF-Token": cfg.csrf, ...(options.headers || {}) };
    if (options.body && typeof options.body !== "string") { headers["Content-Type"] = "application/json"; options.body = JSON.stringify(options.body); }
    const resp = await fetch(path, { credentials: "same-origin", ...options, headers });
    const data = resp.headers.get("content-type")?.includes("json") ? await resp.json() : null;
    if (!resp.ok) {
      const e = data?.error || {};
      const problems = Array.isArray(e.details) ? e.details.map((d) => `${String(d.field || "").replace(/^body\./, "")}: ${d.problem}`).join("; ") : "";
      const err = new Error((e.message || `request failed (${resp.status})`) + (problems ? ` (${problems})` : ""));
      err.status = resp.status; err.code = e.code;
      throw err;
    }
    return data;
  }

  // local time -----------------------------------------------------------------------------------
  const fmt = {
    time: new Intl.DateTimeFormat("en-GB", { timeZone: TZ, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }),
    day: new Intl.DateTimeFormat("en-GB", { timeZone: TZ, day: "numeric", month: "short" }),
    dayYear: new Intl.DateTimeFormat("en-GB", { timeZone: TZ, day: "numeric", month: "short", year: "numeric" }),
    key: new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit" }),
    seconds: new Intl.DateTimeFormat("en-GB", { timeZone: TZ, day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }),
  };
  /** "10:05" today, "22 Nov, 10:05" another day, "22 Nov 2025, 10:05" another year: in the city's zone. */
  function localTime(iso) {
    if (!iso) return "";
    const d = new Date(iso); if (Number.isNaN(d.getTime())) return "";
    const day = fmt.key.format(d), today = fmt.key.format(new Date());
    if (day === today) return fmt.time.format(d);
    return `${(day.slice(0, 4) === today.slice(0, 4) ? fmt.day : fmt.dayYear).format(d)}, ${fmt.time.format(d)}`;
  }
  const timeHtml = (iso) => iso ? `<time datetime="${esc(iso)}" data-local title="${esc(fmt.seconds.format(new Date(iso)))}">${esc(localTime(iso))}</time>` : "";
  function ageText(iso) {
    const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    return s < 60 ? `${Math.round(s)} s` : s < 3600 ? `${Math.floor(s / 60)} min` : s < 86400 ? `${Math.floor(s / 3600)} h` : `${Math.floor(s / 86400)} d`;
  }
  const ageHtml = (iso) => iso ? `<span data-age="${esc(iso)}">${ageText(iso)}</span>` : "";
  function tick() { // ages keep counting and "today" stays true after midnight, without touching what is being typed
    document.querySelectorAll("[data-age]").forEach((el) => { el.textContent = ageText(el.dataset.age); });
    document.querySelectorAll("time[data-local]").forEach((el) => { el.textContent = localTime(el.getAttribute("datetime")); });
  }

  // map ------------------------------------------------------------------------------------------
  const map = L.map("map", { preferCanvas: false, zoomControl: true });
  if (cfg.tileUrl) { L.tileLayer(cfg.tileUrl, { maxZoom: 19, attribution: "map tiles" }).addTo(map); }
  map.setView([19.07, 72.87], 11);
  const stationLayer = L.geoJSON(null, { style: { color: "#5b6b7f", weight: 1, fillColor: "#dfe7ef", fillOpacity: 0.5 },
    onEachFeature: (f, layer) => layer.bindTooltip(esc(f.properties.name), { sticky: true }) }).addTo(map);
  const proposedLayer = L.layerGroup().addTo(map);

  async function loadStations() {
    const fc = await api("/api/v1/stations.geojson" + (cfg.city ? `?city=${encodeURIComponent(cfg.city)}` : ""));
    stationLayer.clearLayers(); stationLayer.addData(fc);
    learnStations(fc);
    if (fc.features.length) map.fitBounds(stationLayer.getBounds(), { padding: [10, 10] });
  }
  /** A fresh import renames or replaces stations: the transfer list follows (for the map's city, or all). */
  function learnStations(fc) {
    const fresh = fc.features.map((f) => f.properties).filter((p) => p && p.id != null && p.name);
    if (!fresh.length) return;
    for (const [id, s] of stations) { if (!cfg.city || s.city === cfg.city) stations.delete(id); }
    for (const p of fresh) stations.set(p.id, { id: p.id, name: p.name, city: p.city });
  }

  function distanceM([lon1, lat1], [lon2, lat2]) {
    const r = Math.PI / 180, dLat = (lat2 - lat1) * r, dLon = (lon2 - lon1) * r;
    const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(dLon / 2) ** 2;
    return 2 * 6371000 * Math.asin(Math.sqrt(a));
  }
  const km = (m) => m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(1)} km`;
  const latLon = (pt) => `${pt.coordinates[1].toFixed(5)}, ${pt.coordinates[0].toFixed(5)}`;

  // incidents ------------------------------------------------------------------------------------
  function incidentIcon(i) {
    const [lon, lat] = i.location.coordinates;
    const cls = `inc-marker ${i.status === "closed" ? "closed" : prioClass(i.priority)}${i.location_known ? "" : " unknown"}${state.selected === i.tracking ? " selected" : ""}`;
    return L.divIcon({ className: "", html: `<div class="${cls}" data-testid="incident-marker" data-tracking="${esc(i.tracking)}" data-lat="${lat}" data-lon="${lon}" title="${esc(i.tracking)} · P${i.priority} · ${esc(statusWords(i.status))}">${i.priority}</div>`, iconSize: [22, 22], iconAnchor: [11, 11] });
  }

  function renderQueue() {
    const list = [...state.incidents.values()].sort((a, b) => a.priority - b.priority || Date.parse(a.received_at) - Date.parse(b.received_at));
    $("#queue").innerHTML = list.map((i) => `
      <li class="q-item ${prioClass(i.priority)}${state.selected === i.tracking ? " selected" : ""}" data-testid="queue-item" data-tracking="${esc(i.tracking)}" tabindex="0">
        <span class="prio">P${i.priority}</span>
        <span class="q-main"><strong>${esc(i.tracking)}</strong> · ${esc(words(i.category))}<br>
          <small>${esc(i.station_name || "unrouted: control room")}${i.location_known ? "" : " · location unknown"}${i.proposed_location ? ` · <span class="flag">new location?</span>` : ""}<br>received ${timeHtml(i.received_at)}</small></span>
        <span class="q-side"><span class="status s-${esc(i.status)}" data-testid="queue-status">${esc(statusWords(i.status))}</span><small title="since she first wrote">${ageHtml(i.received_at)}</small></span>
      </li>`).join("");
    $("#queue-count").textContent = list.length;
    $("#queue-empty").hidden = list.length > 0;
    renderIncidentMarkers(list);
  }

  function renderIncidentMarkers(list) {
    const shown = new Map(list.filter((i) => i.location).map((i) => [i.tracking, i]));
    const d = state.detail; // the incident open in the panel stays on the map, even closed or found by its link
    if (d && d.tracking === state.selected && d.location && !shown.has(d.tracking)) shown.set(d.tracking, d);
    for (const [t, m] of state.incidentMarkers) { if (!shown.has(t)) { m.remove(); state.incidentMarkers.delete(t); } }
    for (const i of shown.values()) {
      const [lon, lat] = i.location.coordinates;
      let m = state.incidentMarkers.get(i.tracking);
      if (!m) { m = L.marker([lat, lon], { zIndexOffset: 1000, keyboard: false }).on("click", () => select(i.tracking)).addTo(map); state.incidentMarkers.set(i.tracking, m); }
      m.setLatLng([lat, lon]); m.setIcon(incidentIcon(i));
    }
  }

  async function loadQueue() {
    const seq = ++state.queueSeq;
    const data = await api("/api/v1/incidents");
    if (seq !== state.queueSeq) return; // a newer load is on its way
    state.incidents = new Map(data.incidents.map((i) => [i.tracking, i]));
    renderQueue();
  }

  // units ----------------------------------------------------------------------------------------
  function unitId(u) { return u.id ?? u.unit_id; }
  function drawUnit(u) {
    const id = unitId(u); if (u.lat == null || u.lon == null) return;
    const cls = `unit-marker ${esc(u.status)}${u.stale ? " stale" : ""}`;
    const icon = L.divIcon({ className: "", html: `<div class="${cls}" data-testid="unit-marker" data-unit-id="${id}" data-status="${esc(u.status)}" title="${esc(u.call_sign)} · ${esc(words(u.status))}${u.stale ? " · GPS stale" : ""}"></div>`, iconSize: [12, 12], iconAnchor: [6, 6] });
    let m = state.unitMarkers.get(id);
    if (!m) { m = L.marker([u.lat, u.lon], { icon, keyboard: false }).addTo(map); state.unitMarkers.set(id, m); }
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
  async function select(tracking) {
    tracking = String(tracking || "").trim().toUpperCase();
    if (!tracking) return;
    state.selected = tracking;
    if (decodeURIComponent(location.hash.slice(1)) !== tracking) history.replaceState(null, "", `#${encodeURIComponent(tracking)}`);
    renderQueue();
    await showDetail(tracking, { pan: true });
  }

  async function showDetail(tracking, { pan = false } = {}) {
    const seq = ++state.detailSeq;
    const panel = $("#detail");
    const t = encodeURIComponent(tracking);
    try {
      const listed = state.incidents.get(tracking);
      const wantRecs = cfg.canDispatch && (!listed || listed.status !== "closed");
      const [i, a, r] = await Promise.all([
        api(`/api/v1/incidents/${t}?timeline=true`),
        api(`/api/v1/incidents/${t}/assignments`).catch(() => ({ assignments: [] })),
        wantRecs ? api(`/api/v1/incidents/${t}/recommendations?limit=5`).catch(() => ({ recommendations: [] })) : { recommendations: [] },
      ]);
      if (seq !== state.detailSeq || state.selected !== tracking) return;
      state.assignments = a.assignments || [];
      state.recs = r.recommendations || [];
      renderDetail(i, { pan });
    } catch (err) {
      if (seq !== state.detailSeq || state.selected !== tracking) return;
      state.detail = null; proposedLayer.clearLayers(); renderQueue();
      if (err.status === 404 && state.movedAway.has(tracking)) {
        panel.innerHTML = `<p class="notice pad" data-testid="detail-notice">${esc(tracking)} was transferred to ${esc(stationName(state.movedAway.get(tracking)))}, outside your area.</p>`;
      } else {
        panel.innerHTML = `<p class="error pad" role="alert" data-testid="detail-error">${esc(err.message)}</p>`;
      }
    }
  }

  /** What has been typed or chosen in the panel's forms, so a live refresh does not wipe it. */
  function captureForms(panel) {
    const saved = { values: {}, focus: null, errors: {} };
    panel.querySelectorAll("form[data-action] .form-error:not([hidden])").forEach((el) => { saved.errors[el.closest("form").dataset.action] = el.textContent; });
    const general = panel.querySelector("[data-testid=action-error]:not([hidden])");
    if (general) saved.errors[""] = general.textContent;
    panel.querySelectorAll("form [data-testid]").forEach((el) => {
      if (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type === "text")) { if (el.value) saved.values[el.dataset.testid] = el.value; }
      else if (el.tagName === "SELECT" && el.selectedOptions[0] && !el.selectedOptions[0].defaultSelected) saved.values[el.dataset.testid] = el.value;
    });
    const active = document.activeElement;
    if (active && panel.contains(active) && active.dataset.testid) {
      saved.focus = { id: active.dataset.testid, start: active.selectionStart, end: active.selectionEnd };
    }
    return saved;
  }
  function restoreForms(panel, saved) {
    for (const [action, text] of Object.entries(saved.errors || {})) {
      const form = action ? panel.querySelector(`form[data-action="${action}"]`) : null;
      if (form || !action) showError(form, text);
    }
    for (const [id, value] of Object.entries(saved.values)) {
      const el = panel.querySelector(`[data-testid="${id}"]`);
      if (el && (el.tagName !== "SELECT" || [...el.options].some((o) => o.value === value))) el.value = value;
    }
    if (saved.focus) {
      const el = panel.querySelector(`[data-testid="${saved.focus.id}"]`);
      if (el) { el.focus(); if (saved.focus.start != null && el.setSelectionRange) { try { el.setSelectionRange(saved.focus.start, saved.focus.end); } catch (_) { /* not a text field */ } } }
    }
  }

  function renderDetail(i, { pan = false } = {}) {
    const panel = $("#detail");
    const same = state.detail && state.detail.tracking === i.tracking;
    const saved = same ? captureForms(panel) : { values: {}, focus: null, errors: {} };
    const scroll = same ? panel.scrollTop : 0;
    const moved = same && (JSON.stringify(state.detail.location) !== JSON.stringify(i.location)
      || JSON.stringify(state.detail.proposed_location) !== JSON.stringify(i.proposed_location));
    state.detail = i;
    if (state.incidents.has(i.tracking)) {
      if (i.status === "closed") state.incidents.delete(i.tracking); else state.incidents.set(i.tracking, i);
    }
    panel.innerHTML = detailHtml(i);
    restoreForms(panel, saved);
    panel.scrollTop = scroll;
    renderQueue();
    drawProposed(i);
    if (pan || moved) panToIncident(i);
  }

  function drawProposed(i) {
    proposedLayer.clearLayers();
    if (!i.proposed_location || !i.location) return;
    const [lon, lat] = i.proposed_location.coordinates;
    const [lon0, lat0] = i.location.coordinates;
    L.polyline([[lat0, lon0], [lat, lon]], { color: "#6a1b9a", weight: 2, dashArray: "6 6", interactive: false }).addTo(proposedLayer);
    const icon = L.divIcon({ className: "", html: `<div class="proposed-marker" data-testid="proposed-marker" data-tracking="${esc(i.tracking)}" data-lat="${lat}" data-lon="${lon}" title="Location proposed for ${esc(i.tracking)}">?</div>`, iconSize: [22, 22], iconAnchor: [11, 11] });
    L.marker([lat, lon], { icon, zIndexOffset: 900, keyboard: false }).addTo(proposedLayer);
  }

  function panToIncident(i) {
    if (!i.location) return;
    const here = [i.location.coordinates[1], i.location.coordinates[0]];
    if (i.proposed_location) {
      map.fitBounds(L.latLngBounds([here, [i.proposed_location.coordinates[1], i.proposed_location.coordinates[0]]]), { padding: [40, 40], maxZoom: 15 });
    } else {
      map.panTo(here);
    }
  }

  // the words of the timeline ----------------------------------------------------------------------
  const channelName = (c) => CHANNELS[c] || words(c) || "message";
  const by = (e) => e.actor ? ` by ${e.actor}` : "";
  const why = (text) => text ? `: ${text}` : "";
  function entryText(e) {
    const d = e.detail || {};
    switch (e.kind) {
      case "reported": return `Reported by ${channelName(d.channel)}: P${d.priority ?? "?"}, ${words(d.category)}`;
      case "contact": return d.body != null ? `Her message: ${d.body}` : "Her message (text withheld: need to know)";
      case "note": return d.withheld ? `Note${by(e)} (text withheld: need to know)` : `Note${by(e)}: ${d.text ?? ""}`;
      case "priority_changed": return `Priority ${d.from} → ${d.to}${e.actor ? by(e) : d.by === "rules" ? " by the triage rules" : ""}${why(d.reason)}`;
      case "category_changed": return `Category ${words(d.from)} → ${words(d.to)}${by(e)}${why(d.reason)}`;
      case "transferred": {
        const to = d.to || stationName(d.to_station_id);
        const from = d.from_station_id != null ? ` from ${stationName(d.from_station_id)}` : "";
        return `Transferred to ${to}${from}${e.actor ? by(e) : " automatically"}${why(d.reason)}`;
      }
      case "unit_dispatched": case "unit_en_route": case "unit_arrived": case "unit_cleared":
        return `Unit ${d.call_sign || e.actor || "?"} ${UNIT_STEPS[e.kind]}`;
      case "message_to_her": return `Message to her (${words(d.kind)}, ${words(d.status)})${d.body ? `: ${d.body}` : ""}`;
      case "location_taken": return `Location received${d.lat != null ? `: ${Number(d.lat).toFixed(5)}, ${Number(d.lon).toFixed(5)}` : ""}`;
      case "location_proposed": return `Location proposed${d.lat != null ? `: ${Number(d.lat).toFixed(5)}, ${Number(d.lon).toFixed(5)}` : ""}${d.station_id != null ? ` (${stationName(d.station_id)} area)` : ""}`;
      case "location_accepted": return `New location accepted${by(e)}${d.units_told?.length ? `; units told: ${d.units_told.join(", ")}` : ""}`;
      case "location_dismissed": return `Proposed location dismissed${by(e)}${why(d.reason)}`;
      case "closed": return `Closed${by(e)}: ${d.label || words(d.disposition)}${d.note ? ` (${d.note})` : ""}`;
      case "message_failed": return `Message to her NOT delivered (${words(d.kind)}): ${d.error || "gave up after its retries"}`;
      case "message_retried": return `Undelivered message tried again${by(e)}`;
      case "message_settled": return `She was reached another way${by(e)}${d.how ? `: ${d.how}` : ""}`;
      case "reopened": return e.actor ? `Reopened${by(e)}${why(d.reason)}` : `Reopened${d.by ? `: ${d.by}` : ""}`;
      default: return `${words(e.kind).replace(/^./, (c) => c.toUpperCase())}${by(e)}`;
    }
  }
  function entryMeta(e) {
    const d = e.detail || {};
    if (e.kind === "contact") return [channelName(d.channel), d.has_location ? "with location" : "", d.num_media ? `${d.num_media} attachment(s)` : ""].filter(Boolean).join(" · ");
    if (e.kind === "message_to_her") return [channelName(d.channel), d.status === "sent" && d.sent_at && localTime(d.sent_at) !== localTime(e.at) ? `sent ${localTime(d.sent_at)}` : "", d.attempts > 1 ? `${d.attempts} attempts` : ""].filter(Boolean).join(" · ");
    return "";
  }
  function timelineHtml(entries) {
    if (!entries || !entries.length) return `<p class="muted">Nothing recorded yet.</p>`;
    return `<ol class="tl" data-testid="timeline">${entries.map((e) => {
      const meta = entryMeta(e);
      return `<li class="tl-entry k-${esc(e.kind)}" data-testid="timeline-entry" data-kind="${esc(e.kind)}">${timeHtml(e.at)} <span class="tl-text">${esc(entryText(e))}${meta ? ` <small class="muted">${esc(meta)}</small>` : ""}</span></li>`;
    }).join("")}</ol>`;
  }

  // the panel ------------------------------------------------------------------------------------
  const formError = `<p class="form-error error" role="alert" data-testid="form-error" hidden></p>`;
  const reasonInput = (id, label, placeholder = "Reason (recorded)") => `<input type="text" name="reason" data-testid="${id}" maxlength="500" placeholder="${esc(placeholder)}" aria-label="${esc(label)}" autocomplete="off">`;

  function stationOptions(i) {
    const byCity = new Map();
    for (const s of stations.values()) {
      if (s.id === i.station_id) continue;
      if (!byCity.has(s.city)) byCity.set(s.city, []);
      byCity.get(s.city).push(s);
    }
    const home = i.city || cfg.city;
    const cities = [...byCity.keys()].sort((a, b) => (a !== home) - (b !== home) || a.localeCompare(b));
    return cities.map((c) => `<optgroup label="${esc(words(c).replace(/\b\w/g, (x) => x.toUpperCase()))}">${byCity.get(c)
      .sort((a, b) => a.name.localeCompare(b.name)).map((s) => `<option value="${s.id}">${esc(s.name)}</option>`).join("")}</optgroup>`).join("");
  }

  function proposedHtml(i) {
    if (!i.proposed_location) return "";
    const where = [...(i.timeline || [])].reverse().find((e) => e.kind === "location_proposed")?.detail?.station_id;
    const away = i.location ? `, ${km(distanceM(i.location.coordinates, i.proposed_location.coordinates))} from the current one` : "";
    const other = where != null && where !== i.station_id ? `<br><small>It is in ${esc(stationName(where))}'s area: transfer the incident if that station should handle it.</small>` : "";
    const actions = cfg.canManage ? `
      <form data-action="accept-location" class="act-row"><button type="submit" data-testid="accept-location">Accept new location</button></form>
      <form data-action="dismiss-location" class="act-row">${reasonInput("dismiss-reason", "Why dismiss the proposed location")}<button type="submit" class="secondary" data-testid="dismiss-location">Dismiss</button>${formError}</form>` : "";
    return `<div class="box proposed-box" data-testid="proposed-location"><strong>New location proposed</strong>${timeHtml(i.proposed_at) ? ` at ${timeHtml(i.proposed_at)}` : ""}:
      ${esc(latLon(i.proposed_location))}${esc(away)} (purple marker).${other}${actions}</div>`;
  }

  function undeliveredHtml(i) {
    const failed = (i.outbound || []).filter((m) => m.status === "failed");
    if (!failed.length) return "";
    const rows = failed.map((m) => `<li data-testid="undelivered-message"><strong>${esc(words(m.kind))}</strong>: ${esc(m.body)}
      <br><small>${m.attempts} attempts; ${esc(m.last_error || "")}</small>
      ${cfg.canManage ? `<form data-action="retry-message" class="act-row"><input type="hidden" name="message_id" value="${m.id}">
        <button type="submit" data-testid="retry-message">Try again</button>${formError}</form>
      <form data-action="reached-message" class="act-row"><input type="hidden" name="message_id" value="${m.id}">
        <input type="text" name="how" data-testid="reached-how" maxlength="500" placeholder="How she was reached" aria-label="How she was reached" autocomplete="off">
        <button type="submit" class="secondary" data-testid="reached-message">Reached her another way</button>${formError}</form>` : ""}</li>`).join("");
    return `<div class="box undelivered-box" data-testid="undelivered" role="alert"><strong>Not delivered to her</strong><ul class="msgs">${rows}</ul></div>`;
  }

  function closedHtml(i) {
    if (i.status !== "closed") return "";
    const entry = [...(i.timeline || [])].reverse().find((e) => e.kind === "closed");
    const note = entry?.detail?.note;
    return `<div class="box closed-box" data-testid="closed-info">Closed ${timeHtml(i.closed_at)} by <strong data-testid="closed-by">${esc(i.closed_by || "?")}</strong>:
      <strong data-testid="closed-disposition">${esc(i.disposition || words(i.disposition_code) || "no reason recorded")}</strong>${note ? `<br><small>${esc(note)}</small>` : ""}</div>`;
  }

  function manageHtml(i) {
    if (!cfg.canManage) return "";
    if (i.status === "closed") {
      return `<section class="manage"><h3>Reopen</h3>
        <form data-action="reopen" class="act-row">${reasonInput("reopen-reason", "Why reopen it")}<button type="submit" data-testid="reopen">Reopen</button>${formError}</form></section>`;
    }
    const prios = [1, 2, 3, 4, 5].map((p) => `<option value="${p}"${p === i.priority ? " selected" : ""}>P${p}${p === 1 ? " highest" : p === 5 ? " lowest" : ""}</option>`).join("");
    const cats = (categories.includes(i.category) ? categories : [...categories, i.category]).map((c) => `<option value="${esc(c)}"${c === i.category ? " selected" : ""}>${esc(words(c))}</option>`).join("");
    const disp = dispositions.map((d) => `<option value="${esc(d.code)}">${esc(d.label)}</option>`).join("");
    return `<section class="manage" aria-label="Change this incident"><h3>Change</h3>
      <form data-action="priority" class="act"><span class="act-label">Priority</span>
        <div class="act-row"><select name="priority" data-testid="priority" aria-label="Priority">${prios}</select>${reasonInput("priority-reason", "Reason for the priority")}<button type="submit" data-testid="set-priority">Set</button></div>${formError}</form>
      <form data-action="category" class="act"><span class="act-label">Category</span>
        <select name="category" data-testid="category" aria-label="Category">${cats}</select>
        <div class="act-row">${reasonInput("category-reason", "Reason for the category")}<button type="submit" data-testid="set-category">Set</button></div>${formError}</form>
      <form data-action="transfer" class="act"><span class="act-label">Transfer to another station</span>
        <select name="station_id" data-testid="transfer-station" aria-label="Station to transfer to"><option value="">Choose a station…</option>${stationOptions(i)}</select>
        <div class="act-row">${reasonInput("transfer-reason", "Reason for the transfer")}<button type="submit" data-testid="transfer">Transfer</button></div>${formError}</form>
      <form data-action="close" class="act"><span class="act-label">Close</span>
        <select name="disposition" data-testid="close-disposition" aria-label="Why it is closed"><option value="">Why is it closed?</option>${disp}</select>
        <div class="act-row"><input type="text" name="note" data-testid="close-note" maxlength="2000" placeholder="Note (optional)" aria-label="Closing note" autocomplete="off"><button type="submit" data-testid="close">Close incident</button></div>
        ${i.units?.length ? `<small class="muted">Units still on it (${esc(i.units.map((u) => u.call_sign).join(", "))}) are stood down.</small>` : ""}${formError}</form>
    </section>`;
  }

  function unitsHtml() {
    if (!state.assignments.length) return "";
    const step = (a) => a.cleared_at ? `cleared ${localTime(a.cleared_at)}` : a.on_scene_at ? `on scene since ${localTime(a.on_scene_at)}`
      : a.en_route_at ? `en route since ${localTime(a.en_route_at)}` : `dispatched ${localTime(a.dispatched_at)}`;
    return `<h3>Units</h3><ul class="units-on">${state.assignments.map((a) => `<li${a.cleared_at ? ` class="muted"` : ""}><strong>${esc(a.call_sign)}</strong> ${esc(step(a))}</li>`).join("")}</ul>`;
  }

  function detailHtml(i) {
    const contacts = i.contacts ? (i.contacts.map((c) => `<a href="tel:${esc(c.phone)}" data-testid="contact">${esc(c.phone)}</a>`).join(", ") || `<span class="muted">none</span>`) : `<span class="muted">withheld (need to know)</span>`;
    const open = i.status !== "closed";
    const recRows = state.recs.map((r) => `<li class="rec" data-testid="recommendation" data-unit-id="${r.unit_id ?? r.id}"><span><strong>${esc(r.call_sign)}</strong> ${esc(words(r.kind))}<br><small>${(r.distance_m / 1000).toFixed(1)} km · ETA ${Math.round(r.eta_seconds / 60)} min${r.stale ? " · GPS stale" : ""}</small></span><button type="button" data-assign="${r.unit_id ?? r.id}" data-testid="assign">Assign</button></li>`).join("");
    const location = i.location_known && i.location ? `<span data-testid="detail-location">${esc(latLon(i.location))}</span> <small class="muted">(${esc(words(i.match))})</small>` : `<span data-testid="detail-location">unknown: shown at the station</span>`;
    return `<div class="pad">
      <h2 data-testid="detail-tracking">${esc(i.tracking)} <span class="prio-badge ${prioClass(i.priority)}">P${i.priority}</span></h2>
      <p><span class="status s-${esc(i.status)}" data-testid="detail-status">${esc(statusWords(i.status))}</span> · ${esc(words(i.category))}</p>
      <div class="action-error error" role="alert" data-testid="action-error" hidden></div>
      ${closedHtml(i)}${proposedHtml(i)}
      <dl class="facts"><dt>Station</dt><dd data-testid="detail-station">${esc(i.station_name || "unrouted: control room")}</dd>
        <dt>Location</dt><dd>${location}</dd>
        <dt>Received</dt><dd data-testid="detail-received">${timeHtml(i.received_at)} (${ageHtml(i.received_at)} ago)</dd>
        ${i.last_message_at && i.last_message_at !== i.received_at ? `<dt>Last heard</dt><dd>${timeHtml(i.last_message_at)} (${ageHtml(i.last_message_at)} ago)</dd>` : ""}
        ${i.response_seconds != null ? `<dt>Response</dt><dd data-testid="response-time">${Math.floor(i.response_seconds / 60)} min ${i.response_seconds % 60} s</dd>` : ""}
        ${i.reopened_at && open ? `<dt>Reopened</dt><dd>${timeHtml(i.reopened_at)}</dd>` : ""}
        <dt>Contact</dt><dd>${contacts}</dd></dl>
      ${unitsHtml()}
      ${open && recRows ? `<h3>Nearest available units</h3><ul class="recs">${recRows}</ul>` : (cfg.canDispatch && open ? `<p class="muted">No available unit nearby.</p>` : "")}
      ${undeliveredHtml(i)}
      ${manageHtml(i)}
      <h3>Timeline</h3>
      ${timelineHtml(i.timeline)}
      ${cfg.canManage ? `<form data-action="note" class="act note-form"><span class="act-label">Add a note</span>
        <textarea name="text" data-testid="note-text" rows="2" maxlength="4000" placeholder="What was done, said or decided" aria-label="Note"></textarea>
        <div class="act-row end"><button type="submit" data-testid="add-note">Add note</button></div>${formError}</form>` : ""}
    </div>`;
  }

  function showError(form, message) {
    const slot = form ? form.querySelector(".form-error") : $("#detail [data-testid=action-error]");
    if (!slot) return;
    slot.textContent = message; slot.hidden = !message;
  }

  /** The action a form asks for: [path, body] or an error message to show beside it. */
  function request(action, f) {
    const reason = String(f.reason ?? "").trim();
    const needReason = () => reason.length >= 3 ? null : "Give a reason (at least 3 characters).";
    switch (action) {
      case "note": return f.text?.trim() ? ["notes", { text: f.text.trim() }] : "Write the note first.";
      case "priority": return needReason() || ["priority", { priority: Number(f.priority), reason }];
      case "category": return needReason() || ["category", { category: f.category, reason }];
      case "transfer": return !f.station_id ? "Choose the station to transfer to." : needReason() || ["transfer", { station_id: Number(f.station_id), reason }];
      case "close": return !f.disposition ? "Choose why it is closed." : ["close", { disposition: f.disposition, note: String(f.note ?? "").trim() }];
      case "reopen": return needReason() || ["reopen", { reason }];
      case "accept-location": return ["location/accept", null];
      case "dismiss-location": return needReason() || ["location/dismiss", { reason }];
      case "retry-message": return [`messages/${Number(f.message_id)}/retry`, null];
      case "reached-message": return String(f.how ?? "").trim().length >= 3
        ? [`messages/${Number(f.message_id)}/reached`, { how: String(f.how).trim() }] : "Say how she was reached (at least 3 characters).";
      default: return "Unknown action.";
    }
  }

  $("#detail").addEventListener("submit", async (ev) => {
    const form = ev.target.closest("form[data-action]");
    if (!form) return;
    ev.preventDefault();
    const tracking = state.detail?.tracking;
    if (!tracking) return;
    const asked = request(form.dataset.action, Object.fromEntries(new FormData(form)));
    if (typeof asked === "string") { showError(form, asked); return; }
    const [path, body] = asked;
    const buttons = form.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    showError(form, "");
    try {
      const result = await api(`/api/v1/incidents/${encodeURIComponent(tracking)}/${path}`, { method: "POST", ...(body ? { body } : {}) });
      form.reset();
      if (state.selected !== tracking) return;
      if (result && result.transferred && result.status === undefined) { // it left this account's area
        state.movedAway.set(tracking, result.station_id);
        state.incidents.delete(tracking); state.detail = null; proposedLayer.clearLayers(); renderQueue();
        $("#detail").innerHTML = `<p class="notice pad" data-testid="detail-notice">${esc(tracking)} was transferred to ${esc(result.station_name)}, outside your area.</p>`;
      } else if (result && result.tracking) {
        renderDetail(result);
        showDetail(tracking); // units and recommendations may have changed too
      }
      loadQueue().catch(() => {});
    } catch (err) {
      showError(form, err.message);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });

  $("#detail").addEventListener("click", async (ev) => {
    const assign = ev.target.closest("[data-assign]");
    if (!assign) return;
    const tracking = state.selected;
    assign.disabled = true;
    try {
      await api(`/api/v1/incidents/${encodeURIComponent(tracking)}/assignments`, { method: "POST", body: { unit_id: Number(assign.dataset.assign) } });
      await Promise.all([loadQueue(), showDetail(tracking)]);
    } catch (err) {
      assign.disabled = false;
      showError(null, err.message);
    }
  });
  $("#queue").addEventListener("click", (ev) => { const li = ev.target.closest("[data-tracking]"); if (li) select(li.dataset.tracking); });
  $("#queue").addEventListener("keydown", (ev) => { const li = ev.target.closest("[data-tracking]"); if (li && ev.key === "Enter") select(li.dataset.tracking); });
  window.addEventListener("hashchange", () => { const t = decodeURIComponent(location.hash.slice(1)).toUpperCase(); if (t && t !== state.selected) select(t); });

  // live -----------------------------------------------------------------------------------------
  let queueTimer = null, detailTimer = null;
  const soon = (fn, timer) => { clearTimeout(timer); return setTimeout(() => { Promise.resolve(fn()).catch(() => {}); }, 150); };
  const refreshQueue = () => { queueTimer = soon(loadQueue, queueTimer); };
  const refreshDetail = () => { if (state.selected) { const t = state.selected; detailTimer = soon(() => showDetail(t), detailTimer); } };
  function connect() {
    const es = new EventSource("/api/v1/stream");
    let opened = false;
    es.onopen = () => {
      $("#live").textContent = "live"; $("#live").classList.add("on");
      refreshQueue();
      if (opened) refreshDetail(); // events may have been missed while away
      opened = true;
    };
    es.onerror = () => { $("#live").textContent = "reconnecting…"; $("#live").classList.remove("on"); };
    const onIncident = (e) => {
      const d = JSON.parse(e.data);
      if (e.type === "IncidentTransferred" && d.tracking) state.movedAway.set(d.tracking, d.station_id);
      refreshQueue();
      if (state.selected && d.tracking === state.selected) refreshDetail();
    };
    INCIDENT_EVENTS.forEach((t) => es.addEventListener(t, onIncident));
    ["UnitMoved", "UnitStatusChanged", "UnitDispatched", "UnitCreated"].forEach((t) => es.addEventListener(t, (e) => updateUnit(JSON.parse(e.data))));
    es.addEventListener("StationsImported", () => { loadStations().then(refreshDetail).catch(() => {}); });
    es.addEventListener("HelplineReassigned", refreshQueue);
  }

  setInterval(tick, 15000); // ages tick on
  api("/api/v1/categories").then((d) => { if (d?.categories?.length) categories = d.categories; }).catch(() => {});
  const opening = decodeURIComponent(location.hash.slice(1)).trim().toUpperCase();
  loadStations().catch(() => {})
    .then(() => { if (opening) select(opening); return Promise.all([loadQueue(), loadUnits()]); })
    .catch(() => {})
    .finally(connect);
})();
