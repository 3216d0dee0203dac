/* The public help page (/help): where she is (her phone's position or a pin on the map, Leaflet loaded only when
   asked for), how to reach her, the quick exit, and the send. The page's check against machines (docs/adr/0012):
   a small proof of work on the server's form token, solved with crypto.subtle SHA-256 while she fills the form.
   A send that fails on the network is sent again as it was (the same token: the server never makes two reports). */
(function () {
  "use strict";
  const cfg = window.SURAKSHA = JSON.parse(document.getElementById("suraksha-config").textContent);
  const _ = window.gettext;
  const $ = (id) => document.getElementById(id);
  const form = $("help-form"), errorBox = $("help-error"), statusBox = $("help-status"), sendButton = $("send");
  const where = { lat: null, lon: null, accuracy: null };

  // the quick exit: away at once, nothing left on the screen or in this tab's history ----------------------
  function leave(ev) {
    if (ev) ev.preventDefault();
    form.reset();
    document.body.textContent = "";
    window.location.replace($("quick-exit") ? $("quick-exit").href : "https://www.google.com/");
  }
  $("quick-exit").addEventListener("click", leave);
  let lastEscape = 0;
  document.addEventListener("keydown", (ev) => {
    if (ev.key !== "Escape") return;
    const now = Date.now();
    if (now - lastEscape < 1000) leave(ev);
    lastEscape = now;
  });

  // the proof of work: SHA-256(token:n) with `bits` leading zero bits ------------------------------------
  function zeroBits(bytes) {
    let bits = 0;
    for (const b of bytes) {
      if (b === 0) { bits += 8; continue; }
      return bits + Math.clz32(b) - 24;
    }
    return bits;
  }
  const encoder = new TextEncoder();
  async function digest(text) {
    if (window.crypto && window.crypto.subtle) return new Uint8Array(await window.crypto.subtle.digest("SHA-256", encoder.encode(text)));
    return sha256(encoder.encode(text)); // a page opened without https (no crypto.subtle): the same hash in plain JS
  }
  async function solve(token, bits) {
    const batch = 64;
    for (let n = 0; ; n += batch) {
      const hashes = await Promise.all(Array.from({ length: batch }, (_x, i) => digest(`${token}:${n + i}`)));
      for (let i = 0; i < batch; i++) if (zeroBits(hashes[i]) >= bits) return String(n + i);
    }
  }
  let token = cfg.token, proof = solve(token, cfg.proofBits);
  async function freshForm() {
    const r = await fetch("/api/v1/help/form", { headers: { Accept: "application/json" } });
    if (!r.ok) throw new Error("form");
    const f = await r.json();
    token = f.token; cfg.proofBits = f.proof_bits;
    proof = solve(token, f.proof_bits);
  }

  // where: her phone's position, a pin on the map, or a typed place ----------------------------------------
  let map = null, pin = null;
  function setWhere(lat, lon, accuracy, how) {
    where.lat = Number(lat.toFixed(6)); where.lon = Number(lon.toFixed(6));
    where.accuracy = accuracy === null || accuracy === undefined ? null : Math.min(Math.round(accuracy), 100000); // a coarse fix is still a place
    $("where-said").textContent = how === "gps"
      ? _("Location: your phone's position (within {metres} m).", { metres: Math.round(accuracy || 0) })
      : _("Location: the pin on the map.");
    $("where-said").dataset.set = how;
    if (map) {
      if (pin) pin.remove();
      pin = L.circleMarker([where.lat, where.lon], { radius: 9, color: "#b71c1c", weight: 3 }).addTo(map);
    }
  }
  const locate = $("locate");
  if (navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", () => {
      $("where-said").textContent = _("Finding where you are…");
      navigator.geolocation.getCurrentPosition((p) => {
        setWhere(p.coords.latitude, p.coords.longitude, p.coords.accuracy, "gps");
        if (map) map.setView([where.lat, where.lon], 16);
      }, () => { $("where-said").textContent = _("Location not shared. Put a pin on the map or type the place instead."); },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }
  function load(tag, attrs) {
    return new Promise((resolve, reject) => {
      const el = Object.assign(document.createElement(tag), attrs);
      el.onload = resolve; el.onerror = reject; document.head.append(el);
    });
  }
  async function showMap() {
    const box = $("help-map-box"), button = $("show-map");
    box.hidden = false; button.setAttribute("aria-expanded", "true");
    if (map) return;
    await Promise.all([load("link", { rel: "stylesheet", href: "/static/vendor/leaflet/leaflet.css" }),
      load("script", { src: "/static/vendor/leaflet/leaflet.js" })]);
    map = cfg.map = L.map("help-map").setView(where.lat !== null ? [where.lat, where.lon] : [19.07, 72.87], where.lat !== null ? 16 : 11);
    if (cfg.tileUrl) L.tileLayer(cfg.tileUrl, { maxZoom: 19 }).addTo(map);
    if (where.lat !== null) setWhere(where.lat, where.lon, where.accuracy, $("where-said").dataset.set);
    map.on("click", (e) => setWhere(e.latlng.lat, e.latlng.lng, null, "pin"));
    $("help-map").dataset.ready = "true";
  }
  $("show-map").addEventListener("click", () => { showMap().catch(() => { $("where-said").textContent = _("The map could not be loaded. Type the place instead."); }); });

  // how to reach her ------------------------------------------------------------------------------------
  function reachChanged() {
    const none = form.elements.reach.value === "none";
    $("reach-details").hidden = none; $("no-contact-note").hidden = !none;
    if (none) { $("phone").value = ""; $("safe-time").value = ""; }
  }
  for (const r of form.querySelectorAll("input[name=reach]")) r.addEventListener("change", reachChanged);

  // sending ---------------------------------------------------------------------------------------------
  const MESSAGES = {
    what_required: () => _("Say in a few words what happened."),
    phone_required: () => _("Give a phone number to reach you, or choose “Do not contact me”."),
    invalid_phone: () => _("That phone number does not look right. Check it, or choose “Do not contact me”."),
    too_many_sends: () => _("Too many sends from this network. Wait a few minutes and try again, or call 112."),
  };
  const AGAIN = new Set(["form_expired", "bad_form_token", "form_used", "bad_proof"]); // a fresh form, then once more
  function payload(proofValue) {
    const f = form.elements;
    return { token, proof: proofValue, website: f.website.value, kind: f.kind.value, what: f.what.value,
      lat: where.lat, lon: where.lat === null ? null : where.lon, accuracy_m: where.accuracy,
      place: f.place.value, reach: f.reach.value, phone: f.reach.value === "none" ? "" : f.phone.value,
      safe_time: f.reach.value === "none" ? "" : f.safe_time.value, language: cfg.lang };
  }
  const wait = (s) => new Promise((resolve) => setTimeout(resolve, s * 1000));
  function showError(text) { errorBox.textContent = text; errorBox.hidden = false; statusBox.textContent = ""; }
  async function post(body) {
    return fetch("/api/v1/help", { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body) });
  }
  async function send() {
    errorBox.hidden = true;
    statusBox.textContent = _("Sending…");
    let renewed = false, tries = 0;
    for (;;) {
      const body = payload(await proof);
      let r = null;
      try { r = await post(body); } catch (_err) { r = null; }
      if (r === null || r.status >= 500) { // the network or the server failed: the same send again (never twice stored)
        if (++tries > 3) { showError(_("Could not send. Check your connection and press Send again, or call 112.")); return; }
        statusBox.textContent = _("Could not send yet. Trying again…");
        await wait(2 * tries); continue;
      }
      const answer = await r.json().catch(() => ({}));
      if (r.ok) { done(answer); return; }
      const code = (answer.error || {}).code || "";
      if (code === "too_fast") { await wait(Math.min(30, Number(r.headers.get("retry-after")) || 2)); continue; }
      if (AGAIN.has(code) && !renewed) {
        renewed = true;
        try { await freshForm(); } catch (_err) { showError(_("Could not send. Check your connection and press Send again, or call 112.")); return; }
        continue;
      }
      showError((MESSAGES[code] || (() => _("Could not send. Check what you wrote and try again, or call 112.")))());
      return;
    }
  }
  function done(answer) {
    form.hidden = true;
    const section = $("help-done");
    $("help-tracking").textContent = answer.tracking;
    $("help-track-link").href = answer.track_url;
    $("help-reach-note").textContent = {
      none: _("Nobody will call or write to you."),
      call: _("Police may call you. Updates come by SMS to your number."),
      sms: _("Updates come by SMS to your number."),
      whatsapp: _("Updates come by WhatsApp (or SMS) to your number."),
    }[answer.contact] || "";
    section.hidden = false;
    section.focus();
  }
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (sendButton.disabled) return;
    sendButton.disabled = true;
    send().finally(() => { sendButton.disabled = false; });
  });
  form.hidden = false;
  form.dataset.ready = "true";

  // SHA-256 in plain JS, for a page without crypto.subtle (served without https) ---------------------------
  function sha256(data) {
    const K = new Uint32Array([0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
      0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
      0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb,
      0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f,
      0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
    const H = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    const length = data.length, blocks = Math.ceil((length + 9) / 64), buf = new Uint8Array(blocks * 64);
    buf.set(data); buf[length] = 0x80;
    const view = new DataView(buf.buffer);
    view.setUint32(buf.length - 4, length * 8); view.setUint32(buf.length - 8, Math.floor(length / 0x20000000));
    const W = new Uint32Array(64), rotr = (x, n) => (x >>> n) | (x << (32 - n));
    for (let off = 0; off < buf.length; off += 64) {
      for (let i = 0; i < 16; i++) W[i] = view.getUint32(off + i * 4);
      for (let i = 16; i < 64; i++) {
        const s0 = rotr(W[i - 15], 7) ^ rotr(W[i - 15], 18) ^ (W[i - 15] >>> 3);
        const s1 = rotr(W[i - 2], 17) ^ rotr(W[i - 2], 19) ^ (W[i - 2] >>> 10);
        W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
      }
      let [a, b, c, d, e, f, g, h] = H;
      for (let i = 0; i < 64; i++) {
        const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
        const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
    }
    const out = new Uint8Array(32), outView = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) outView.setUint32(i * 4, H[i]);
    return out;
  }
})();
