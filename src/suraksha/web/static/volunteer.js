/* The volunteer's page: a new alert shows without a reload (the event stream tells this account alone, then the
   page fetches its alerts again: what a volunteer may see is made on the server), and "Use my phone's location"
   fills the position form from the phone. Every form also works without this script. */
(function () {
  "use strict";
  const _ = window.gettext;
  const $ = (sel) => document.querySelector(sel);
  const live = $("#live");

  async function reloadAlerts() {
    const resp = await fetch(`${location.pathname}?part=alerts`, { credentials: "same-origin", headers: { "Accept": "text/html" } });
    if (!resp.ok) return;
    const box = $("#alerts");
    const before = box.querySelectorAll("[data-testid=alert]").length;
    box.innerHTML = await resp.text();
    if (box.querySelectorAll("[data-testid=alert]").length > before && navigator.vibrate) navigator.vibrate([300, 150, 300]);
  }

  function connect() {
    const es = new EventSource("/api/v1/stream");
    es.onopen = () => { live.textContent = _("live"); live.classList.add("on"); reloadAlerts().catch(() => {}); };
    es.onerror = () => { live.textContent = _("reconnecting…"); live.classList.remove("on"); };
    es.addEventListener("VolunteerAlerted", () => { reloadAlerts().catch(() => {}); });
  }

  const use = $("#use-location");
  if (use && navigator.geolocation) {
    use.hidden = false;
    use.addEventListener("click", () => {
      use.disabled = true;
      use.textContent = _("Finding your location…");
      navigator.geolocation.getCurrentPosition((pos) => {
        $("#pos-lat").value = pos.coords.latitude.toFixed(6);
        $("#pos-lon").value = pos.coords.longitude.toFixed(6);
        $("#position-form").submit();
      }, () => {
        use.disabled = false;
        use.textContent = _("The phone did not give its location: type a place instead.");
      }, { enableHighAccuracy: true, maximumAge: 60000, timeout: 20000 });
    });
  }
  connect();
})();
