/* The responder's screen: the crew's unit, the incident it is sent to (only what the crew needs), a map with a
   straight line to her, a big button for each step the crew may report next, and the phone's position sent to the
   control room. Kept live by Server-Sent Events: a new dispatch shows without a reload. */
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("suraksha-config").textContent);
  const _ = window.gettext;
  const TZ = cfg.timeZone || "Asia/Kolkata";
  const UNIT = Number(cfg.unitId);
  const SEND_EVERY_MS = 10000; // at most one position every 10 s
  const UNIT_WORDS = { available: _("available"), dispatched: _("dispatched"), acknowledged: _("acknowledged"),
    en_route: _("en route"), on_scene: _("on scene"), out_of_service: _("out of service") };
  const CATEGORY_WORDS = { immediate_danger: _("immediate danger"), sexual_assault: _("sexual assault"), child_at_risk: _("child at risk"),
    domestic_violence: _("domestic violence"), stalking_harassment: _("stalking harassment"), cyber: _("cyber"), help_request: _("help request") };
  const STEP_WORDS = { acknowledged: _("Acknowledge"), en_route: _("En route"), on_scene: _("On scene"), available: _("Cleared"),
    back: _("Back in service") };
  const W = {
    noJob: _("No assignment. Stay available: the control room will send you."), unknown: _("location unknown"),
    reported: _("Reported"), callHer: _("Call her"), withheld: _("Her number is withheld (need to know)."),
    station: _("Station area"), place: _("Place"), unrouted: _("unrouted: control room"),
    chooseDisposition: _("Choose how it ended."), outOfService: _("Out of service"),
  };
  const GPS_WORDS = {
    waiting: _("Position: waiting for the phone's location…"), sharing: _("Position: sharing with the control room"),
    denied: _("Position: not shared. Location permission was refused; allow it in the browser's settings."),
    unavailable: _("Position: the phone cannot find its location now."),
    unsupported: _("Position: this browser cannot give its location."),
  };
  const $ = (sel) => document.querySelector(sel);
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const words = (s) => String(s ?? "").replaceAll("_", " ");
  const state = { view: null, loadSeq: 0, lastSent: 0, here: null };

  const api = window.surakshaApi(cfg.csrf); // static/api.js

  // time -----------------------------------------------------------------------------------------
  const clock = new Intl.DateTimeFormat("en-GB", { timeZone: TZ, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  function ageText(iso) {
    const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    return s < 60 ? _("{n} s", { n: Math.round(s) }) : s < 3600 ? _("{n} min", { n: Math.floor(s / 60) })
      : s < 86400 ? _("{n} h", { n: Math.floor(s / 3600) }) : _("{n} d", { n: Math.floor(s / 86400) });
  }
  function tick() { document.querySelectorAll("[data-age]").forEach((el) => { el.textContent = ageText(el.dataset.age); }); }

  // map ------------------------------------------------------------------------------------------
  const map = L.map("map", { zoomControl: true });
  if (cfg.tileUrl) { L.tileLayer(cfg.tileUrl, { maxZoom: 19, attribution: _("map tiles") }).addTo(map); }
  map.setView([cfg.lat, cfg.lon], 15);
  let unitMarker = null, incidentMarker = null, routeLine = null;
  function unitIcon(status) {
    return L.divIcon({ className: "", iconSize: [18, 18], iconAnchor: [9, 9],
      html: `<div class="unit-marker r-unit-marker ${esc(status)}" data-testid="unit-marker" data-status="${esc(status)}"></div>` });
  }
  function drawMap() {
    const v = state.view; if (!v) return;
    const here = state.here || [v.unit.lat, v.unit.lon];
    if (!unitMarker) unitMarker = L.marker(here, { keyboard: false }).addTo(map);
    unitMarker.setLatLng(here); unitMarker.setIcon(unitIcon(v.unit.status));
    const i = v.incident;
    const there = i && i.location_known ? [i.lat, i.lon] : null;
    if (incidentMarker) { incidentMarker.remove(); incidentMarker = null; }
    if (routeLine) { routeLine.remove(); routeLine = null; }
    if (there) {
      incidentMarker = L.marker(there, { keyboard: false, zIndexOffset: 1000, icon: L.divIcon({ className: "", iconSize: [26, 26], iconAnchor: [13, 13],
        html: `<div class="inc-marker p${Math.min(i.priority, 3)}" data-testid="incident-marker" data-tracking="${esc(i.tracking)}">${i.priority}</div>` }) }).addTo(map);
      routeLine = L.polyline([here, there], { color: "#1f4e8c", weight: 4, dashArray: "8 8", className: "route-line" }).addTo(map);
      routeLine.bindTooltip(esc(_("straight line, not the road route")), { sticky: true });
      map.fitBounds(L.latLngBounds([here, there]), { padding: [30, 30], maxZoom: 16 });
    } else {
      map.setView(here, Math.max(map.getZoom(), 14));
    }
    $("[data-testid=route-note]").hidden = !there;
  }

  // the assignment -------------------------------------------------------------------------------
  function jobHtml(v) {
    const i = v.incident;
    if (!i) {
      const out = v.unit.status === "out_of_service";
      const why = out && v.unit.status_reason ? `: ${v.unit.status_reason}` : "";
      return `<p class="r-idle" data-testid="no-assignment">${esc(out ? W.outOfService + why : W.noJob)}</p>`;
    }
    const category = CATEGORY_WORDS[i.category] || words(i.category);
    const place = i.location_known ? `${i.lat.toFixed(5)}, ${i.lon.toFixed(5)}` : W.unknown;
    const age = `<span data-testid="incident-age" data-age="${esc(i.received_at)}">${esc(ageText(i.received_at))}</span>`;
    const ago = _("{age} ago", { age });
    const calls = i.contacts == null ? `<p class="muted" data-testid="contact-withheld">${esc(W.withheld)}</p>`
      : i.contacts.map((phone) => `<a class="r-big call" href="tel:${esc(phone)}" data-testid="call-her">${esc(W.callHer)} · ${esc(phone)}</a>`).join("");
    return `<h2 class="r-tracking"><span class="prio-badge p${Math.min(i.priority, 3)}" data-testid="incident-priority">P${i.priority}</span>
        <span data-testid="incident-tracking">${esc(i.tracking)}</span></h2>
      <p class="r-category" data-testid="incident-category">${esc(category)}</p>
      <dl class="facts r-facts">
        <dt>${esc(W.station)}</dt><dd data-testid="incident-station">${esc(i.station_name || W.unrouted)}</dd>
        <dt>${esc(W.place)}</dt><dd data-testid="incident-place"${i.location_known ? "" : ` class="warn"`}>${esc(place)}</dd>
        <dt>${esc(W.reported)}</dt><dd>${ago} · ${esc(clock.format(new Date(i.received_at)))}</dd>
      </dl>
      ${calls}`;
  }

  function stepsHtml(v) {
    return v.next_statuses.map((s) => {
      const label = s === "available" && !v.incident ? STEP_WORDS.back : STEP_WORDS[s] || words(s);
      const kind = s === "available" ? (v.incident ? "clear" : "back") : s;
      return `<button type="button" class="r-big step r-step-${esc(kind)}" data-step="${esc(s)}" data-testid="step-${esc(kind)}">${esc(label)}</button>`;
    }).join("");
  }

  function render(v) {
    state.view = v;
    const status = $("#unit-status");
    status.dataset.status = v.unit.status;
    status.textContent = UNIT_WORDS[v.unit.status] || words(v.unit.status);
    const job = $("#job");
    job.innerHTML = jobHtml(v);
    job.dataset.tracking = v.incident?.tracking || "";
    $("#steps").innerHTML = stepsHtml(v);
    if (!v.next_statuses.includes("available") || !v.incident) $("#clear-form").hidden = true;
    drawMap();
  }

  async function load() {
    const seq = ++state.loadSeq;
    const v = await api(`/api/v1/units/${UNIT}/assignment`);
    if (seq === state.loadSeq) render(v);
  }
  const reload = () => load().catch((err) => showError(err.message));

  function showError(text) { const slot = $("#step-error"); slot.textContent = text || ""; slot.hidden = !text; }

  async function report(status, disposition) {
    const buttons = document.querySelectorAll("#steps button, #clear-form button");
    buttons.forEach((b) => { b.disabled = true; });
    showError("");
    try {
      await api(`/api/v1/units/${UNIT}/status`, { method: "POST", body: disposition ? { status, disposition } : { status } });
      $("#clear-form").hidden = true; $("#clear-form").reset();
      await load();
    } catch (err) {
      showError(err.message);
      reload();
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  $("#steps").addEventListener("click", (ev) => {
    const b = ev.target.closest("[data-step]"); if (!b) return;
    if (b.dataset.step === "available" && state.view?.incident) { // clearing asks how it ended first
      $("#clear-form").hidden = false; $("#disposition").focus(); return;
    }
    report(b.dataset.step);
  });
  $("#clear-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const code = $("#disposition").value;
    if (!code) { showError(W.chooseDisposition); return; }
    report("available", code);
  });
  $("#cancel-clear").addEventListener("click", () => { $("#clear-form").hidden = true; showError(""); });

  // the phone's position -------------------------------------------------------------------------
  function gps(stateName, args) {
    const el = $("#gps");
    el.dataset.state = stateName;
    el.textContent = stateName === "failed" ? _("Position: could not be sent: {error}", args) : GPS_WORDS[stateName];
  }
  async function sendPosition(lat, lon) {
    state.lastSent = Date.now();
    try {
      await api(`/api/v1/units/${UNIT}/positions`, { method: "POST", body: { lat, lon } });
      gps("sharing");
      $("#gps").dataset.sent = String(Number($("#gps").dataset.sent || 0) + 1);
    } catch (err) {
      gps("failed", { error: err.message });
    }
  }
  function watch() {
    if (!navigator.geolocation) { gps("unsupported"); return; }
    navigator.geolocation.watchPosition((pos) => {
      const { latitude: lat, longitude: lon } = pos.coords;
      state.here = [lat, lon];
      if (unitMarker) unitMarker.setLatLng(state.here);
      if (routeLine) routeLine.setLatLngs([state.here, routeLine.getLatLngs()[1]]);
      if (Date.now() - state.lastSent >= SEND_EVERY_MS) sendPosition(lat, lon);
      else if ($("#gps").dataset.state !== "sharing") gps("sharing");
    }, (err) => {
      gps(err.code === 1 ? "denied" : "unavailable");
    }, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
  }

  // live -----------------------------------------------------------------------------------------
  function connect() {
    const es = new EventSource("/api/v1/stream");
    es.onopen = () => { $("#live").textContent = _("live"); $("#live").classList.add("on"); reload(); };
    es.onerror = () => { $("#live").textContent = _("reconnecting…"); $("#live").classList.remove("on"); };
    const mine = (e) => { const d = JSON.parse(e.data); if (Number(d.unit_id) === UNIT) reload(); };
    ["UnitDispatched", "UnitStatusChanged", "AssignmentReleased"].forEach((t) => es.addEventListener(t, mine));
    const ours = (e) => { const d = JSON.parse(e.data); if (d.tracking && d.tracking === state.view?.incident?.tracking) reload(); };
    ["IncidentUpdated", "IncidentClosed", "IncidentLocationChanged", "IncidentTransferred"].forEach((t) => es.addEventListener(t, ours));
    es.addEventListener("UnitsMoved", (e) => { // one event per station for the fixes written together
      const d = (JSON.parse(e.data).units || []).find((u) => Number(u.unit_id) === UNIT);
      if (!d || state.here || !state.view) return; // the phone's own fix wins
      state.view.unit.lat = d.lat; state.view.unit.lon = d.lon; drawMap();
    });
  }

  setInterval(tick, 15000);
  load().catch((err) => showError(err.message)).finally(connect);
  watch();
})();
