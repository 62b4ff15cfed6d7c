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

  // While an answer streams, Send becomes that answer's Stop, in the same
  // place: the Stop button moves from the answer (where it works without
  // JavaScript) into the composer, still submitting the answer's own stop
  // form. A question sent meanwhile would only be refused, so it waits in
  // the box instead.
  function composer() { return document.getElementById("composer"); }
  function streaming() {
    var c = composer();
    return !!(c && c.dataset.streaming);
  }
  function syncComposer() {
    var form = composer();
    var send = form && form.querySelector("[data-testid=send]");
    if (!send) return;
    var stopForm = document.querySelector("[data-testid=message][data-state=streaming] form.stop");
    var moved = form.querySelector("[data-testid=stop]");
    if (stopForm) {
      var button = stopForm.querySelector("[data-testid=stop]");
      if (button && button !== moved) {
        if (moved) moved.remove();
        button.setAttribute("form", stopForm.id);
        send.before(button);
      }
      send.hidden = true;
      form.dataset.streaming = "true";
      return;
    }
    var hadFocus = moved && moved === document.activeElement;
    if (moved) moved.remove();
    send.hidden = false;
    if (!form.dataset.streaming) return;
    // "An answer is still being written" is no longer true.
    form.querySelectorAll("[data-testid=composer-error]").forEach(function (el) { el.remove(); });
    delete form.dataset.streaming;
    if (hadFocus || document.activeElement === document.body) {
      var box = form.querySelector("textarea");
      if (box) box.focus();
    }
  }
  document.addEventListener("submit", function (e) {
    if (e.target === composer() && streaming()) {
      e.preventDefault();
      e.stopPropagation();
    }
  }, true);
  // Answers end by replacing themselves (an event stream's swap, which
  // fires no event the document hears), so watch the DOM itself.
  new MutationObserver(syncComposer).observe(document.documentElement, { childList: true, subtree: true });
  syncComposer();

  // Follow the newest text only inside a conversation, and only while the
  // reader is at the bottom: the decision is taken just before each piece
  // of the answer is inserted. Someone who scrolled up to read is never
  // pulled down; a "Jump to latest" button offers the way back instead.
  function inConversation() {
    var list = document.getElementById("messages");
    return !!(list && list.children.length);
  }
  function nearBottom() {
    return document.documentElement.scrollHeight - window.innerHeight - window.scrollY < 80;
  }
  function toBottom() {
    window.scrollTo(0, document.documentElement.scrollHeight);
  }
  function updateJump() {
    var jump = document.getElementById("jump-latest");
    if (jump) jump.hidden = !inConversation() || nearBottom();
  }
  var following = true;
  document.addEventListener("htmx:sseBeforeMessage", function () { following = nearBottom(); });
  document.addEventListener("htmx:sseMessage", function () {
    if (following && inConversation()) toBottom();
    updateJump();
  });
  window.addEventListener("scroll", updateJump, { passive: true });
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("#jump-latest")) {
      toBottom();
      updateJump();
    }
  });
  // A question the person just sent always brings the view down.
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "messages") toBottom();
    var box = document.querySelector("[data-testid=composer] textarea");
    if (box && document.activeElement === document.body) box.focus();
    updateJump();
  });

  // Keep people's words when the server cannot be reached: the composer is
  // only replaced on success, so the text is still there; say so.
  function notice(text) {
    var el = document.getElementById("notice");
    if (!el) return;
    el.classList.remove("ok");
    el.textContent = text;
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
  // The panel is a modal dialog: the page behind is inert, Tab goes round
  // the panel, Escape or a click beside it closes it, and focus returns to
  // the citation. On a wide screen the page makes room for it (app.css,
  // html.panel-open), so the cited text stays in view beside its passage.
  var opener = null;
  function panel() { return document.getElementById("source-panel"); }
  function closePanel() {
    var p = panel();
    if (p && p.open) p.close();
  }
  document.addEventListener("close", function (e) {
    if (e.target !== panel()) return;
    document.documentElement.classList.remove("panel-open");
    if (opener) opener.focus();
    opener = null;
  }, true);
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
        if (!p.open) {
          document.documentElement.classList.add("panel-open");
          p.showModal();
        }
        link.scrollIntoView({ block: "nearest" });
        var heading = p.querySelector("#source-panel-title");
        if (heading) heading.focus();
      });
      return;
    }
    // The dialog itself (not its content) is hit only beside the panel.
    if (e.target === panel() || (e.target.closest && e.target.closest("[data-close-panel]"))) closePanel();
  });
  document.addEventListener("keydown", function (e) {
    var p = panel();
    if (!p || !p.open) return;
    if (e.key === "Escape") {
      e.preventDefault();
      closePanel();
    } else if (e.key === "Tab") {
      trapTab(p, e);
    }
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

  // On phones the conversation list is a drawer: while it is open, the page
  // behind is inert and Tab goes round the drawer alone; closing it (its
  // button, the backdrop, Escape) returns focus to the toggle.
  var phone = window.matchMedia("(max-width: 50rem)");
  function drawerOpen() {
    var side = document.getElementById("sidebar");
    return !!(side && side.classList.contains("open"));
  }
  function drawer(open) {
    var side = document.getElementById("sidebar");
    var toggle = document.querySelector("[data-testid=sidebar-toggle]");
    if (!side || !toggle || open === drawerOpen()) return;
    side.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    var backdrop = document.querySelector(".backdrop");
    if (backdrop) backdrop.hidden = !open;
    document.querySelectorAll("body > :not(#sidebar):not(.backdrop)").forEach(function (el) { el.inert = open; });
    if (open) {
      var first = focusables(side)[0];
      if (first) first.focus();
    } else {
      toggle.focus();
    }
  }
  // trapTab keeps Tab and Shift+Tab going round root's controls.
  function trapTab(root, e) {
    var items = focusables(root);
    if (!items.length) return;
    var first = items[0], last = items[items.length - 1];
    var inside = root.contains(document.activeElement);
    if (e.shiftKey && (document.activeElement === first || !inside)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (document.activeElement === last || !inside)) {
      e.preventDefault();
      first.focus();
    }
  }
  function focusables(root) {
    return Array.prototype.filter.call(
      root.querySelectorAll("a[href], button, input, textarea, select, summary, [tabindex]:not([tabindex='-1'])"),
      function (el) { return !el.disabled && el.checkVisibility(); });
  }
  document.addEventListener("click", function (e) {
    if (!e.target.closest) return;
    if (e.target.closest("[data-testid=sidebar-toggle]")) drawer(!drawerOpen());
    else if (e.target.closest("[data-close-drawer]")) drawer(false);
  });
  document.addEventListener("keydown", function (e) {
    if (!drawerOpen()) return;
    if (e.key === "Escape") {
      drawer(false);
      return;
    }
    if (e.key === "Tab") trapTab(document.getElementById("sidebar"), e);
  });
  // Grown past phone width, the drawer is the sidebar again.
  phone.addEventListener("change", function () { if (!phone.matches) drawer(false); });

  // Menus (Rename, Export, Delete, Clear all) are <details>: they close on
  // Escape (focus back on their summary), on a click outside, and once a
  // download has started.
  function openMenus() { return document.querySelectorAll("details.menu[open], details.confirm[open]"); }
  document.addEventListener("click", function (e) {
    openMenus().forEach(function (d) {
      if (!d.contains(e.target)) d.open = false;
    });
    var download = e.target.closest && e.target.closest("details a[download]");
    if (download) download.closest("details").open = false;
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    openMenus().forEach(function (d) {
      var hadFocus = d.contains(document.activeElement);
      d.open = false;
      if (hadFocus) d.querySelector("summary").focus();
    });
  });

  // A delete leads to another page: the notice that confirms it is carried
  // there in the tab's session storage.
  var deletedKey = "rolefit:deleted";
  document.addEventListener("submit", function (e) {
    var confirm = e.submitter && e.submitter.dataset.testid;
    if (confirm === "delete-confirm" || confirm === "clear-all-confirm") {
      try { sessionStorage.setItem(deletedKey, confirm === "delete-confirm" ? "Conversation deleted." : "All conversations deleted."); } catch (err) { /* storage off: no notice */ }
    }
  });
  function showDeleted() {
    var text = null;
    try {
      text = sessionStorage.getItem(deletedKey);
      sessionStorage.removeItem(deletedKey);
    } catch (err) { return; }
    var el = document.getElementById("notice");
    if (text && el) {
      el.classList.add("ok");
      el.textContent = text;
    }
  }

  // Controls that only work with JavaScript are hidden in the markup and
  // shown here, also in content htmx swaps in later.
  function showScriptedControls() {
    document.querySelectorAll("[data-copy], [data-testid=sidebar-toggle], [data-testid=sidebar-close]").forEach(function (b) { b.hidden = false; });
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
    showDeleted();
    // A conversation opens at its latest message, unless the address or
    // the page itself points elsewhere; every other page opens at the top.
    if (inConversation() && !location.hash && document.activeElement === document.body) toBottom();
    updateJump();
  });
})();
