/* The 112 call-taker's screen: a voice call logged and sent to dispatch, keyboard first.
   The number typed shows what it called about before; the location is the handset's GPS, the network's cell (each
   with its accuracy circle on the map) or a typed address, landmark, locality or PIN code resolved to a place.
   Each call has an id from the moment it is answered: sending it again (a lost answer) never makes a second
   incident. Ctrl+Enter logs it; Alt+N starts the next call. Times are in the city's zone (cfg.timeZone). */
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("suraksha-config").textContent);
  const _ = window.gettext;
  const TZ = cfg.timeZone || "Asia/Kolkata";
  const $ = (sel) => document.querySelector(sel);
  const form = $("#call-form");
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const STATUS_WORDS = { new: _("new"), dispatched: _("dispatched"), en_route: _("en route"), on_scene: _("on scene"), closed: _("closed"),
    merged: _("merged") };
  const NOISE_WORDS = { blank: _("blank"), silent: _("silent"), abusive: _("abusive"), prank: _("prank"), test: _("test") };
  const KIND_WORDS = { coordinates: _("coordinates"), locality: _("locality"), station: _("police station") };
  const W = { // words used inside nested template literals, where the catalog extractor cannot see them
    openInConsole: _("Open in the console"), readOut: _("Read out to her:"), noneBefore: _("No earlier contact from this number in your area."),
    otherArea: _("It is in another station's area and went to that station."), coveredBy: _("Covered by"),
    sameOne: _("The same: join it"), notSame: _("Not the same"), callerSaid: _("the caller describes the same emergency"),
  };
  const LOCALE = { hi: "hi-IN-u-nu-latn", mr: "mr-IN-u-nu-latn" }[window.SURAKSHA_LANG] || "en-GB";
  const when = new Intl.DateTimeFormat(LOCALE, { timeZone: TZ, day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const words = (s) => String(s ?? "").replaceAll("_", " ");

  const api = window.surakshaApi(cfg.csrf); // static/api.js

  // the call: its id and when it was answered ------------------------------------------------------
  const call = { id: "", answeredAt: null, answeredTick: 0, sending: false };
  function newId() {
    if (window.crypto?.randomUUID) return window.crypto.randomUUID();
    const b = new Uint8Array(16); window.crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }
  function newCall() {
    form.reset();
    call.id = newId(); call.answeredAt = new Date(); call.answeredTick = performance.now();
    $("#earlier").innerHTML = ""; $("#place-results").innerHTML = ""; $("#where").textContent = ""; $("#call-error").textContent = "";
    lastNumber = ""; place = null; drawPoint();
    showSource(); showVictim();
    $("#caller-number").focus();
  }
  function clock() {
    if (!call.answeredAt) return;
    const s = Math.floor((performance.now() - call.answeredTick) / 1000);
    const el = $("#call-clock");
    el.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
    el.classList.toggle("late", s >= 60);
  }

  // earlier incidents from the number, as it is typed ------------------------------------------------
  let lastNumber = "", numberTimer = null;
  function numberTyped() {
    clearTimeout(numberTimer);
    numberTimer = setTimeout(async () => {
      const typed = form.caller_number.value.replace(/[^\d+]/g, "");
      if (typed.replace(/\D/g, "").length < 10 || typed === lastNumber) return;
      lastNumber = typed;
      try {
        const data = await api("/api/v1/calls/earlier", { method: "POST", body: { number: typed } });
        if (lastNumber !== typed) return;
        showEarlier(data.incidents);
      } catch (e) {
        $("#earlier").innerHTML = `<p class="error">${esc(e.message)}</p>`;
      }
    }, 250);
  }
  function showEarlier(list) {
    const box = $("#earlier");
    if (!list.length) { box.innerHTML = `<p class="muted" data-testid="earlier-none">${esc(W.noneBefore)}</p>`; return; }
    const title = _("{n} earlier from this number", { n: list.length });
    box.innerHTML = `<p class="earlier-title"><strong>${esc(title)}</strong></p><ol class="earlier-list">${list.map((i) => `
      <li data-testid="earlier-incident" data-tracking="${esc(i.tracking)}" class="${i.status === "closed" ? "closed" : "open"}">
        <a href="/console#${encodeURIComponent(i.tracking)}" target="_blank" rel="noopener" title="${esc(W.openInConsole)}">${esc(i.tracking)}</a>
        <span class="prio p${Math.min(i.priority, 3)}">P${i.priority}</span> ${esc(words(i.category))} · ${esc(STATUS_WORDS[i.status] || words(i.status))}
        <br><small>${esc(when.format(new Date(i.received_at)))}${i.station_name ? ` · ${esc(i.station_name)}` : ""}${i.disposition ? ` · ${esc(i.disposition)}` : ""}</small>
      </li>`).join("")}</ol>`;
  }

  // where she is -------------------------------------------------------------------------------------
  const map = L.map("map", { zoomControl: true });
  if (cfg.tileUrl) { L.tileLayer(cfg.tileUrl, { maxZoom: 19, attribution: _("map tiles") }).addTo(map); }
  map.setView([19.07, 72.87], 11);
  const stationLayer = L.geoJSON(null, { style: { color: "#5b6b7f", weight: 1, fillColor: "#dfe7ef", fillOpacity: 0.4 },
    onEachFeature: (f, layer) => layer.bindTooltip(esc(f.properties.name), { sticky: true }) }).addTo(map);
  api("/api/v1/stations.geojson" + (cfg.city ? `?city=${encodeURIComponent(cfg.city)}` : "")).then((fc) => {
    stationLayer.addData(fc);
    if (fc.features?.length) map.fitBounds(stationLayer.getBounds());
  }).catch(() => {});
  const pointLayer = L.layerGroup().addTo(map);
  let place = null; // {lat, lon, accuracy_m, text, station_name}

  const source = () => form.querySelector("input[name=source]:checked")?.value || "none";
  function showSource() {
    const s = source();
    form.querySelectorAll("[data-for]").forEach((el) => { el.hidden = !el.dataset.for.split(" ").includes(s); });
    readPoint();
  }
  function number(v) { const n = Number(String(v).trim()); return String(v).trim() !== "" && Number.isFinite(n) ? n : null; }
  /** The point the form says, for the chosen source; drawn with its accuracy circle. */
  function readPoint() {
    const s = source();
    if (s === "gps" || s === "cell") {
      const lat = number(form.lat.value), lon = number(form.lon.value);
      place = lat != null && lon != null ? { lat, lon, accuracy_m: number(form.accuracy_m.value), text: null } : null;
    } else if (s === "none") {
      place = null;
    } else if (place && place.source !== "address") {
      place = null;
    }
    drawPoint();
  }
  function drawPoint() {
    pointLayer.clearLayers();
    const where = $("#where");
    if (!place) { where.textContent = ""; return; }
    const at = [place.lat, place.lon];
    L.marker(at, { keyboard: false }).addTo(pointLayer);
    if (place.accuracy_m) {
      L.circle(at, { radius: place.accuracy_m, color: "#0b57d0", weight: 1, fillOpacity: 0.12, className: "accuracy-circle" }).addTo(pointLayer);
      map.fitBounds(L.latLng(at).toBounds(place.accuracy_m * 2.4));
    } else {
      map.setView(at, Math.max(map.getZoom(), 15));
    }
    const within = place.accuracy_m ? _("within {m} m", { m: Math.round(place.accuracy_m) }) : "";
    where.textContent = [place.text, `${place.lat.toFixed(5)}, ${place.lon.toFixed(5)}`, within,
      place.station_name ? `${W.coveredBy} ${place.station_name}` : ""].filter(Boolean).join(" · ");
    where.dataset.accuracy = place.accuracy_m ?? "";
  }
  // a click on the map places her there (a landmark she names that the list does not know)
  map.on("click", (e) => {
    if (source() === "none") form.querySelector("input[name=source][value=address]").checked = true;
    if (source() === "address") {
      place = { lat: e.latlng.lat, lon: e.latlng.lng, accuracy_m: 100, text: form.place.value.trim() || null, source: "address" };
    } else {
      form.lat.value = e.latlng.lat.toFixed(6); form.lon.value = e.latlng.lng.toFixed(6);
      readPoint(); return;
    }
    showSource(); drawPoint();
  });
  // a pasted "lat, lon" in the latitude box fills both
  form.lat.addEventListener("paste", (e) => {
    const text = (e.clipboardData || window.clipboardData).getData("text");
    const m = text.match(/(-?\d{1,2}\.\d+)\s*[,;\s]\s*(-?\d{1,3}\.\d+)/);
    if (m) { e.preventDefault(); form.lat.value = m[1]; form.lon.value = m[2]; readPoint(); }
  });

  let placeTimer = null, placeSeq = 0, found = [];
  function placeTyped() {
    clearTimeout(placeTimer);
    placeTimer = setTimeout(async () => {
      const q = form.place.value.trim();
      const seq = ++placeSeq;
      if (q.length < 3) { showPlaces([]); return; }
      try {
        const data = await api(`/api/v1/calls/places?q=${encodeURIComponent(q)}${cfg.city ? `&city=${encodeURIComponent(cfg.city)}` : ""}`);
        if (seq === placeSeq) showPlaces(data.places);
      } catch (e) { $("#place-results").innerHTML = `<li class="error">${esc(e.message)}</li>`; }
    }, 200);
  }
  function showPlaces(list) {
    found = list;
    const ul = $("#place-results");
    form.place.setAttribute("aria-expanded", list.length ? "true" : "false");
    ul.innerHTML = list.map((p, n) => `<li role="option" id="place-${n}" tabindex="-1" data-testid="place-option" data-n="${n}">
      <strong>${esc(p.name)}</strong>${p.pincode ? ` ${esc(p.pincode)}` : ""} <small class="muted">${esc(KIND_WORDS[p.kind] || p.kind)}${p.station_name ? ` · ${esc(p.station_name)}` : ""}</small></li>`).join("");
  }
  function choosePlace(n) {
    const p = found[n]; if (!p) return;
    place = { lat: p.lat, lon: p.lon, accuracy_m: p.accuracy_m || null, text: form.place.value.trim(), station_name: p.station_name, source: "address" };
    showPlaces([]); drawPoint();
    form.what_happened.focus();
  }
  $("#place-results").addEventListener("click", (e) => { const li = e.target.closest("[data-n]"); if (li) choosePlace(Number(li.dataset.n)); });
  $("#place-results").addEventListener("keydown", (e) => {
    const li = e.target.closest("[data-n]"); if (!li) return;
    const n = Number(li.dataset.n);
    if (e.key === "Enter") { e.preventDefault(); choosePlace(n); }
    else if (e.key === "ArrowDown") { e.preventDefault(); document.getElementById(`place-${n + 1}`)?.focus(); }
    else if (e.key === "ArrowUp") { e.preventDefault(); (document.getElementById(`place-${n - 1}`) || form.place).focus(); }
    else if (e.key === "Escape") { form.place.focus(); showPlaces([]); }
  });
  form.place.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" && found.length) { e.preventDefault(); document.getElementById("place-0")?.focus(); }
    else if (e.key === "Enter" && !e.ctrlKey) { e.preventDefault(); if (found.length) choosePlace(0); }
  });

  // who it is about ------------------------------------------------------------------------------------
  function showVictim() { $("[data-testid=victim]").hidden = form.caller_relation.value === "self"; }

  // logging it ---------------------------------------------------------------------------------------------
  function body(noise) {
    const s = noise && !place ? "none" : source();
    const self = form.caller_relation.value === "self";
    const age = number(form.age.value);
    const her = { age: age != null ? Math.round(age) : null, details: form.details.value.trim() || null };
    const location = { source: s };
    if (s !== "none") {
      if (!place) throw new Error(s === "address" ? _("Choose a place from the list, click the map, or say the location is not known.")
        : _("Give the latitude and longitude, or say the location is not known."));
      Object.assign(location, { lat: place.lat, lon: place.lon, accuracy_m: place.accuracy_m, text: s === "address" ? (place.text || null) : null });
    }
    return {
      call_id: call.id, answered_seconds_ago: Math.max(0, Math.round((performance.now() - call.answeredTick) / 1000)),
      caller_number: form.no_number.checked ? null : (form.caller_number.value.trim() || null),
      language: form.language.value, location,
      what_happened: form.what_happened.value.trim(), category: form.category.value, priority: Number(form.priority.value),
      caller_relation: form.caller_relation.value,
      caller: { name: form.caller_name.value.trim() || null, ...(self ? her : {}) },
      victim: self ? null : { name: form.victim_name.value.trim() || null, phone: form.victim_phone.value.trim() || null, ...her },
      updates_by_sms: form.updates_by_sms.checked, noise: noise || null,
    };
  }
  /** Log the call: genuine (to dispatch), or `noise` (blank, silent, abusive, prank: kept, not dispatched). */
  async function logCall(e, noise) {
    e?.preventDefault();
    if (call.sending) return;
    const err = $("#call-error"); err.textContent = "";
    if (!form.caller_number.value.trim() && !form.no_number.checked) { err.textContent = _("Type the caller's number, or tick that none was shown."); form.caller_number.focus(); return; }
    if (!noise && form.what_happened.value.trim().length < 3) { err.textContent = _("Say what happened."); form.what_happened.focus(); return; }
    let sent;
    try { sent = body(noise); } catch (x) { err.textContent = x.message; return; }
    call.sending = true; $("[data-testid=log-call]").disabled = true;
    try {
      const r = await api("/api/v1/calls", { method: "POST", body: sent });
      showLogged(r);
      newCall();
    } catch (x) {
      err.textContent = x.message; // the same call id goes again: never a second incident
    } finally {
      call.sending = false; $("[data-testid=log-call]").disabled = false;
    }
  }
  function showLogged(r) {
    const head = r.joined ? _("Added to {tracking}, her open incident", { tracking: r.tracking })
      : r.noise_kind ? _("Logged {tracking} as noise ({kind}): kept, not sent to dispatch", { tracking: r.tracking, kind: NOISE_WORDS[r.noise_kind] || r.noise_kind })
      : _("Logged {tracking}: in the dispatch queue", { tracking: r.tracking });
    const where = r.station_name ? _("Station: {station}", { station: r.station_name }) : _("Station: the control room");
    $("#logged").innerHTML = `<div class="notice pad" data-testid="logged-call" data-tracking="${esc(r.tracking)}" data-noise="${esc(r.noise_kind || "")}">
      <strong>${esc(head)}</strong> <span class="prio p${Math.min(r.priority, 3)}">P${r.priority}</span><br>
      ${esc(where)}${r.in_your_area ? "" : `<br><small>${esc(W.otherArea)}</small>`}<br>
      <small>${esc(W.readOut)}</small> <q data-testid="read-out">${esc(r.message)}</q><br>
      <a href="/console#${encodeURIComponent(r.tracking)}" data-testid="open-in-console">${esc(W.openInConsole)}</a>
      <div id="call-suggestions" data-testid="call-suggestions"></div></div>`;
    if (r.in_your_area && !r.duplicate && !r.noise_kind) suggest(r.tracking);
  }

  // another caller about the same emergency, nearby and at the same time: the call-taker says whether it is ---------
  async function suggest(tracking) {
    let data;
    try { data = await api(`/api/v1/incidents/${encodeURIComponent(tracking)}/merge-suggestions`); } catch (e) { return; }
    const box = document.getElementById("call-suggestions");
    if (!box || !data.suggestions.length) return;
    const ask = _("Perhaps the same emergency as:");
    box.innerHTML = `<p><strong>${esc(ask)}</strong></p><ul class="earlier-list">${data.suggestions.map((o) => `
      <li data-testid="call-suggestion" data-tracking="${esc(o.tracking)}">
        <a href="/console#${encodeURIComponent(o.tracking)}" target="_blank" rel="noopener">${esc(o.tracking)}</a>
        <span class="prio p${Math.min(o.priority, 3)}">P${o.priority}</span> ${esc(words(o.category))} · ${esc(when.format(new Date(o.received_at)))}
        <button type="button" data-testid="call-merge" data-into="${esc(o.tracking)}">${esc(W.sameOne)}</button>
        <button type="button" class="secondary" data-testid="call-not-same" data-other="${esc(o.tracking)}">${esc(W.notSame)}</button>
      </li>`).join("")}</ul>`;
    box.addEventListener("click", async (e) => {
      const b = e.target.closest("button"); if (!b) return;
      const li = b.closest("li"); b.disabled = true;
      try {
        if (b.dataset.into) {
          await api(`/api/v1/incidents/${encodeURIComponent(tracking)}/merge`, { method: "POST", body: { into: b.dataset.into, reason: W.callerSaid } });
          box.innerHTML = `<p data-testid="call-merged">${esc(_("This call joined {tracking}.", { tracking: b.dataset.into }))}</p>`;
        } else {
          await api(`/api/v1/incidents/${encodeURIComponent(tracking)}/merge-suggestions/${encodeURIComponent(b.dataset.other)}/reject`, { method: "POST", body: {} });
          li.remove();
          if (!box.querySelector("li")) box.innerHTML = "";
        }
      } catch (x) { b.disabled = false; li.insertAdjacentHTML("beforeend", `<p class="error">${esc(x.message)}</p>`); }
    });
  }

  // keys and wiring -----------------------------------------------------------------------------------------
  form.addEventListener("submit", logCall);
  form.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) logCall(e); });
  const SOURCE_KEYS = { g: "gps", c: "cell", a: "address", u: "none" };
  const NOISE_KEYS = { b: "blank", s: "silent" };
  function chooseSource(value) {
    form.querySelector(`input[name=source][value=${value}]`).checked = true;
    showSource();
    (value === "address" ? form.place : value === "none" ? form.what_happened : form.lat).focus();
  }
  document.addEventListener("keydown", (e) => {
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    const key = e.key.toLowerCase();
    if (key === "n") { e.preventDefault(); newCall(); }
    else if (SOURCE_KEYS[key]) { e.preventDefault(); chooseSource(SOURCE_KEYS[key]); }
    else if (NOISE_KEYS[key]) { e.preventDefault(); logCall(null, NOISE_KEYS[key]); }
  });
  document.querySelectorAll("[data-noise]").forEach((b) => b.addEventListener("click", () => logCall(null, b.dataset.noise)));
  $("#new-call").addEventListener("click", newCall);
  form.caller_number.addEventListener("input", numberTyped);
  form.no_number.addEventListener("change", () => { form.caller_number.disabled = form.no_number.checked; if (form.no_number.checked) form.updates_by_sms.checked = false; });
  form.querySelectorAll("input[name=source]").forEach((r) => r.addEventListener("change", () => chooseSource(r.value)));
  ["lat", "lon", "accuracy_m"].forEach((n) => form[n].addEventListener("input", readPoint));
  form.place.addEventListener("input", () => { if (place?.source === "address") { place = null; drawPoint(); } placeTyped(); });
  form.caller_relation.addEventListener("change", showVictim);
  newCall();
  setInterval(clock, 1000);
})();
