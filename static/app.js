// Rolefit's only script: conveniences on top of htmx. Everything works
// without JavaScript; this makes the page behave as a chat app does.
(function () {
  "use strict";
  var doc = document;
  function byId(id) { return doc.getElementById(id); }
  function hit(e, sel) { return e.target.closest ? e.target.closest(sel) : null; }
  function on(type, fn, capture) { doc.addEventListener(type, fn, capture); }

  // Enter sends (a question, or a question edited), Shift+Enter adds a
  // line (and IME composition is left alone).
  on("keydown", function (e) {
    var box = e.target;
    if (!(box instanceof HTMLTextAreaElement) || (box.name !== "message" && box.name !== "question")) return;
    if (e.key !== "Enter" || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    if (box.value.trim() !== "" && box.form) box.form.requestSubmit();
  });

  // While an answer streams, its Stop (in the answer without JavaScript)
  // takes Send's place; a question typed meanwhile waits in the box.
  function syncComposer() {
    var form = byId("composer");
    var send = form && form.querySelector("[data-testid=send]");
    if (!send) return;
    var stopForm = doc.querySelector("[data-state=streaming] form.stop");
    var moved = form.querySelector("[data-testid=stop]");
    if (stopForm) {
      var button = stopForm.querySelector("[data-testid=stop]");
      if (button && button !== moved) {
        if (moved) moved.remove();
        button.setAttribute("form", stopForm.id);
        send.before(button);
      }
      send.hidden = true;
      form.dataset.streaming = "1";
      return;
    }
    var hadFocus = moved && moved === doc.activeElement;
    if (moved) moved.remove();
    send.hidden = false;
    if (!form.dataset.streaming) return;
    delete form.dataset.streaming;
    // "An answer is still being written" is no longer true.
    form.querySelectorAll("[data-testid=composer-error]").forEach(function (el) { el.remove(); });
    if (hadFocus || doc.activeElement === doc.body) form.querySelector("textarea").focus();
  }
  on("submit", function (e) {
    if (e.target.id === "composer" && e.target.dataset.streaming) {
      e.preventDefault();
      e.stopPropagation();
    }
  }, true);
  // An answer ends by replacing itself, unheard by the document: watch.
  new MutationObserver(syncComposer).observe(doc.documentElement, { childList: true, subtree: true });
  syncComposer();

  // Follow the newest text only in a conversation and only while the reader
  // is at the bottom; someone who scrolled up gets "Jump to latest".
  function inConversation() {
    var list = byId("messages");
    return !!(list && list.children.length);
  }
  function nearBottom() {
    return doc.documentElement.scrollHeight - innerHeight - scrollY < 80;
  }
  function toBottom() { scrollTo(0, doc.documentElement.scrollHeight); }
  function updateJump() {
    var jump = byId("jump-latest");
    if (jump) jump.hidden = !inConversation() || nearBottom();
  }
  var following = true;
  on("htmx:sseBeforeMessage", function () { following = nearBottom(); });
  on("htmx:sseMessage", function () {
    if (following && inConversation()) toBottom();
    updateJump();
  });
  addEventListener("scroll", updateJump, { passive: true });
  on("click", function (e) {
    if (hit(e, "#jump-latest")) toBottom();
  });
  // A question the person just sent always brings the view down.
  on("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "messages") toBottom();
    var box = doc.querySelector("#composer textarea");
    if (box && doc.activeElement === doc.body) box.focus();
    updateJump();
  });

  // A thumbs down asks why just under the answer, where the composer
  // (sticky at the bottom) may cover it: bring the question into view.
  on("htmx:afterSettle", function (e) {
    var box = e.target && e.target.closest && e.target.closest(".feedback");
    var reason = box && box.querySelector(".feedback-reason");
    if (reason) reason.scrollIntoView({ block: "nearest" });
  });

  // The composer is only replaced on success: say the text is kept.
  function notice(text, ok) {
    var el = byId("notice");
    if (!el) return;
    el.classList.toggle("ok", !!ok);
    el.textContent = text;
  }
  on("htmx:sendError", function () {
    notice("Rolefit could not be reached. Your message is still in the box; try again when you are back online.");
  });
  on("htmx:responseError", function () {
    notice("Something went wrong on the server. Your message is still in the box; please try again.");
  });
  on("htmx:beforeRequest", function () { notice(""); });
  // An error the server explains itself (HX-Retarget) is shown as it is.
  on("htmx:beforeSwap", function (e) {
    // htmx copies the old box's attributes to the new one, and a resized
    // box has an inline style the CSP refuses: the new box starts afresh.
    doc.querySelectorAll("#composer textarea[style]").forEach(function (box) { box.removeAttribute("style"); });
    var xhr = e.detail.xhr;
    if (e.detail.isError && xhr && xhr.getResponseHeader("HX-Retarget")) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });

  // A citation opens its passage in a modal dialog (without JavaScript, a
  // link to /source); closing it returns focus to the citation. A wide
  // screen makes room for it (html.panel-open): the cited text stays seen.
  var opener = null;
  var panel = byId("source-panel");
  if (panel) panel.addEventListener("close", function () {
    doc.documentElement.classList.remove("panel-open");
    if (opener) opener.focus();
    opener = null;
  });
  on("click", function (e) {
    var link = hit(e, "a[data-testid=citation]");
    if (link && panel && window.htmx) {
      e.preventDefault();
      opener = link;
      htmx.ajax("GET", panel.dataset.passages + encodeURIComponent(link.dataset.section), {
        target: "#source-panel-body", swap: "innerHTML"
      }).then(function () {
        if (!panel.open) {
          doc.documentElement.classList.add("panel-open");
          panel.showModal();
        }
        link.scrollIntoView({ block: "nearest" });
        byId("source-panel-title").focus();
      });
    } else if (panel && panel.open && (e.target === panel || hit(e, "[data-close-panel]"))) {
      panel.close(); // the dialog itself is hit only beside its content
    }
  });

  // A suggestion link (?ask=) is asked at once, in this conversation.
  on("click", function (e) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    var link = hit(e, "[data-role=assistant] .text a[href]");
    if (!link) return;
    var u = new URL(link.href, location.href);
    var question = u.searchParams.get("ask");
    var form = byId("composer");
    if (u.origin !== location.origin || !question || !form) return;
    e.preventDefault();
    form.querySelector("textarea").value = question;
    form.requestSubmit();
  });

  // On phones the list is a drawer: the page behind is inert while it is
  // open, and closing it returns focus to the toggle.
  // (htmx replaces the sidebar after each question: look it up each time.)
  var toggle = doc.querySelector("[data-testid=sidebar-toggle]");
  function drawerOpen() { return !!byId("sidebar") && byId("sidebar").classList.contains("open"); }
  function drawer(open) {
    var side = byId("sidebar");
    if (!side || !toggle || open === drawerOpen()) return;
    side.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
    doc.querySelector(".backdrop").hidden = !open;
    doc.querySelectorAll(".shell, .skip-link").forEach(function (el) { el.inert = open; });
    (open ? focusables(side)[0] : toggle).focus();
  }
  function focusables(root) {
    return [].filter.call(root.querySelectorAll("a[href], button, input, textarea, summary, [tabindex='0']"),
      function (el) { return !el.disabled && el.checkVisibility(); });
  }
  function trapTab(root, e) {
    var items = focusables(root), active = doc.activeElement;
    var edge = e.shiftKey ? items[0] : items[items.length - 1];
    if (items.length && (active === edge || !root.contains(active))) {
      e.preventDefault();
      (e.shiftKey ? items[items.length - 1] : items[0]).focus();
    }
  }
  on("click", function (e) {
    if (hit(e, "[data-testid=sidebar-toggle]")) drawer(!drawerOpen());
    else if (hit(e, "[data-close-drawer]")) drawer(false);
  });
  matchMedia("(max-width: 50rem)").addEventListener("change", function (e) { if (!e.matches) drawer(false); });

  // Menus (<details>) close on Escape, a click outside, or a download.
  function openMenus() { return doc.querySelectorAll("details[open]"); }
  on("click", function (e) {
    openMenus().forEach(function (d) {
      if (!d.contains(e.target) || hit(e, "a[download]")) d.open = false;
    });
  });
  on("keydown", function (e) {
    var modal = panel && panel.open ? panel : drawerOpen() ? byId("sidebar") : null;
    if (e.key === "Tab" && modal) trapTab(modal, e);
    if (e.key !== "Escape") return;
    if (panel && panel.open) {
      e.preventDefault();
      panel.close();
    } else if (drawerOpen()) {
      drawer(false);
    }
    openMenus().forEach(function (d) {
      var hadFocus = d.contains(doc.activeElement);
      d.open = false;
      if (hadFocus) d.querySelector("summary").focus();
    });
  });

  // A delete's notice is carried to the next page in session storage.
  var deletedKey = "rolefit:deleted";
  on("submit", function (e) {
    var button = e.submitter && e.submitter.dataset.testid;
    var text = { "delete-confirm": "Conversation deleted.", "conversation-delete-confirm": "Conversation deleted.", "clear-all-confirm": "All conversations deleted." }[button];
    try { if (text) sessionStorage.setItem(deletedKey, text); } catch (err) { /* storage off: no notice */ }
  });
  function showDeleted() {
    try {
      var text = sessionStorage.getItem(deletedKey);
      sessionStorage.removeItem(deletedKey);
      if (text) notice(text, true);
    } catch (err) { /* storage off: no notice */ }
  }

  // Copy an answer's text, or the value a button names (a shared link).
  on("click", function (e) {
    var button = hit(e, "[data-copy]");
    if (!button) return;
    var text = button.hasAttribute("data-copy-value") ? button.getAttribute("data-copy-value")
      : button.closest("article").querySelector(".text").innerText.trim();
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    var done = function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text, done); });
    } else {
      fallbackCopy(text, done);
    }
  });
  function fallbackCopy(text, done) {
    var area = doc.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    doc.body.appendChild(area);
    area.select();
    try { if (doc.execCommand("copy")) done(); } finally { area.remove(); }
  }

  // The browser would put a reloaded conversation back where it was, above
  // whatever was written since; it opens at its latest message instead.
  if (inConversation() && "scrollRestoration" in history) history.scrollRestoration = "manual";
  addEventListener("load", function () {
    showDeleted();
    // A conversation opens at its latest message; other pages at the top.
    if (inConversation() && !location.hash && doc.activeElement === doc.body) toBottom();
    updateJump();
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
