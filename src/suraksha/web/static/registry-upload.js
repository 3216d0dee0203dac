/* The registry upload page: the same form, sent with XMLHttpRequest so that a large file shows how much has gone;
   the answer is the page itself, whose row report replaces this page's. Without script the form posts as usual. */
(function () {
  "use strict";
  const _ = window.gettext;
  const form = document.getElementById("upload-form");
  if (!form || !window.FormData || !window.XMLHttpRequest || !window.DOMParser) return;
  const box = document.getElementById("upload-progress");
  const bar = document.getElementById("upload-bar");
  const status = document.getElementById("upload-status");
  const button = form.querySelector("button[type=submit]");
  const SENT = _("Sent. Checking the rows…");
  const TOO_LARGE = _("The file is larger than the largest upload allowed.");
  const FAILED = _("The upload did not go through. Try again.");

  function finish(message) {
    button.disabled = false;
    if (message) status.textContent = message;
  }

  function showOutcome(html) {
    const page = new DOMParser().parseFromString(html, "text/html");
    const fresh = page.getElementById("upload-outcome");
    if (!fresh) {  // another page came back (signed out, or an error page): say what it says
      const said = page.querySelector("[data-testid=error]");
      finish(said ? said.textContent : FAILED);
      return;
    }
    document.getElementById("upload-outcome").replaceWith(document.importNode(fresh, true));
    const token = page.querySelector("input[name=csrf]");
    if (token) form.elements.csrf.value = token.value;
    box.hidden = true;
    finish("");
    document.getElementById("upload-outcome").scrollIntoView({ block: "start" });
  }

  form.addEventListener("submit", (event) => {
    if (!form.elements.file.files.length) return;  // the browser (or the page) says a file is needed
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "text/html");
    button.disabled = true;
    box.hidden = false;
    bar.value = 0;
    status.textContent = _("Sending: {percent}%", { percent: 0 });
    xhr.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      const percent = Math.floor((100 * e.loaded) / e.total);
      bar.value = percent;
      status.textContent = _("Sending: {percent}%", { percent });
    });
    xhr.upload.addEventListener("load", () => {
      bar.removeAttribute("value");  // indeterminate while the server checks the rows
      status.textContent = SENT;
    });
    xhr.addEventListener("load", () => {
      if (xhr.status === 413) return finish(TOO_LARGE);
      showOutcome(xhr.responseText);
    });
    xhr.addEventListener("error", () => finish(FAILED));
    xhr.send(new FormData(form));
  });
})();
