// Rolefit's only hand-written script: small conveniences on top of htmx.
// Everything works without it (and without JavaScript at all); it only makes
// the composer and the scrolling behave as people expect of a chat.
(function () {
  "use strict";

  // Enter sends, Shift+Enter adds a line (and IME composition is left alone).
  document.addEventListener("keydown", function (e) {
    var box = e.target;
    if (!(box instanceof HTMLTextAreaElement) || box.name !== "message") return;
    if (e.key !== "Enter" || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    if (box.value.trim() !== "" && box.form) box.form.requestSubmit();
  });

  // Follow the newest text, unless the person scrolled up to read.
  var pinned = true;
  window.addEventListener("scroll", function () {
    var gap = document.documentElement.scrollHeight - window.innerHeight - window.scrollY;
    pinned = gap < 80;
  }, { passive: true });
  function follow() {
    if (pinned) window.scrollTo(0, document.documentElement.scrollHeight);
  }
  document.addEventListener("htmx:sseMessage", follow);
  document.addEventListener("htmx:afterSwap", function () {
    follow();
    var box = document.querySelector("[data-testid=composer] textarea");
    if (box && document.activeElement === document.body) box.focus();
  });

  // Keep people's words when the server cannot be reached: the composer is
  // only replaced on success, so the text is still there; say so.
  function notice(text) {
    var el = document.getElementById("notice");
    if (el) el.textContent = text;
  }
  document.addEventListener("htmx:sendError", function () {
    notice("Rolefit could not be reached. Your message is still in the box; try again when you are back online.");
  });
  document.addEventListener("htmx:responseError", function () {
    notice("Something went wrong on the server. Your message is still in the box; please try again.");
  });
  document.addEventListener("htmx:beforeRequest", function () { notice(""); });

  window.addEventListener("load", follow);
})();
