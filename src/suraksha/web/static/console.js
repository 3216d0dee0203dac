/* The console: queue, map and incident detail with its timeline and the actions of its life (note, priority,
   category, transfer, close, reopen, accept a later location), kept live by Server-Sent Events.
   Every time on screen is in the city's time zone (cfg.timeZone), never UTC. */
(function () {
  "use strict";
  const cfg = window.SURAKSHA = JSON.parse(document.getElementById("suraksha-config").textContent);
  const _ = window.gettext;
  const TZ = cfg.timeZone || "Asia/Kolkata";
  const CATEGORIES = ["immediate_danger", "sexual_assault", "child_at_risk", "domestic_violence", "stalking_harassment",
    "cyber", "help_request"];
  const STATUS_WORDS = { new: _("new"), dispatched: _("dispatched"), en_route: _("en route"), on_scene: _("on scene"), closed: _("closed") };
  const UNIT_STEPS = { unit_dispatched: _("dispatched"), unit_acknowledged: _("acknowledged"), unit_en_route: _("en route"), unit_arrived: _("arrived"), unit_cleared: _("cleared") };
  const CHANNELS = { sms: _("SMS"), whatsapp: _("WhatsApp"), call: _("call"), sos: _("SOS"), "twiml-reply": _("SMS reply"), web: _("web form"), "web-response": _("on the web page") };
  CHANNELS.eido = _("another control room (EIDO)"); // an incident imported from another agency (docs/interop.md)
  const CATEGORY_WORDS = { immediate_danger: _("immediate danger"), sexual_assault: _("sexual assault"), child_at_risk: _("child at risk"),
    domestic_violence: _("domestic violence"), stalking_harassment: _("stalking harassment"), cyber: _("cyber"), help_request: _("help request") };
  const UNIT_WORDS = { available: _("available"), dispatched: _("dispatched"), acknowledged: _("acknowledged"), en_route: _("en route"),
    on_scene: _("on scene"), out_of_service: _("out of service") };
  const MATCH_WORDS = { inside: _("inside"), overlap: _("overlap"), nearest: _("nearest"), none: _("none"), society: _("the society's pin") };
  const MESSAGE_KINDS = { acknowledgement: _("acknowledgement"), unit_dispatched: _("unit dispatched"), unit_arrived: _("unit arrived"),
    transferred: _("transferred"), closed: _("closed"), reopened: _("reopened"), follow_up: _("follow-up") };
  MESSAGE_KINDS.merged = _("report joined");
  const W = { // words used deep inside nested template literals, where the catalog extractor cannot see them
    society: _("Society: {name}"),
    noAgency: _("no agency named"),
    note: _("Note"), noteOptional: _("Note (optional)"), howReached: _("How she was reached"), gaveUp: _("gave up after its retries"),
    sinceFirst: _("since she first wrote"), whatDone: _("What was done, said or decided"), changeIncident: _("Change this incident"),
    closingNote: _("Closing note"), whyUnmerge: _("Why unmerge it"), unmerge: _("Unmerge"), transferTo: _("Station to transfer to"), whyClosed: _("Why it is closed"),
  };
  STATUS_WORDS.merged = _("merged"); // one incident per emergency (merge suggestions below)
  // Noise (docs/adr/0009): kept, out of the queue; a number calling back after a blank contact comes first.
  const NOISE_KINDS = { blank: _("blank"), silent: _("silent"), abusive: _("abusive"), prank: _("prank"), test: _("test") };
  const FLAG_WORDS = { callback_after_blank: _("called back after a blank contact"), repeat_noise: _("earlier noise from this number") };
  const NW = { markNoise: _("Mark as noise"), kind: _("What kind of noise"), noteNoise: _("Note (optional)"),
    whyGenuine: _("Why it is genuine"), noise: _("Noise"), queue: _("Queue") };
  const noiseWords = (k) => NOISE_KINDS[k] || words(k);
  const flagsHtml = (i) => (i.flags || []).map((f) => `<span class="flag flag-${esc(f)}" data-testid="incident-flag" data-flag="${esc(f)}">${esc(FLAG_WORDS[f] || words(f))}</span>`).join(" ");
  const calledBack = (i) => (i.flags || []).includes("callback_after_blank") ? 1 : 0;
  const MESSAGE_STATES = { queued: _("queued"), sent: _("sent"), failed: _("failed"), delivered: _("delivered"), settled: _("settled") };
  const INCIDENT_EVENTS = ["IncidentReported", "IncidentUpdated", "IncidentTransferred", "IncidentNoted", "IncidentClosed",
    "IncidentReopened", "IncidentLocationProposed", "IncidentLocationChanged", "IncidentMessageUndelivered"];

  const stations = new Map((cfg.stations || []).map(([id, name, city]) => [id, { id, name, city }]));
  const dispositions = cfg.dispositions || [];
  let categories = CATEGORIES;
  const state = {
    incidents: new Map(), units: new Map(), selected: null, detail: null, assignments: [], recs: [], tracks: [],
    incidentMarkers: new Map(), unitMarkers: new Map(), trackLines: new Map(), movedAway: new Map(), queueSeq: 0, detailSeq: 0,
    view: "queue", // or "noise": the incidents marked as noise (kept, out of the queue)
  };
  const $ = (sel) => document.querySelector(sel);
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const words = (s) => String(s ?? "").replaceAll("_", " ");
  const statusWords = (s) => STATUS_WORDS[s] || words(s);
  const categoryWords = (c) => CATEGORY_WORDS[c] || words(c);
  const dispositionWord = (code, label) => dispositions.find((d) => d.code === code)?.label || label || words(code);
  const dispositionLabel = (i) => dispositionWord(i.disposition_code, i.disposition) || _("no reason recorded");
  const unitWords = (s) => UNIT_WORDS[s] || words(s);
  const kindWords = (k) => MESSAGE_KINDS[k] || words(k);
  const stateWords = (s) => MESSAGE_STATES[s] || words(s);
  const stationName = (id) => stations.get(Number(id))?.name || (id != null ? _("station #{id}", { id }) : _("the control room"));
  const prioClass = (p) => `p${Math.min(p, 3)}`;

  const api = window.surakshaApi(cfg.csrf); // static/api.js

  // local time -----------------------------------------------------------------------------------
  const LOCALE = { hi: "hi-IN-u-nu-latn", mr: "mr-IN-u-nu-latn" }[window.SURAKSHA_LANG] || "en-GB"; // digits stay 0-9
  const fmt = {
    time: new Intl.DateTimeFormat("en-GB", { timeZone: TZ, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }),
    day: new Intl.DateTimeFormat(LOCALE, { timeZone: TZ, day: "numeric", month: "short" }),
    dayYear: new Intl.DateTimeFormat(LOCALE, { timeZone: TZ, day: "numeric", month: "short", year: "numeric" }),
    key: new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit" }),
    seconds: new Intl.DateTimeFormat(LOCALE, { timeZone: TZ, day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }),
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
    return s < 60 ? _("{n} s", { n: Math.round(s) }) : s < 3600 ? _("{n} min", { n: Math.floor(s / 60) })
      : s < 86400 ? _("{n} h", { n: Math.floor(s / 3600) }) : _("{n} d", { n: Math.floor(s / 86400) });
  }
  const ageHtml = (iso) => iso ? `<span data-age="${esc(iso)}">${ageText(iso)}</span>` : "";
  // Time left to reach her: the incident's deadline (received + its response-time target). Amber when 30% of the
  // target (at least 2 minutes) or less is left, red once it has passed; gone when a unit is on scene.
  function deadlineState(el) {
    const left = (Date.parse(el.dataset.deadline) - Date.now()) / 1000;
    const warnAt = Math.max(120, 0.3 * Number(el.dataset.minutes) * 60);
    const mins = Math.max(0, Math.ceil(Math.abs(left) / 60));
    el.className = `deadline ${left < 0 ? "late" : left <= warnAt ? "soon" : "ok"}`;
    el.dataset.state = left < 0 ? "late" : left <= warnAt ? "soon" : "ok";
    el.textContent = left < 0 ? _("{n} min over target", { n: mins }) : _("{n} min left", { n: mins });
  }
  const targetTitle = (n) => _("target: {n} min", { n });
  const deadlineHtml = (i) => i.respond_by && !i.arrived_at && i.status !== "closed"
    ? `<small data-testid="time-left" data-deadline="${esc(i.respond_by)}" data-minutes="${esc(i.target_minutes)}" title="${esc(targetTitle(i.target_minutes))}"></small>` : "";
  function tick() { // ages keep counting and "today" stays true after midnight, without touching what is being typed
    document.querySelectorAll("[data-age]").forEach((el) => { el.textContent = ageText(el.dataset.age); });
    document.querySelectorAll("[data-deadline]").forEach(deadlineState);
    document.querySelectorAll("time[data-local]").forEach((el) => { el.textContent = localTime(el.getAttribute("datetime")); });
  }

  // map ------------------------------------------------------------------------------------------
  const map = L.map("map", { preferCanvas: false, zoomControl: true });
  if (cfg.tileUrl) { L.tileLayer(cfg.tileUrl, { maxZoom: 19, attribution: _("map tiles") }).addTo(map); }
  map.setView([19.07, 72.87], 11);
  const stationLayer = L.geoJSON(null, { style: { color: "#5b6b7f", weight: 1, fillColor: "#dfe7ef", fillOpacity: 0.5 },
    onEachFeature: (f, layer) => layer.bindTooltip(esc(f.properties.name), { sticky: true }) }).addTo(map);
  const proposedLayer = L.layerGroup().addTo(map);
  const trackLayer = L.layerGroup().addTo(map); // the way each unit sent to the open incident went (its GPS fixes)

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
  const km = (m) => m < 1000 ? _("{n} m", { n: Math.round(m) }) : _("{n} km", { n: (m / 1000).toFixed(1) });
  const latLon = (pt) => `${pt.coordinates[1].toFixed(5)}, ${pt.coordinates[0].toFixed(5)}`;

  // incidents ------------------------------------------------------------------------------------
  function incidentIcon(i) {
    const [lon, lat] = i.location.coordinates;
    const cls = `inc-marker ${i.status === "closed" ? "closed" : prioClass(i.priority)}${i.location_known ? "" : " unknown"}${state.selected === i.tracking ? " selected" : ""}`;
    return L.divIcon({ className: "", html: `<div class="${cls}" data-testid="incident-marker" data-tracking="${esc(i.tracking)}" data-lat="${lat}" data-lon="${lon}" title="${esc(i.tracking)} · P${i.priority} · ${esc(statusWords(i.status))}">${i.priority}</div>`, iconSize: [22, 22], iconAnchor: [11, 11] });
  }

  /** The list's items in this order, each from its HTML, keeping the element of an item whose HTML has not changed.
   * Replacing them all on every live update would lose a dispatcher's click: an update landing between her press
   * and release detaches the item she pressed, and the browser then sends no click at all. */
  const renderedHtml = new WeakMap();
  function keyedRender(parent, items) {
    const old = new Map([...parent.children].map((el) => [el.dataset.tracking, el]));
    const template = document.createElement("template");
    let previous = null;
    for (const [key, html] of items) {
      let el = old.get(key);
      old.delete(key);
      if (!el || renderedHtml.get(el) !== html) {
        template.innerHTML = html.trim();
        const fresh = template.content.firstElementChild;
        renderedHtml.set(fresh, html);
        if (el) el.replaceWith(fresh);
        el = fresh;
      }
      const at = previous ? previous.nextElementSibling : parent.firstElementChild;
      if (at !== el) parent.insertBefore(el, at);
      previous = el;
    }
    old.forEach((el) => el.remove());
  }

  function renderQueue() {
    const list = [...state.incidents.values()].sort((a, b) => state.view === "noise" ? Date.parse(b.received_at) - Date.parse(a.received_at)
      : calledBack(b) - calledBack(a) || a.priority - b.priority || Date.parse(a.received_at) - Date.parse(b.received_at));
    keyedRender($("#queue"), list.map((i) => [i.tracking, `
      <li class="q-item ${prioClass(i.priority)}${state.selected === i.tracking ? " selected" : ""}" data-testid="queue-item" data-tracking="${esc(i.tracking)}" tabindex="0">
        <span class="prio">P${i.priority}</span>
        <span class="q-main"><strong>${esc(i.tracking)}</strong>${mergeBadge(i)} · ${esc(categoryWords(i.category))}${i.noise_kind ? ` · <span class="flag" data-testid="queue-noise">${esc(NW.noise)}: ${esc(noiseWords(i.noise_kind))}</span>` : ""} ${flagsHtml(i)}<br>
          <small>${i.society_name ? `<span data-testid="queue-society">${esc(W.society.replace("{name}", () => i.society_name))}</span> · ` : ""}${esc(i.station_name || _("unrouted: control room"))}${i.location_known ? "" : ` · ${esc(_("location unknown"))}`}${i.proposed_location ? ` · <span class="flag">${esc(_("new location?"))}</span>` : ""}<br>${esc(_("received"))} ${timeHtml(i.received_at)}</small></span>
        <span class="q-side"><span class="status s-${esc(i.status)}" data-testid="queue-status">${esc(statusWords(i.status))}</span><small title="${esc(W.sinceFirst)}">${ageHtml(i.received_at)}</small>${deadlineHtml(i)}</span>
      </li>`]));
    document.querySelectorAll("#queue [data-deadline]").forEach(deadlineState);
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
    const data = await api(state.view === "noise" ? "/api/v1/incidents/noise" : "/api/v1/incidents");
    if (seq !== state.queueSeq) return; // a newer load is on its way
    state.incidents = new Map(data.incidents.map((i) => [i.tracking, i]));
    renderQueue();
    if (cfg.canManage) loadMergeBadges(seq).catch(() => {});
  }
  // The queue's badge: which open incidents have a suggested merge (one request for the whole queue).
  const SAME_EMERGENCY = _("same emergency?");
  const mergeBadge = (i) => state.mergeable?.has(i.tracking) ? ` <span class="flag" data-testid="merge-badge">${esc(SAME_EMERGENCY)}</span>` : "";
  async function loadMergeBadges(seq) {
    const m = await api("/api/v1/merge-suggestions");
    if (seq !== state.queueSeq) return;
    state.mergeable = new Set(m.incidents || []);
    renderQueue();
  }

  // units ----------------------------------------------------------------------------------------
  function unitId(u) { return u.id ?? u.unit_id; }
  function drawUnit(u) {
    const id = unitId(u); if (u.lat == null || u.lon == null) return;
    const cls = `unit-marker ${esc(u.status)}${u.stale ? " stale" : ""}`;
    const icon = L.divIcon({ className: "", html: `<div class="${cls}" data-testid="unit-marker" data-unit-id="${id}" data-status="${esc(u.status)}" data-lat="${Number(u.lat)}" data-lon="${Number(u.lon)}" title="${esc(u.call_sign)} · ${esc(unitWords(u.status))}${u.stale ? ` · ${esc(_("GPS stale"))}` : ""}"></div>`, iconSize: [12, 12], iconAnchor: [6, 6] });
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
  // Units' movement comes coalesced: one event per station for the fixes written together, each unit once.
  function unitsMoved(ev) {
    for (const u of ev.units || []) {
      updateUnit(u);
      const line = state.trackLines.get(u.unit_id);
      if (line) line.addLatLng([u.lat, u.lon]); // a unit still on the open incident: its track grows
    }
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
    // A refresh for an incident no longer selected (an event's, queued just before another was chosen) must not
    // take the newer choice's place: its answer would be dropped, and the choice's too.
    if (state.selected !== tracking) return;
    const seq = ++state.detailSeq;
    const panel = $("#detail");
    const t = encodeURIComponent(tracking);
    try {
      const listed = state.incidents.get(tracking);
      const wantRecs = cfg.canDispatch && (!listed || listed.status !== "closed");
      const [i, a, r, tr] = await Promise.all([
        api(`/api/v1/incidents/${t}?timeline=true`),
        api(`/api/v1/incidents/${t}/assignments`).catch(() => ({ assignments: [] })),
        wantRecs ? api(`/api/v1/incidents/${t}/recommendations?limit=5`).catch(() => ({ recommendations: [] })) : { recommendations: [] },
        api(`/api/v1/incidents/${t}/tracks`).catch(() => ({ tracks: [] })),
      ]);
      if (seq !== state.detailSeq || state.selected !== tracking) return;
      state.assignments = a.assignments || [];
      state.recs = r.recommendations || [];
      state.tracks = tr.tracks || [];
      renderDetail(i, { pan });
      if (cfg.canManage) showVolunteers(tracking, seq).catch(() => {});
      if (cfg.canManage) showMergeSuggestions(tracking, seq).catch(() => {});
    } catch (err) {
      if (seq !== state.detailSeq || state.selected !== tracking) return;
      state.detail = null; proposedLayer.clearLayers(); clearTracks(); renderQueue();
      if (err.status === 404 && state.movedAway.has(tracking)) {
        panel.innerHTML = `<p class="notice pad" data-testid="detail-notice">${esc(_("{tracking} was transferred to {station}, outside your area.", { tracking, station: stationName(state.movedAway.get(tracking)) }))}</p>`;
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
      const belongs = state.view === "noise" ? !!i.noise_kind : !i.noise_kind;
      if (i.status === "closed" || !belongs) state.incidents.delete(i.tracking); else state.incidents.set(i.tracking, i);
    }
    panel.innerHTML = detailHtml(i);
    restoreForms(panel, saved);
    panel.scrollTop = scroll;
    renderQueue();
    drawProposed(i);
    drawTracks();
    if (pan || moved) panToIncident(i);
  }

  function clearTracks() { trackLayer.clearLayers(); state.trackLines.clear(); }
  /** Replay of the response on the map: each unit's way from where it was when sent (a line per unit). */
  function drawTracks() {
    clearTracks();
    for (const t of state.tracks) {
      if (!t.points.length) continue;
      const line = L.polyline(t.points.map((p) => [p.lat, p.lon]), { className: "unit-track", color: "#1565c0", weight: 3, opacity: 0.7, interactive: false }).addTo(trackLayer);
      if (!t.cleared_at) state.trackLines.set(t.unit_id, line);
    }
  }

  function drawProposed(i) {
    proposedLayer.clearLayers();
    if (!i.proposed_location || !i.location) return;
    const [lon, lat] = i.proposed_location.coordinates;
    const [lon0, lat0] = i.location.coordinates;
    const proposedTitle = _("Location proposed for {tracking}", { tracking: i.tracking });
    L.polyline([[lat0, lon0], [lat, lon]], { color: "#6a1b9a", weight: 2, dashArray: "6 6", interactive: false }).addTo(proposedLayer);
    const icon = L.divIcon({ className: "", html: `<div class="proposed-marker" data-testid="proposed-marker" data-tracking="${esc(i.tracking)}" data-lat="${lat}" data-lon="${lon}" title="${esc(proposedTitle)}">?</div>`, iconSize: [22, 22], iconAnchor: [11, 11] });
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
  const channelName = (c) => CHANNELS[c] || words(c) || _("message");
  const by = (e) => e.actor ? _(" by {actor}", { actor: e.actor }) : "";
  const why = (text) => text ? `: ${text}` : "";
  const point = (d) => `${Number(d.lat).toFixed(5)}, ${Number(d.lon).toFixed(5)}`;
  function entryText(e) {
    const d = e.detail || {};
    switch (e.kind) {
      case "reported": return _("Reported by {channel}: P{priority}, {category}", { channel: channelName(d.channel), priority: d.priority ?? "?", category: categoryWords(d.category) });
      case "contact": return d.body != null ? _("Her message: {text}", { text: d.body }) : _("Her message (text withheld: need to know)");
      case "note": return d.withheld ? _("Note{by} (text withheld: need to know)", { by: by(e) }) : _("Note{by}: {text}", { by: by(e), text: d.text ?? "" });
      case "priority_changed": return _("Priority {from} → {to}", { from: d.from, to: d.to }) + (e.actor ? by(e) : d.by === "rules" ? _(" by the triage rules") : "") + why(d.reason);
      case "category_changed": return _("Category {from} → {to}", { from: categoryWords(d.from), to: categoryWords(d.to) }) + by(e) + why(d.reason);
      case "transferred": {
        const to = d.to || stationName(d.to_station_id);
        const from = d.from_station_id != null ? _(" from {station}", { station: stationName(d.from_station_id) }) : "";
        return _("Transferred to {station}", { station: to }) + from + (e.actor ? by(e) : _(" automatically")) + why(d.reason);
      }
      case "unit_dispatched": case "unit_acknowledged": case "unit_en_route": case "unit_arrived": case "unit_cleared":
        return _("Unit {unit} {step}", { unit: d.call_sign || e.actor || "?", step: UNIT_STEPS[e.kind] });
      case "unit_released": return _("Unit {unit} released", { unit: d.call_sign || e.actor || "?" }) + why(d.reason);
      case "unassigned_alarm": return _("ALARM: no unit after {seconds} s", { seconds: d.seconds ?? "?" });
      case "deadline_at_risk": return _("Escalated: {unit} cannot arrive before the deadline", { unit: d.call_sign || "?" }) + (d.offers?.length ? `: ${d.offers.join(", ")}` : "");
      case "message_to_her": return _("Message to her ({kind}, {status})", { kind: kindWords(d.kind), status: stateWords(d.status) }) + (d.body ? `: ${d.body}` : "");
      case "location_taken": return _("Location received") + (d.lat != null ? `: ${point(d)}` : "");
      case "location_moved": return _("Her device reported her location") + (d.lat != null ? `: ${point(d)}` : "") + (d.accuracy_m != null ? _(" (within {m} m)", { m: Math.round(d.accuracy_m) }) : "");
      case "location_proposed": return _("Location proposed") + (d.lat != null ? `: ${point(d)}` : "") + (d.station_id != null ? _(" ({station} area)", { station: stationName(d.station_id) }) : "");
      case "location_accepted": return _("New location accepted") + by(e) + (d.units_told?.length ? _("; units told: {units}", { units: d.units_told.join(", ") }) : "");
      case "location_dismissed": return _("Proposed location dismissed") + by(e) + why(d.reason);
      case "closed": return _("Closed") + by(e) + `: ${dispositionWord(d.disposition, d.label)}` + (d.note ? ` (${d.note})` : "");
      case "message_failed": return _("Message to her NOT delivered ({kind}): {error}", { kind: kindWords(d.kind), error: d.error || W.gaveUp });
      case "message_retried": return _("Undelivered message tried again") + by(e);
      case "message_settled": return _("She was reached another way") + by(e) + (d.how ? `: ${d.how}` : "");
      case "fir_registered": return _("FIR {fir} registered", { fir: d.fir_number || "?" }) + by(e);
      case "reopened": return e.actor ? _("Reopened") + by(e) + why(d.reason) : _("Reopened") + (d.by ? `: ${d.by}` : "");
      case "volunteers_alerted": return _("{n} volunteer(s) nearby alerted, within {m} m", { n: d.count ?? "?", m: d.radius_m ?? "?" });
      case "volunteer_accepted": return _("Volunteer {name} accepted: going to help", { name: d.name || e.actor || "?" });
      case "merged_into": return _("Merged into {into}", { into: d.into || "?" }) + by(e) + why(d.reason);
      case "merged_in": return _("{from} merged into this one: {n} contact(s), {m} message(s)", { from: d.from || "?", n: d.contacts ?? 0, m: d.messages ?? 0 }) + by(e) + why(d.reason);
      case "unmerged": return _("Unmerged from {from}", { from: d.from || "?" }) + by(e) + why(d.reason);
      case "merge_undone": return _("Merge of {from} undone", { from: d.from || "?" }) + by(e) + why(d.reason);
      case "merge_rejected": return _("Not the same emergency as {other}", { other: d.other || "?" }) + by(e) + why(d.reason);
      case "marked_noise": return _("Marked as noise: {kind}", { kind: noiseWords(d.kind) }) + (d.by === "rules" ? _(" by the blank-message rule") : by(e)) + why(d.note);
      case "marked_genuine": return _("Marked genuine") + by(e) + why(d.reason);
      case "volunteer_declined": return _("Volunteer {name} declined", { name: d.name || e.actor || "?" });
      case "imported": return _("Imported from {agency}", { agency: d.from_agency || "?" }) + by(e) + (d.sender_tracking ? _(" (their incident {id})", { id: d.sender_tracking }) : "");
      case "eido_exported": return (d.victim_details ? _("Sent to {agency} as EIDO, with her details", { agency: d.to_agency || W.noAgency }) : _("Sent to {agency} as EIDO, without her details", { agency: d.to_agency || W.noAgency })) + by(e);
      default: return `${words(e.kind).replace(/^./, (c) => c.toUpperCase())}${by(e)}`;
    }
  }
  function entryMeta(e) {
    const d = e.detail || {};
    if (e.kind === "contact") return [channelName(d.channel), d.has_location ? _("with location") : "", d.num_media ? _("{n} attachment(s)", { n: d.num_media }) : ""].filter(Boolean).join(" · ");
    if (e.kind === "message_to_her") return [channelName(d.channel), d.status === "sent" && d.sent_at && localTime(d.sent_at) !== localTime(e.at) ? _("sent {time}", { time: localTime(d.sent_at) }) : "", d.attempts > 1 ? _("{n} attempts", { n: d.attempts }) : ""].filter(Boolean).join(" · ");
    return "";
  }
  function timelineHtml(entries) {
    if (!entries || !entries.length) return `<p class="muted">${esc(_("Nothing recorded yet."))}</p>`;
    return `<ol class="tl" data-testid="timeline">${entries.map((e) => {
      const meta = entryMeta(e);
      return `<li class="tl-entry k-${esc(e.kind)}" data-testid="timeline-entry" data-kind="${esc(e.kind)}">${timeHtml(e.at)} <span class="tl-text">${esc(entryText(e))}${meta ? ` <small class="muted">${esc(meta)}</small>` : ""}</span></li>`;
    }).join("")}</ol>`;
  }

  // the panel ------------------------------------------------------------------------------------
  const formError = `<p class="form-error error" role="alert" data-testid="form-error" hidden></p>`;
  const reasonInput = (id, label, placeholder = _("Reason (recorded)")) => `<input type="text" name="reason" data-testid="${id}" maxlength="500" placeholder="${esc(placeholder)}" aria-label="${esc(label)}" autocomplete="off">`;

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
    const away = i.location ? _(", {distance} from the current one", { distance: km(distanceM(i.location.coordinates, i.proposed_location.coordinates)) }) : "";
    const other = where != null && where !== i.station_id ? `<br><small>${esc(_("It is in {station}'s area: transfer the incident if that station should handle it.", { station: stationName(where) }))}</small>` : "";
    const actions = cfg.canManage ? `
      <form data-action="accept-location" class="act-row"><button type="submit" data-testid="accept-location">${esc(_("Accept new location"))}</button></form>
      <form data-action="dismiss-location" class="act-row">${reasonInput("dismiss-reason", _("Why dismiss the proposed location"))}<button type="submit" class="secondary" data-testid="dismiss-location">${esc(_("Dismiss"))}</button>${formError}</form>` : "";
    const title = `<strong>${esc(_("New location proposed"))}</strong>`;
    return `<div class="box proposed-box" data-testid="proposed-location">${i.proposed_at ? _("{title} at {time}", { title, time: timeHtml(i.proposed_at) }) : title}:
      ${esc(latLon(i.proposed_location))}${esc(away)} ${esc(_("(purple marker)."))}${other}${actions}</div>`;
  }

  function undeliveredHtml(i) {
    const failed = (i.outbound || []).filter((m) => m.status === "failed");
    if (!failed.length) return "";
    const rows = failed.map((m) => `<li data-testid="undelivered-message"><strong>${esc(kindWords(m.kind))}</strong>: ${esc(m.body)}
      <br><small>${esc(_("{n} attempts", { n: m.attempts }))}; ${esc(m.last_error || "")}</small>
      ${cfg.canManage ? `<form data-action="retry-message" class="act-row"><input type="hidden" name="message_id" value="${m.id}">
        <button type="submit" data-testid="retry-message">${esc(_("Try again"))}</button>${formError}</form>
      <form data-action="reached-message" class="act-row"><input type="hidden" name="message_id" value="${m.id}">
        <input type="text" name="how" data-testid="reached-how" maxlength="500" placeholder="${esc(W.howReached)}" aria-label="${esc(W.howReached)}" autocomplete="off">
        <button type="submit" class="secondary" data-testid="reached-message">${esc(_("Reached her another way"))}</button>${formError}</form>` : ""}</li>`).join("");
    return `<div class="box undelivered-box" data-testid="undelivered" role="alert"><strong>${esc(_("Not delivered to her"))}</strong><ul class="msgs">${rows}</ul></div>`;
  }

  function closedHtml(i) {
    if (i.status !== "closed") return "";
    const entry = [...(i.timeline || [])].reverse().find((e) => e.kind === "closed");
    const note = entry?.detail?.note;
    const who = `<strong data-testid="closed-by">${esc(i.closed_by || "?")}</strong>`;
    const why = `<strong data-testid="closed-disposition">${esc(dispositionLabel(i))}</strong>`;
    return `<div class="box closed-box" data-testid="closed-info">${_("Closed {time} by {who}: {why}", { time: timeHtml(i.closed_at), who, why })}${note ? `<br><small>${esc(note)}</small>` : ""}</div>`;
  }

  function manageHtml(i) {
    if (!cfg.canManage || i.status === "merged") return "";
    if (i.status === "closed") {
      return `<section class="manage"><h3>${esc(_("Reopen"))}</h3>
        <form data-action="reopen" class="act-row">${reasonInput("reopen-reason", _("Why reopen it"))}<button type="submit" data-testid="reopen">${esc(_("Reopen"))}</button>${formError}</form></section>`;
    }
    const prios = [1, 2, 3, 4, 5].map((p) => `<option value="${p}"${p === i.priority ? " selected" : ""}>P${p}${p === 1 ? ` ${esc(_("highest"))}` : p === 5 ? ` ${esc(_("lowest"))}` : ""}</option>`).join("");
    const cats = (categories.includes(i.category) ? categories : [...categories, i.category]).map((c) => `<option value="${esc(c)}"${c === i.category ? " selected" : ""}>${esc(categoryWords(c))}</option>`).join("");
    const disp = dispositions.map((d) => `<option value="${esc(d.code)}">${esc(d.label)}</option>`).join("");
    return `<section class="manage" aria-label="${esc(W.changeIncident)}"><h3>${esc(_("Change"))}</h3>
      <form data-action="priority" class="act"><span class="act-label">${esc(_("Priority"))}</span>
        <div class="act-row"><select name="priority" data-testid="priority" aria-label="${esc(_("Priority"))}">${prios}</select>${reasonInput("priority-reason", _("Reason for the priority"))}<button type="submit" data-testid="set-priority">${esc(_("Set"))}</button></div>${formError}</form>
      <form data-action="category" class="act"><span class="act-label">${esc(_("Category"))}</span>
        <select name="category" data-testid="category" aria-label="${esc(_("Category"))}">${cats}</select>
        <div class="act-row">${reasonInput("category-reason", _("Reason for the category"))}<button type="submit" data-testid="set-category">${esc(_("Set"))}</button></div>${formError}</form>
      <form data-action="transfer" class="act"><span class="act-label">${esc(_("Transfer to another station"))}</span>
        <select name="station_id" data-testid="transfer-station" aria-label="${esc(W.transferTo)}"><option value="">${esc(_("Choose a station…"))}</option>${stationOptions(i)}</select>
        <div class="act-row">${reasonInput("transfer-reason", _("Reason for the transfer"))}<button type="submit" data-testid="transfer">${esc(_("Transfer"))}</button></div>${formError}</form>
      <form data-action="close" class="act"><span class="act-label">${esc(_("Close"))}</span>
        <select name="disposition" data-testid="close-disposition" aria-label="${esc(W.whyClosed)}"><option value="">${esc(_("Why is it closed?"))}</option>${disp}</select>
        <div class="act-row"><input type="text" name="note" data-testid="close-note" maxlength="2000" placeholder="${esc(W.noteOptional)}" aria-label="${esc(W.closingNote)}" autocomplete="off"><button type="submit" data-testid="close">${esc(_("Close incident"))}</button></div>
        ${i.units?.length ? `<small class="muted">${esc(_("Units still on it ({units}) are stood down.", { units: i.units.map((u) => u.call_sign).join(", ") }))}</small>` : ""}${formError}</form>
    </section>`;
  }

  /** Noise (docs/adr/0009): what it was marked, and undo; or mark it (not while a unit is on it). */
  function noiseHtml(i) {
    if (i.noise_kind) {
      const entry = [...(i.timeline || [])].reverse().find((e) => e.kind === "marked_noise");
      const who = entry ? (entry.detail?.by === "rules" ? _("the blank-message rule") : entry.actor || "?") : "?";
      const undo = cfg.canManage ? `<form data-action="genuine" class="act-row">${reasonInput("genuine-reason", NW.whyGenuine)}<button type="submit" data-testid="mark-genuine">${esc(_("Mark genuine"))}</button>${formError}</form>` : "";
      return `<div class="box noise-box" data-testid="noise-info">${esc(_("Marked as noise ({kind}) by {who}: kept, not in the queue.", { kind: noiseWords(i.noise_kind), who }))}${undo}</div>`;
    }
    if (!cfg.canManage || i.status === "closed" || i.units?.length) return "";
    const kinds = Object.entries(NOISE_KINDS).map(([k, w]) => `<option value="${k}">${esc(w)}</option>`).join("");
    return `<section class="manage"><form data-action="noise" class="act"><span class="act-label">${esc(NW.markNoise)}</span>
      <select name="kind" data-testid="noise-kind" aria-label="${esc(NW.kind)}"><option value="">${esc(_("What kind?"))}</option>${kinds}</select>
      <div class="act-row"><input type="text" name="note" data-testid="noise-note" maxlength="500" placeholder="${esc(NW.noteNoise)}" aria-label="${esc(NW.noteNoise)}" autocomplete="off"><button type="submit" class="secondary" data-testid="mark-noise">${esc(NW.markNoise)}</button></div>${formError}</form></section>`;
  }

  // Volunteers near an SOS (the control room and the station see who accepted, with their name and phone to call
  // and guide them; a volunteer never learns hers): fetched after the panel, kept for its live refreshes.
  const SKILL_WORDS = { first_aid: _("first aid"), counselling: _("counselling"), vehicle: _("a two-wheeler or car") };
  async function showVolunteers(tracking, seq) {
    const v = await api(`/api/v1/incidents/${encodeURIComponent(tracking)}/volunteers`);
    if (seq !== state.detailSeq || state.selected !== tracking) return;
    state.volunteers = { tracking, ...v };
    const box = $("#detail [data-testid=volunteers]");
    if (box) box.outerHTML = volunteersHtml(tracking);
  }
  function volunteersHtml(tracking) {
    const v = state.volunteers;
    if (!v || v.tracking !== tracking || !v.alerted) return `<div data-testid="volunteers" hidden></div>`;
    const people = v.accepted.map((p) => `<li data-testid="volunteer-accepted"><strong>${esc(p.name)}</strong> <a href="tel:${esc(p.phone)}">${esc(p.phone)}</a>
      <small class="muted">${esc([_("about {m} m away when alerted", { m: p.distance_m }), ...p.skills.map((s) => SKILL_WORDS[s] || words(s))].join(" · "))}</small></li>`).join("");
    return `<div class="box" data-testid="volunteers"><strong>${esc(_("Volunteers nearby"))}</strong>: ${esc(_("{n} alerted within {m} m: {accepted} accepted, {declined} declined, {waiting} waiting.", { n: v.alerted, m: v.radius_m, accepted: v.accepted.length, declined: v.declined, waiting: v.waiting }))}
      ${people ? `<ul class="units-on">${people}</ul>` : ""}</div>`;
  }

  // One incident per emergency: other callers' open incidents near this one in place and time (the server decides
  // which: GET …/merge-suggestions), each merged into this one or marked "not the same"; a merged incident names
  // the one it joined and can be unmerged.
  async function showMergeSuggestions(tracking, seq) {
    if (state.detail?.status === "merged" || state.detail?.status === "closed") return;
    const m = await api(`/api/v1/incidents/${encodeURIComponent(tracking)}/merge-suggestions`);
    if (seq !== state.detailSeq || state.selected !== tracking) return;
    state.merges = { tracking, suggestions: m.suggestions || [] };
    const box = $("#detail [data-testid=merge-suggestions]");
    if (box) box.outerHTML = suggestionsHtml(tracking);
  }
  function suggestionsHtml(tracking) {
    const m = state.merges;
    if (!m || m.tracking !== tracking || !m.suggestions.length) return `<div data-testid="merge-suggestions" hidden></div>`;
    const rows = m.suggestions.map((s) => `<li data-testid="merge-suggestion" data-tracking="${esc(s.tracking)}"><strong>${esc(s.tracking)}</strong> P${s.priority} · ${esc(categoryWords(s.category))}
      <small class="muted">${esc(_("{m} m away, {min} min apart", { m: s.distance_m, min: s.minutes_apart }))}</small>
      <span class="act-row"><button type="button" data-merge="${esc(s.tracking)}" data-testid="merge-into">${esc(_("Merge into this one"))}</button>
      <button type="button" class="secondary" data-not-same="${esc(s.tracking)}" data-testid="not-same">${esc(_("Not the same"))}</button></span></li>`).join("");
    return `<div class="box" data-testid="merge-suggestions" role="status"><strong>${esc(_("Perhaps the same emergency"))}</strong><ul class="units-on">${rows}</ul></div>`;
  }
  function mergedHtml(i) {
    if (i.status !== "merged") return cfg.canManage ? suggestionsHtml(i.tracking) : "";
    const into = `<a href="#${esc(encodeURIComponent(i.merged_into || ""))}" data-testid="merged-into">${esc(i.merged_into || "?")}</a>`;
    return `<div class="box closed-box" data-testid="merged-info">${_("Merged into {into}: its contacts are listed there.", { into })}
      ${cfg.canManage ? `<form data-action="unmerge" class="act-row">${reasonInput("unmerge-reason", W.whyUnmerge)}<button type="submit" class="secondary" data-testid="unmerge">${esc(W.unmerge)}</button>${formError}</form>` : ""}</div>`;
  }
  $("#detail").addEventListener("click", async (ev) => {
    const button = ev.target.closest("[data-merge], [data-not-same]");
    const tracking = state.detail?.tracking;
    if (!button || !tracking) return;
    const other = button.dataset.merge || button.dataset.notSame;
    button.disabled = true;
    try {
      if (button.dataset.merge) {
        const result = await api(`/api/v1/incidents/${encodeURIComponent(other)}/merge`, { method: "POST", body: { into: tracking } });
        state.merges = null;
        if (state.selected === tracking) renderDetail(result);
      } else {
        await api(`/api/v1/incidents/${encodeURIComponent(tracking)}/merge-suggestions/${encodeURIComponent(other)}/reject`, { method: "POST", body: {} });
      }
      loadQueue().catch(() => {});
      if (state.selected === tracking) showDetail(tracking);
    } catch (err) {
      button.disabled = false;
      showError(null, err.message);
    }
  });

  function unitsHtml() {
    if (!state.assignments.length) return "";
    const step = (a) => a.cleared_at ? _("cleared {time}", { time: localTime(a.cleared_at) }) : a.on_scene_at ? _("on scene since {time}", { time: localTime(a.on_scene_at) })
      : a.en_route_at ? _("en route since {time}", { time: localTime(a.en_route_at) }) : _("dispatched {time}", { time: localTime(a.dispatched_at) });
    return `<h3>${esc(_("Units"))}</h3><ul class="units-on">${state.assignments.map((a) => `<li${a.cleared_at ? ` class="muted"` : ""}><strong>${esc(a.call_sign)}</strong> ${esc(step(a))}</li>`).join("")}</ul>`;
  }

  // A recommended unit in one line: no distance or ETA while her location is unknown (units are then ordered by
  // their distance from the station's anchor point, only as a guide); the routing service's times say "by road".
  function recLine(r) {
    const where = r.distance_m == null || r.eta_seconds == null ? _("her location unknown: ordered from the station, as a guide")
      : _("{km} km · ETA {min} min", { km: (r.distance_m / 1000).toFixed(1), min: Math.round(r.eta_seconds / 60) });
    return where + (r.estimator === "road" ? " · " + _("by road") : "") + (r.stale ? " · " + _("GPS stale") : "");
  }

  function detailHtml(i) {
    const doNotContact = _("do not contact her (web form)");
    const contactOf = (c) => String(c.phone).startsWith("do-not-contact:") // the web form: she asked not to be contacted
      ? `<strong class="error" data-testid="do-not-contact">${esc(doNotContact)}</strong>`
      : `<a href="tel:${esc(c.phone)}" data-testid="contact">${esc(c.phone)}</a>`;
    const contacts = i.contacts ? (i.contacts.map(contactOf).join(", ") || `<span class="muted">${esc(_("none"))}</span>`) : `<span class="muted">${esc(_("withheld (need to know)"))}</span>`;
    const open = i.status !== "closed";
    const recRows = state.recs.map((r) => `<li class="rec" data-testid="recommendation" data-unit-id="${r.unit_id ?? r.id}"><span><strong>${esc(r.call_sign)}</strong> ${esc(words(r.kind))}<br><small data-testid="recommendation-line">${esc(recLine(r))}</small></span><button type="button" data-assign="${r.unit_id ?? r.id}" data-testid="assign">${esc(_("Assign"))}</button></li>`).join("");
    const location = i.location_known && i.location ? `<span data-testid="detail-location">${esc(latLon(i.location))}</span> <small class="muted">(${esc(MATCH_WORDS[i.match] || words(i.match))})</small>` : `<span data-testid="detail-location">${esc(_("unknown: shown at the station"))}</span>`;
    return `<div class="pad">
      <h2 data-testid="detail-tracking">${esc(i.tracking)} <span class="prio-badge ${prioClass(i.priority)}">P${i.priority}</span></h2>
      ${i.flags?.length ? `<p>${flagsHtml(i)}</p>` : ""}
      <p><span class="status s-${esc(i.status)}" data-testid="detail-status">${esc(statusWords(i.status))}</span> · ${esc(categoryWords(i.category))}</p>
      <div class="action-error error" role="alert" data-testid="action-error" hidden></div>
      ${closedHtml(i)}${mergedHtml(i)}${proposedHtml(i)}
      <dl class="facts">${i.society_name ? `<dt>${esc(_("Society"))}</dt><dd data-testid="detail-society">${esc(i.society_name)}</dd>` : ""}<dt>${esc(_("Station"))}</dt><dd data-testid="detail-station">${esc(i.station_name || _("unrouted: control room"))}</dd>
        <dt>${esc(_("Location"))}</dt><dd>${location}</dd>
        <dt>${esc(_("Received"))}</dt><dd data-testid="detail-received">${timeHtml(i.received_at)} (${_("{age} ago", { age: ageHtml(i.received_at) })})</dd>
        ${i.last_message_at && i.last_message_at !== i.received_at ? `<dt>${esc(_("Last heard"))}</dt><dd>${timeHtml(i.last_message_at)} (${_("{age} ago", { age: ageHtml(i.last_message_at) })})</dd>` : ""}
        ${i.response_seconds != null ? `<dt>${esc(_("Response"))}</dt><dd data-testid="response-time">${esc(_("{min} min {s} s", { min: Math.floor(i.response_seconds / 60), s: i.response_seconds % 60 }))}</dd>` : ""}
        ${i.reopened_at && open ? `<dt>${esc(_("Reopened"))}</dt><dd>${timeHtml(i.reopened_at)}</dd>` : ""}
        <dt>${esc(_("Contact"))}</dt><dd>${contacts}</dd></dl>
      ${unitsHtml()}${volunteersHtml(i.tracking)}
      ${open && !i.noise_kind && recRows ? `<h3>${esc(_("Nearest available units"))}</h3><ul class="recs">${recRows}</ul>` : (cfg.canDispatch && open ? `<p class="muted">${esc(_("No available unit nearby."))}</p>` : "")}
      ${undeliveredHtml(i)}
      ${manageHtml(i)}${noiseHtml(i)}
      <h3>${esc(_("Timeline"))}</h3>
      ${timelineHtml(i.timeline)}
      ${cfg.canManage ? `<form data-action="note" class="act note-form"><span class="act-label">${esc(_("Add a note"))}</span>
        <textarea name="text" data-testid="note-text" rows="2" maxlength="4000" placeholder="${esc(W.whatDone)}" aria-label="${esc(W.note)}"></textarea>
        <div class="act-row end"><button type="submit" data-testid="add-note">${esc(_("Add note"))}</button></div>${formError}</form>` : ""}
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
    const needReason = () => reason.length >= 3 ? null : _("Give a reason (at least 3 characters).");
    switch (action) {
      case "note": return f.text?.trim() ? ["notes", { text: f.text.trim() }] : _("Write the note first.");
      case "priority": return needReason() || ["priority", { priority: Number(f.priority), reason }];
      case "category": return needReason() || ["category", { category: f.category, reason }];
      case "transfer": return !f.station_id ? _("Choose the station to transfer to.") : needReason() || ["transfer", { station_id: Number(f.station_id), reason }];
      case "close": return !f.disposition ? _("Choose why it is closed.") : ["close", { disposition: f.disposition, note: String(f.note ?? "").trim() }];
      case "reopen": return needReason() || ["reopen", { reason }];
      case "accept-location": return ["location/accept", null];
      case "dismiss-location": return needReason() || ["location/dismiss", { reason }];
      case "unmerge": return needReason() || ["unmerge", { reason }];
      case "retry-message": return [`messages/${Number(f.message_id)}/retry`, null];
      case "noise": return !f.kind ? _("Choose what kind of noise it is.") : ["noise", { kind: f.kind, note: String(f.note ?? "").trim() }];
      case "genuine": return needReason() || ["genuine", { reason }];
      case "reached-message": return String(f.how ?? "").trim().length >= 3
        ? [`messages/${Number(f.message_id)}/reached`, { how: String(f.how).trim() }] : _("Say how she was reached (at least 3 characters).");
      default: return _("Unknown action.");
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
        state.incidents.delete(tracking); state.detail = null; proposedLayer.clearLayers(); clearTracks(); renderQueue();
        $("#detail").innerHTML = `<p class="notice pad" data-testid="detail-notice">${esc(_("{tracking} was transferred to {station}, outside your area.", { tracking, station: result.station_name }))}</p>`;
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
  const noiseToggle = $("#noise-toggle");
  if (noiseToggle) noiseToggle.addEventListener("click", () => {
    state.view = state.view === "noise" ? "queue" : "noise";
    noiseToggle.setAttribute("aria-pressed", String(state.view === "noise"));
    noiseToggle.textContent = state.view === "noise" ? NW.queue : NW.noise;
    document.body.dataset.queueView = state.view;
    state.incidents = new Map(); renderQueue();
    loadQueue().catch(() => {});
  });
  $("#queue").addEventListener("click", (ev) => { const li = ev.target.closest("[data-tracking]"); if (li) select(li.dataset.tracking); });
  $("#queue").addEventListener("keydown", (ev) => { const li = ev.target.closest("[data-tracking]"); if (li && ev.key === "Enter") select(li.dataset.tracking); });
  window.addEventListener("hashchange", () => { const t = decodeURIComponent(location.hash.slice(1)).toUpperCase(); if (t && t !== state.selected) select(t); });
  $("#alarms").addEventListener("click", (ev) => { const p = ev.target.closest("[data-tracking]"); if (p && ev.target.tagName === "A") p.remove(); });

  // live -----------------------------------------------------------------------------------------
  let queueTimer = null, detailTimer = null;
  const soon = (fn, timer) => { clearTimeout(timer); return setTimeout(() => { Promise.resolve(fn()).catch(() => {}); }, 150); };
  const refreshQueue = () => { queueTimer = soon(loadQueue, queueTimer); };
  const refreshDetail = () => { if (state.selected) detailTimer = soon(() => state.selected && showDetail(state.selected), detailTimer); };
  function connect() {
    const es = new EventSource("/api/v1/stream");
    let opened = false;
    es.onopen = () => {
      $("#live").textContent = _("live"); $("#live").classList.add("on");
      refreshQueue();
      if (opened) refreshDetail(); // events may have been missed while away
      opened = true;
    };
    es.onerror = () => { $("#live").textContent = _("reconnecting…"); $("#live").classList.remove("on"); };
    const onIncident = (e) => {
      const d = JSON.parse(e.data);
      if (e.type === "IncidentTransferred" && d.tracking) state.movedAway.set(d.tracking, d.station_id);
      refreshQueue();
      if (state.selected && d.tracking === state.selected) refreshDetail();
    };
    INCIDENT_EVENTS.forEach((t) => es.addEventListener(t, onIncident));
    ["IncidentMerged", "IncidentUnmerged"].forEach((t) => es.addEventListener(t, (e) => {
      const d = JSON.parse(e.data);
      refreshQueue();
      if (state.selected && (d.tracking === state.selected || d.into === state.selected)) refreshDetail();
    }));
    ["UnitStatusChanged", "UnitDispatched", "UnitCreated"].forEach((t) => es.addEventListener(t, (e) => updateUnit(JSON.parse(e.data))));
    es.addEventListener("UnitsMoved", (e) => unitsMoved(JSON.parse(e.data)));
    es.addEventListener("StationsImported", () => { loadStations().then(refreshDetail).catch(() => {}); });
    es.addEventListener("HelplineReassigned", refreshQueue);
    es.addEventListener("HandsetFreePeriodEnding", () => { loadPhoneReminder().catch(() => {}); });
    es.addEventListener("IncidentUnassignedAlarm", (e) => { alarm(JSON.parse(e.data)); refreshQueue(); });
    es.addEventListener("AssignmentAtRisk", (e) => {
      const d = JSON.parse(e.data);
      const away = Math.max(1, Math.round(d.eta_seconds / 60));
      const late = _("{unit} cannot reach {tracking} before its deadline (about {n} min away).", { unit: d.call_sign, tracking: d.tracking, n: away });
      const others = (d.offers || []).map((o) => `${o.call_sign} (${stationName(o.home_station_id)}, ${Math.max(1, Math.round(o.eta_seconds / 60))} min)`).join(", ");
      const offer = others ? _("Other stations' units that could: {units}.", { units: others }) : _("No other station's unit could be there in time.");
      notify(`${late} ${offer}`, d.tracking, true, "deadline-alarm");
      beep();
      if (state.selected === d.tracking) refreshDetail();
    });
    es.addEventListener("AssignmentReleased", (e) => {
      const d = JSON.parse(e.data);
      const text = d.why === "not_acknowledged"
        ? _("{unit} did not acknowledge {tracking}: released; the next unit is being sent.", { unit: d.call_sign, tracking: d.tracking })
        : _("{unit} was re-tasked away from {tracking}.", { unit: d.call_sign, tracking: d.tracking });
      notify(text, d.tracking, false);
      refreshQueue();
      if (state.selected === d.tracking) refreshDetail();
    });
  }

  // Alarms and notices: a P1 left without a unit sounds (a tone made in the page: no file to fetch) and stays on
  // screen until the dispatcher opens it; a released unit is a notice.
  let audio = null;
  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const tone = audio.createOscillator(), gain = audio.createGain();
      tone.type = "square"; tone.frequency.value = 880; gain.gain.value = 0.08;
      tone.connect(gain).connect(audio.destination);
      if (audio.state === "suspended") audio.resume().catch(() => {});
      tone.start(); tone.stop(audio.currentTime + 0.6);
      document.body.dataset.alarmsSounded = String(Number(document.body.dataset.alarmsSounded || 0) + 1);
    } catch (err) { /* no audio device: the banner still shows */ }
  }
  // Browsers let a page sound only after a person has used it: the first click or key readies the alarm's tone.
  const readyAudio = () => { try { audio = audio || new (window.AudioContext || window.webkitAudioContext)(); audio.resume().catch(() => {}); } catch (err) { /* none */ } };
  document.addEventListener("pointerdown", readyAudio, { once: true });
  document.addEventListener("keydown", readyAudio, { once: true });
  function notify(text, tracking, loud, testid) {
    const box = $("#alarms");
    const item = document.createElement("p");
    item.className = loud ? "alarm" : "notice pad";
    item.dataset.testid = testid || (loud ? "unassigned-alarm" : "release-notice");
    item.dataset.tracking = tracking;
    item.innerHTML = `${esc(text)} <a href="#${esc(tracking)}">${esc(_("Open"))}</a>`;
    box.prepend(item);
    while (box.children.length > 5) box.lastElementChild.remove();
  }
  function alarm(d) {
    notify(_("ALARM: {tracking} (P{priority}) has had no unit for {seconds} s.", { tracking: d.tracking, priority: d.priority, seconds: d.waiting_seconds }), d.tracking, true);
    beep();
  }

  // The phones that carry the station's helpline numbers: a free period ending within 30 days (or over) is shown
  // to those who keep them, and again when the reminder falls due while the console is open.
  async function loadPhoneReminder() {
    if (!cfg.canKeepPhones) return;
    const found = await api("/api/v1/handsets?ending_within_days=30");
    const n = (found?.handsets || []).length;
    const box = $("#phone-reminder");
    box.hidden = n === 0;
    const text = n === 1 ? _("The free period of 1 helpline phone ends within 30 days, or has ended.")
      : _("The free periods of {n} helpline phones end within 30 days, or have ended.", { n });
    box.innerHTML = n ? `${esc(text)} <a href="${esc(cfg.phonesPage)}">${esc(_("See the phones"))}</a>` : "";
  }

  setInterval(tick, 5000); // ages and time left tick on
  loadPhoneReminder().catch(() => {});
  api("/api/v1/categories").then((d) => { if (d?.categories?.length) categories = d.categories; }).catch(() => {});
  const opening = decodeURIComponent(location.hash.slice(1)).trim().toUpperCase();
  loadStations().catch(() => {})
    .then(() => { if (opening) select(opening); return Promise.all([loadQueue(), loadUnits()]); })
    .catch(() => {})
    .finally(connect);
})();
