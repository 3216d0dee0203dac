/* The supervisor's wallboard: charts (Chart.js, vendored) and a table drawn from GET /api/v1/wallboard, fetched
   again (debounced) whenever the event stream says an incident or a unit changed, and every minute so that ages
   move on. Every time on screen is in the city's time zone (cfg.timeZone), never UTC. */
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("suraksha-config").textContent);
  const _ = window.gettext;
  const TZ = cfg.timeZone || "Asia/Kolkata";
  const LANG = window.SURAKSHA_LANG || "en";
  const API = "/api/v1/wallboard";
  const SHARE_API = "/api/v1/analytics/contact-share?hours=24"; // contacts that became incidents (docs/adr/0009)
  const DEBOUNCE_MS = 400;
  const TICK_MS = 60000;
  const REFRESH_ON = ["IncidentReported", "IncidentUpdated", "IncidentClosed", "IncidentReopened", "IncidentTransferred",
    "UnitDispatched", "UnitStatusChanged", "UnitCreated", "AssignmentReleased"];
  const AGE_WORDS = { under_5: _("under 5 min"), "5_15": _("5-15 min"), "15_60": _("15-60 min"), over_60: _("over 60 min") };
  const UNIT_WORDS = { available: _("available"), dispatched: _("dispatched"), acknowledged: _("acknowledged"),
    en_route: _("en route"), on_scene: _("on scene"), out_of_service: _("out of service") };
  const MEASURE_WORDS = { answer: _("Answer"), dispatch: _("Dispatch"), arrival: _("Arrival") };
  const W = { median: _("median"), p90: _("9 in 10 within"), target: _("target"), units: _("units"),
    live: _("live"), reconnecting: _("reconnecting…"), failed: _("The figures could not be loaded: retrying."),
    noStation: _("no station") };
  const PRIORITY_COLOURS = ["#c62828", "#ef6c00", "#1565c0", "#5c7a99", "#9aa5b1"];
  const UNIT_COLOURS = { available: "#2e7d32", dispatched: "#ef6c00", acknowledged: "#e65100", en_route: "#f9a825",
    on_scene: "#1565c0", out_of_service: "#9aa5b1" };
  const SERIES_COLOURS = { median: "#1565c0", p90: "#90caf9", target: "#c62828" };
  const CHANNEL_WORDS = { sms: _("SMS"), whatsapp: _("WhatsApp"), sos: _("SOS"), call: _("call"), web: _("web") };
  const CHANNEL_COLOURS = ["#1565c0", "#2e7d32", "#c62828", "#6a1b9a", "#ef6c00", "#5c7a99"];
  const SW = { contacts: _("all contacts") };

  const $ = (sel) => document.querySelector(sel);
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const priorityWord = (n) => _("P{n}", { n });
  const minutes = (s) => (s == null ? null : Math.round(s / 6) / 10);
  const percent = new Intl.NumberFormat(LANG, { style: "percent", maximumFractionDigits: 0 });
  const dayFormat = new Intl.DateTimeFormat(LANG, { dateStyle: "medium", timeZone: TZ });
  const timeFormat = new Intl.DateTimeFormat(LANG, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: TZ });
  const charts = {};
  let generation = 0;

  function duration(seconds) {
    if (seconds == null) return "–";
    const total = Math.round(seconds);
    const m = Math.floor(total / 60);
    const s = String(total % 60).padStart(2, "0");
    return _("{m}m {s}s", { m, s });
  }

  function share(figures) {
    if (figures.share_within_target == null) return "–";
    return `${percent.format(figures.share_within_target)} (${figures.within_target}/${figures.decided})`;
  }

  function fontSize() { return window.innerWidth >= 1800 ? 18 : 13; }

  function draw(name, config) {
    const canvas = document.getElementById(name);
    if (charts[name]) {
      charts[name].data = config.data;
      charts[name].update("none");
      return;
    }
    Chart.defaults.font.size = fontSize();
    charts[name] = new Chart(canvas, {
      ...config,
      options: { responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { position: "bottom" } }, ...config.options },
    });
  }

  function drawOpen(open) {
    const buckets = open.by_age.map((b) => b.bucket);
    const datasets = [1, 2, 3, 4, 5].map((p) => ({
      label: priorityWord(p), backgroundColor: PRIORITY_COLOURS[p - 1],
      data: buckets.map((b) => open.by_age_and_priority.find((c) => c.bucket === b && c.priority === p)?.count || 0),
    })).filter((d, i) => i < 3 || d.data.some((n) => n > 0));
    draw("chart-open", { type: "bar", data: { labels: buckets.map((b) => AGE_WORDS[b] || b), datasets },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } } });
  }

  function drawUnits(units) {
    const rows = units.by_status;
    draw("chart-units", { type: "bar",
      data: { labels: rows.map((r) => UNIT_WORDS[r.status] || r.status),
        datasets: [{ label: W.units, data: rows.map((r) => r.count), backgroundColor: rows.map((r) => UNIT_COLOURS[r.status] || "#9aa5b1") }] },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } });
  }

  function drawDay(area) {
    const measures = ["answer", "dispatch", "arrival"];
    draw("chart-day", { type: "bar",
      data: { labels: measures.map((m) => MEASURE_WORDS[m]), datasets: [
        { label: W.median, backgroundColor: SERIES_COLOURS.median, data: measures.map((m) => minutes(area[m].median_seconds)) },
        { label: W.p90, backgroundColor: SERIES_COLOURS.p90, data: measures.map((m) => minutes(area[m].p90_seconds)) },
        { label: W.target, backgroundColor: SERIES_COLOURS.target, data: [null, null, area.target_minutes] },
      ] },
      options: { indexAxis: "y", scales: { x: { beginAtZero: true } } } });
  }

  function drawStations(stations) {
    draw("chart-stations", { type: "bar",
      data: { labels: stations.map((s) => s.station_name || W.noStation), datasets: [
        { label: W.median, backgroundColor: SERIES_COLOURS.median, data: stations.map((s) => minutes(s.arrival.median_seconds)) },
        { label: W.p90, backgroundColor: SERIES_COLOURS.p90, data: stations.map((s) => minutes(s.arrival.p90_seconds)) },
        { label: W.target, backgroundColor: SERIES_COLOURS.target, data: stations.map((s) => s.target_minutes) },
      ] },
      options: { indexAxis: "y", scales: { x: { beginAtZero: true } } } });
  }

  function drawTable(stations) {
    $("#stations").innerHTML = stations.map((s) => `<tr data-testid="station-row" data-station-id="${esc(s.station_id)}">
      <th scope="row">${esc(s.station_name || W.noStation)}</th><td data-testid="incidents">${s.incidents}</td>
      <td data-testid="answer-median">${duration(s.answer.median_seconds)}</td><td>${duration(s.answer.p90_seconds)}</td>
      <td data-testid="dispatch-median">${duration(s.dispatch.median_seconds)}</td><td>${duration(s.dispatch.p90_seconds)}</td>
      <td data-testid="arrival-median">${duration(s.arrival.median_seconds)}</td><td data-testid="arrival-p90">${duration(s.arrival.p90_seconds)}</td>
      <td>${s.target_minutes == null ? "–" : esc(_("{n} min", { n: s.target_minutes }))}</td><td data-testid="share">${share(s)}</td></tr>`).join("");
    $("#stations-empty").hidden = stations.length > 0;
  }

  function drawTiles(data) {
    const available = data.units.by_status.find((r) => r.status === "available")?.count ?? 0;
    $("#tile-open").textContent = data.open.total;
    $("#tile-p1").textContent = data.open.by_priority.find((r) => r.priority === 1)?.count ?? 0;
    $("#tile-available").textContent = `${available}/${data.units.total}`;
    $("#tile-arrival").textContent = duration(data.area.arrival.median_seconds);
    $("#tile-share").textContent = share(data.area);
    const at = new Date(data.generated_at);
    $("#wb-day").textContent = _("Today, {date}", { date: dayFormat.format(at) });
    $("#wb-updated").textContent = timeFormat.format(at);
    $("#wb-updated").setAttribute("datetime", data.generated_at);
  }

  function render(data) {
    drawTiles(data);
    drawOpen(data.open);
    drawUnits(data.units);
    drawDay(data.area);
    drawStations(data.stations);
    drawTable(data.stations);
    generation += 1;
    document.getElementById("main").dataset.generation = String(generation);
  }

  /** The share of contacts that became (genuine) incidents, per channel and hour: a line per channel (%), and
      every contact of the hour as a grey bar on the right-hand scale. */
  function drawShare(data) {
    const labels = data.hours.map((h) => timeFormat.format(new Date(h.start)));
    const datasets = data.channels.map((ch, n) => ({
      type: "line", label: CHANNEL_WORDS[ch] || ch, borderColor: CHANNEL_COLOURS[n % CHANNEL_COLOURS.length],
      backgroundColor: CHANNEL_COLOURS[n % CHANNEL_COLOURS.length], spanGaps: true, yAxisID: "y",
      data: data.hours.map((h) => { const c = h.by_channel.find((x) => x.channel === ch); return c && c.share != null ? Math.round(c.share * 1000) / 10 : null; }),
    }));
    datasets.push({ type: "bar", label: SW.contacts, backgroundColor: "#dfe3e8", yAxisID: "y2", data: data.hours.map((h) => h.contacts) });
    draw("chart-share", { type: "bar", data: { labels, datasets },
      options: { scales: { y: { beginAtZero: true, max: 100, ticks: { callback: (v) => `${v}%` } },
        y2: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { precision: 0 } } } } });
    const t = data.total;
    $("#share-total").textContent = t.share == null ? "–" : _("{share} of {n} contacts became incidents", { share: percent.format(t.share), n: t.contacts });
  }

  async function loadShare() {
    const resp = await fetch(SHARE_API, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (resp.ok) drawShare(await resp.json());
  }

  let loading = false;
  let again = false;
  async function load() {
    if (loading) { again = true; return; }
    loading = true;
    try {
      const resp = await fetch(API, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!resp.ok) throw new Error(String(resp.status));
      render(await resp.json());
      $("#wb-error").hidden = true;
      await loadShare().catch(() => {});
    } catch (e) {
      $("#wb-error").textContent = W.failed;
      $("#wb-error").hidden = false;
    } finally {
      loading = false;
      if (again) { again = false; schedule(); }
    }
  }

  let timer = null;
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(load, DEBOUNCE_MS);
  }

  function listen() {
    const live = $("#live");
    const es = new EventSource("/api/v1/stream");
    es.onopen = () => { live.textContent = W.live; live.classList.add("on"); schedule(); };
    es.onerror = () => { live.textContent = W.reconnecting; live.classList.remove("on"); };
    REFRESH_ON.forEach((t) => es.addEventListener(t, schedule));
  }

  load();
  listen();
  setInterval(load, TICK_MS);
})();
