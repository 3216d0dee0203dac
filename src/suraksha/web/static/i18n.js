/* The page's language for its scripts: the page passes the translated messages a script uses as JSON
   (<script type="application/json" id="suraksha-messages">; the Content-Security-Policy allows no inline script).
   `gettext("English", {name: value})` returns the message in the page's language with {name} filled in;
   the caller escapes what goes into HTML. English pages pass no messages: the English text is the message. */
(function () {
  "use strict";
  const block = document.getElementById("suraksha-messages");
  const data = block ? JSON.parse(block.textContent) : {};
  const messages = data.messages || {};
  window.SURAKSHA_LANG = data.lang || "en";
  window.gettext = function (message, args) {
    const text = Object.prototype.hasOwnProperty.call(messages, message) ? messages[message] : message;
    return args ? text.replace(/\{(\w+)\}/g, (whole, name) => (name in args ? String(args[name]) : whole)) : text;
  };
})();
