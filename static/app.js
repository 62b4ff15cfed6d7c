// Rolefit's only hand-written script: small conveniences on top of htmx.
// Everything works without it (and without JavaScript at all); it only makes
// the composer and the scrolling behave as people expect of a chat.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Enter sends, Shift+Enter adds a line (and IME composition is left alone).
  document.addEventListener("keydown", function (e) {
    var box = e.target;
    if (!(box instanceof HTMLTextAreaElement) || box.name !== "message") return;
    if (e.key !== "Enter" || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    if (box.value.trim() !== "" && box.form) box.form.requestSubmit();
  });

  // Follow the newest text, unless the person scrolled up to read: the
  // decision is taken just before each piece of the answer is inserted.
  function nearBottom() {
    return document.documentElement.scrollHeight - window.innerHeight - window.scrollY < 80;
  }
  function toBottom() {
    window.scrollTo(0, document.documentElement.scrollHeight);
  }
  var following = true;
  document.addEventListener("htmx:sseBeforeMessage", function () { following = nearBottom(); });
  document.addEventListener("htmx:sseMessage", function () { if (following) toBottom(); });
  // A question the person just sent always brings the view down.
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "messages") toBottom();
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
  // An error the server explains itself is retargeted to the notice area
  // (HX-Retarget) with its real status: show the server's words there
  // rather than the generic message above.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var xhr = e.detail.xhr;
    if (e.detail.isError && xhr && xhr.getResponseHeader("HX-Retarget")) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });

  // A citation opens its passage in the side panel, without leaving the
  // conversation; without JavaScript it is a plain link to the source page.
  var opener = null;
  function panel() { return document.getElementById("source-panel"); }
  function closePanel() {
    var p = panel();
    if (!p || !p.open) return;
    p.close();
    if (opener) opener.focus();
    opener = null;
  }
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[data-testid=citation]");
    if (link) {
      var p = panel();
      if (!p || !window.htmx) return;
      e.preventDefault();
      opener = link;
      htmx.ajax("GET", p.dataset.passages + encodeURIComponent(link.dataset.section), {
        target: "#source-panel-body", swap: "innerHTML"
      }).then(function () {
        if (!p.open) p.show();
        var heading = p.querySelector("#source-panel-title");
        if (heading) heading.focus();
      });
      return;
    }
    if (e.target.closest && e.target.closest("[data-close-panel]")) closePanel();
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") closePanel();
  });

  // A follow-up suggestion in an answer is a link that asks its question
  // (?ask=): with JavaScript it is sent at once, through the composer, into
  // the conversation on screen. Without, the link opens the page with the
  // question in the composer.
  document.addEventListener("click", function (e) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    var link = e.target.closest && e.target.closest("[data-role=assistant] .text a[href]");
    if (!link) return;
    var u = new URL(link.href, location.href);
    var question = u.searchParams.get("ask");
    if (u.origin !== location.origin || !question) return;
    var form = document.querySelector("form[data-testid=composer]");
    var box = form && form.querySelector("textarea[name=message]");
    if (!box) return;
    e.preventDefault();
    box.value = question;
    form.requestSubmit();
  });

  // On phones the conversation list is a drawer.
  function drawer(open) {
    var side = document.getElementById("sidebar");
    var toggle = document.querySelector("[data-testid=sidebar-toggle]");
    if (!side || !toggle) return;
    side.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-testid=sidebar-toggle]")) {
      var side = document.getElementById("sidebar");
      drawer(!(side && side.classList.contains("open")));
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") drawer(false);
  });

  // Controls that only work with JavaScript are hidden in the markup and
  // shown here, also in content htmx swaps in later.
  function showScriptedControls() {
    document.querySelectorAll("[data-copy], [data-testid=sidebar-toggle]").forEach(function (b) { b.hidden = false; });
  }
  document.addEventListener("htmx:load", showScriptedControls);

  // Copy an answer's text.
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-copy]");
    if (!button) return;
    var text = button.closest("article").querySelector(".text").innerText.trim();
    var done = function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text, done); });
    } else {
      fallbackCopy(text, done);
    }
  });
  function fallbackCopy(text, done) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    try { if (document.execCommand("copy")) done(); } finally { area.remove(); }
  }

  window.addEventListener("load", function () {
    showScriptedControls();
    toBottom();
  });
})();

// Screen readers hear each finished answer, and only that: the thread is no
// live region (it would read back the question just sent, and every piece
// of an answer as it streams), so the answer's text is put in the page's
// announcer once the "end" event has replaced the streaming bubble.
(function () {
  "use strict";
  var ending = {};
  document.addEventListener("htmx:sseBeforeMessage", function (e) {
    if (e.detail && e.detail.type === "end" && e.target.id) ending[e.target.id] = true;
  });
  document.addEventListener("htmx:load", function (e) {
    var answer = e.target;
    if (!answer || !ending[answer.id]) return;
    delete ending[answer.id];
    var announcer = document.getElementById("answer-announcer");
    var text = answer.querySelector(".text");
    if (!announcer || !text) return;
    var status = answer.querySelector(".status");
    announcer.textContent = "Rolefit answered: " + text.innerText.trim() +
      (status ? " " + status.innerText.trim() : "");
  });
})();

// The fit check's verdict, just given, is shown and focused (screen readers
// read its title and scores): the page's own scrolling must not take it out
// of view. It is marked autofocus by the server; done once, the mark goes.
(function () {
  "use strict";
  function showVerdict(root) {
    var verdict = root && root.querySelector && root.querySelector("[data-testid=fit-result][autofocus]");
    if (!verdict) return;
    verdict.removeAttribute("autofocus");
    verdict.focus({ preventScroll: true });
    verdict.scrollIntoView({ block: "start" });
  }
  window.addEventListener("load", function () { showVerdict(document); });
  document.addEventListener("htmx:afterSettle", function (e) { showVerdict(e.target); });
})();
