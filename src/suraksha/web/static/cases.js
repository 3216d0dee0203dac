/* The case pages, live: the event stream (the one scope rule decides which cases' events reach this account; the
   clock's alerts only those meant for it) shows a notice when an alert comes or a case changes, with a link that
   shows the latest. Without script the pages work the same, without the notice. */
(function () {
  "use strict";
  const _ = window.gettext;
  const live = document.getElementById("live");
  const notice = document.getElementById("live-notice");
  const main = document.getElementById("main");
  const onPage = main?.dataset.fir || "";
  const me = main?.dataset.me || "";
  const W = { live: _("live"), reconnecting: _("reconnecting…") };
  if (!live || !notice || !window.EventSource) return;

  function show(text) {
    notice.querySelector("span").textContent = text;
    notice.querySelector("a").setAttribute("href", location.pathname + location.search);
    notice.hidden = false;
  }
  function alertText(d) {
    if (d.days_left === null) return _("Alert: the trial of FIR {fir} was adjourned again.", { fir: d.fir_number });
    if (d.point === "breach" || d.days_left < 0) return _("Alert: FIR {fir} has passed its deadline.", { fir: d.fir_number });
    return _("Alert: FIR {fir} has {days} days left.", { fir: d.fir_number, days: d.days_left });
  }
  function mine(d) {  // about this page's case (any case on the list), and not this officer's own step
    return (!d.by || d.by !== me) && (!onPage || d.fir_number === onPage || d.zero_fir_number === onPage);
  }

  const es = new EventSource("/api/v1/stream");
  es.onopen = () => { live.textContent = W.live; live.classList.add("on"); };
  es.onerror = () => { live.textContent = W.reconnecting; live.classList.remove("on"); };
  es.addEventListener("CaseDeadlineAlert", (e) => { const d = JSON.parse(e.data); if (mine(d)) show(alertText(d)); });
  es.addEventListener("CaseRegistered", (e) => {
    const d = JSON.parse(e.data);
    if (!onPage && d.by !== me) show(_("A new FIR: {fir}.", { fir: d.fir_number }));
  });
  es.addEventListener("CaseUpdated", (e) => {
    const d = JSON.parse(e.data);
    if (mine(d)) show(_("FIR {fir} has changed.", { fir: d.fir_number }));
  });
  es.addEventListener("CaseTransferred", (e) => {
    const d = JSON.parse(e.data);
    if (mine(d)) show(_("FIR {fir} was transferred.", { fir: d.zero_fir_number }));
  });
})();
