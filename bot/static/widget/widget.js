/*! GovBot citizen widget. Vanilla JS, no build step, loads nothing from the internet.
 *
 * Embed:  <script src="/widget.js" data-govbot-api="" data-tenant="muenchen" data-lang="de" defer></script>
 * Options (data attributes on the script tag):
 *   data-govbot-api     base URL of the GovBot API ("" = same origin)
 *   data-tenant         tenant slug (default "muenchen")
 *   data-lang           a language of the text catalogue (bot/texts/<code>.yaml; "de" default):
 *                       the first UI and conversation language; the citizen can choose another
 *                       in the widget's language select (kept for the browser tab)
 *   data-max-length     maximum characters per message (default 2000)
 *   data-poll-interval  milliseconds between polls while a person handles the chat (default 4000)
 *   data-mode           "floating" (default: launcher button + dialog) or "inline"
 *   data-target         CSS selector of the container for inline mode
 *   data-css            URL of the stylesheet (default: widget.css next to widget.js; "none" = do not load)
 *
 * Security: every text that comes from the server is rendered with textContent or as
 * attribute values of elements built here; links are only created for http(s), tel and
 * mailto URLs. innerHTML is never used (XSS).
 */
(function () {
  "use strict";

  var script =
    document.currentScript ||
    document.querySelector("script[data-govbot-api]") ||
    document.querySelector("script[src$='widget.js']");
  if (!script || window.__govbotWidgetLoaded) {
    return;
  }
  window.__govbotWidgetLoaded = true;

  // The texts come from the catalogue of citizen-facing texts (bot/texts/<language>.yaml,
  // section "widget"); the API writes them into this file when it serves it
  // (bot/api/routes/widget.py), so the widget, the bot and the API say the same things.
  var CATALOGUE = /*GOVBOT_TEXTS*/ {};

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : match;
    });
  }

  function strings(w) {
    return {
      launcher: [w.launcher_question, w.launcher_title],
      languageName: w.language_name,
      languageLabel: w.language_label,
      direction: w.direction === "rtl" ? "rtl" : "ltr",
      emergencyHeading: w.emergency_heading,
      unread: w.unread,
      title: w.title,
      subtitle: w.subtitle,
      close: w.close,
      logLabel: w.log_label,
      noticeHeading: w.notice_heading,
      starting: w.starting,
      inputLabel: w.input_label,
      inputHint: w.input_hint,
      keysHint: w.keys_hint,
      send: w.send,
      empty: w.empty,
      handoff: w.handoff,
      thinking: w.thinking,
      sending: w.sending,
      notSent: w.not_sent,
      sources: w.sources,
      stand: w.stand,
      newWindow: w.new_window,
      office: w.office,
      openingHours: w.opening_hours,
      phone: w.phone,
      email: w.email,
      appointment: w.appointment,
      feedbackQuestion: w.feedback_question,
      helpful: w.helpful,
      notHelpful: w.not_helpful,
      feedbackThanks: w.feedback_thanks,
      feedbackFailed: w.feedback_failed,
      reference: w.reference,
      expected: w.expected,
      handoffCreated: w.handoff_created,
      stateWaiting: w.state_waiting,
      stateWithAgent: w.state_with_agent,
      stateClosed: w.state_closed,
      restart: w.restart,
      retry: w.retry,
      options: w.options,
      call115: w.call115,
      showMore: w.show_more,
      moreFailed: w.more_failed,
      maxHint: function (max) {
        return fill(w.max_hint, { max: max });
      },
      counter: function (left) {
        return fill(left === 1 ? w.counter_one : w.counter_other, { left: left });
      },
      moreOffices: function (n) {
        return fill(n === 1 ? w.more_offices_one : w.more_offices_other, { count: n });
      },
      retryAfter: function (s) {
        return fill(w.retry_after, { seconds: s });
      },
      roles: { citizen: w.role_citizen, bot: w.role_bot, agent: w.role_agent, system: w.role_system },
      emergencyNumbers: [
        ["112", "112", w.emergency_fire],
        ["110", "110", w.emergency_police],
        ["08001110111", "0800 111 0 111", w.emergency_crisis_line],
      ],
      errors: {
        network: w.error_network,
        rate: w.error_rate,
        tooLarge: w.error_too_large,
        invalid: w.error_invalid,
        gone: w.error_gone,
        server: w.error_server,
      },
    };
  }

  var STRINGS = {};
  Object.keys(CATALOGUE).forEach(function (language) {
    STRINGS[language] = strings(CATALOGUE[language]);
  });


  function positiveInt(value, fallback) {
    var n = parseInt(value || "", 10);
    return n > 0 ? n : fallback;
  }

  var data = script.dataset;
  var API_BASE = (data.govbotApi || "").replace(/\/+$/, "");
  var TENANT = data.tenant || "muenchen";
  // The language the citizen chose in the select, for this tab (sessionStorage).
  var LANGUAGE_KEY = "govbot:" + TENANT + ":language:" + (API_BASE || "same-origin");
  var chosenLanguage = readLanguage();
  var config = {
    api: API_BASE,
    tenant: TENANT,
    lang: STRINGS[chosenLanguage] ? chosenLanguage : STRINGS[data.lang] ? data.lang : "de",
    maxLength: positiveInt(data.maxLength, 2000),
    pollMs: positiveInt(data.pollInterval, 4000),
    mode: data.mode === "inline" ? "inline" : "floating",
    target: data.target || "",
    css: data.css || "",
  };
  var t = STRINGS[config.lang];
  // The conversation outlives a change of language: its key names the page's data-lang only.
  var STORAGE_KEY =
    "govbot:" + config.tenant + ":" + (STRINGS[data.lang] ? data.lang : "de") + ":" + (config.api || "same-origin");

  function readLanguage() {
    try {
      return window.sessionStorage.getItem(LANGUAGE_KEY) || "";
    } catch (err) {
      return "";
    }
  }

  function saveLanguage(code) {
    try {
      window.sessionStorage.setItem(LANGUAGE_KEY, code);
    } catch (err) {
      /* storage disabled: the choice lasts as long as the page */
    }
  }
  var POLLING_STATES = { waiting_for_agent: true, with_agent: true };
  var REQUEST_TIMEOUT_MS = 30000;
  var uid = 0;

  // ---------------------------------------------------------------- DOM building
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) {
        return;
      }
      if (key === "text") {
        node.textContent = String(value);
      } else if (key === "className") {
        node.className = value;
      } else {
        node.setAttribute(key, value === true ? "" : String(value));
      }
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  function chatIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "22");
    svg.setAttribute("height", "22");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "govbot-launcher-icon");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z");
    svg.appendChild(path);
    return svg;
  }

  function nextId(prefix) {
    uid += 1;
    return "govbot-" + prefix + "-" + uid;
  }

  function safeUrl(value, schemes) {
    if (typeof value !== "string" || !value) {
      return null;
    }
    try {
      var url = new URL(value, window.location.href);
      return schemes.indexOf(url.protocol) >= 0 ? url.href : null;
    } catch (err) {
      return null;
    }
  }

  function externalLink(href, label, className) {
    var url = safeUrl(href, ["http:", "https:"]);
    if (!url) {
      return el("span", { className: className, text: label });
    }
    return el("a", { href: url, target: "_blank", rel: "noopener noreferrer", className: className }, [
      label,
      el("span", { className: "govbot-sr-only", text: " " + t.newWindow }),
    ]);
  }

  // Appends plain text to ``parent`` with http(s) URLs turned into links.
  function appendLinked(parent, text) {
    var pattern = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      parent.appendChild(externalLink(match[0], match[0]));
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
    return parent;
  }

  // Plain text as paragraphs (blank lines), lists ("- " or "• " lines, so screen readers
  // announce them as lists) and line breaks (CSS pre-line), all built as text nodes.
  function richText(text, className) {
    var node = el("div", { className: className });
    var lines = String(text || "").split(/\r?\n/);
    var paragraph = [];
    var list = null;
    function flush() {
      if (paragraph.join("").trim()) {
        node.appendChild(appendLinked(el("p", {}), paragraph.join("\n")));
      }
      paragraph = [];
    }
    lines.forEach(function (line) {
      var item = /^\s*[-•–*]\s+(.*)$/.exec(line);
      if (item) {
        flush();
        if (!list) {
          list = node.appendChild(el("ul", {}));
        }
        list.appendChild(appendLinked(el("li", {}), item[1]));
        return;
      }
      list = null;
      if (!line.trim()) {
        flush();
      } else {
        paragraph.push(line);
      }
    });
    flush();
    return node;
  }

  function formatDate(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(value || ""));
    if (!m) {
      return "";
    }
    return config.lang === "de" ? m[3] + "." + m[2] + "." + m[1] : m[1] + "-" + m[2] + "-" + m[3];
  }

  // ---------------------------------------------------------------- storage
  function loadStored() {
    try {
      return JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) || "null");
    } catch (err) {
      return null; // storage disabled (private mode) or garbage: start fresh
    }
  }

  function saveStored() {
    try {
      window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(stored));
    } catch (err) {
      /* storage disabled: the conversation then lasts as long as the page */
    }
  }

  // ---------------------------------------------------------------- HTTP
  function WidgetError(kind, status, retryAfter) {
    this.kind = kind;
    this.status = status || 0;
    this.retryAfter = retryAfter || 0;
  }

  function errorKind(status) {
    if (status === 429) {
      return "rate";
    }
    if (status === 413) {
      return "tooLarge";
    }
    if (status === 404 || status === 410) {
      return "gone";
    }
    if (status >= 400 && status < 500) {
      return "invalid";
    }
    return "server";
  }

  function api(method, path, body) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller
      ? window.setTimeout(function () {
          controller.abort();
        }, REQUEST_TIMEOUT_MS)
      : 0;
    var init = {
      method: method,
      headers: { Accept: "application/json" },
      credentials: "omit",
      cache: "no-store",
      signal: controller ? controller.signal : undefined,
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return window
      .fetch(config.api + "/api/v1" + path, init)
      .then(
        function (res) {
          window.clearTimeout(timer);
          if (!res.ok) {
            var retry = parseInt(res.headers.get("Retry-After") || "", 10);
            throw new WidgetError(errorKind(res.status), res.status, retry > 0 ? retry : 0);
          }
          return res.json().catch(function () {
            throw new WidgetError("server", res.status);
          });
        },
        function () {
          window.clearTimeout(timer);
          throw new WidgetError("network");
        }
      );
  }

  function conversationPath(suffix) {
    return "/conversations/" + encodeURIComponent(stored.id) + suffix;
  }

  // ---------------------------------------------------------------- state
  var stored = loadStored() || {};
  var ui = {};
  var lastSeq = 0;
  var rendered = {};
  var state = "bot";
  var busy = false;
  var starting = null;
  var pollTimer = 0;
  var pollFailures = 0;
  var noteDue = false;
  var isOpen = false;

  // ---------------------------------------------------------------- building the UI
  function build() {
    var titleId = nextId("title");
    var inputId = nextId("input");
    var hintId = nextId("hint");
    var counterId = nextId("counter");
    var panelId = nextId("panel");
    var floating = config.mode === "floating";

    ui.root = el("div", {
      className: "govbot govbot--" + config.mode,
      lang: config.lang,
      dir: t.direction,
      "data-state": state,
    });
    var languageId = nextId("language");
    ui.languageSelect = el(
      "select",
      { id: languageId, className: "govbot-language" },
      Object.keys(STRINGS)
        .sort()
        .map(function (code) {
          return el("option", { value: code, lang: code, selected: code === config.lang, text: STRINGS[code].languageName });
        })
    );
    ui.languageSelect.value = config.lang;
    ui.language = el("div", { className: "govbot-language-row" }, [
      el("label", { for: languageId, className: "govbot-language-label", text: t.languageLabel }),
      ui.languageSelect,
    ]);
    ui.closeButton = floating
      ? el("button", { type: "button", className: "govbot-close" }, [
          el("span", { "aria-hidden": "true", text: "✕" }),
          el("span", { className: "govbot-sr-only", text: t.close }),
        ])
      : null;
    ui.header = el("div", { className: "govbot-header" }, [
      el("div", { className: "govbot-heading" }, [
        el("h2", { id: titleId, className: "govbot-title", text: t.title }),
        el("p", { className: "govbot-subtitle", text: t.subtitle }),
        ui.language,
      ]),
      ui.closeButton,
    ]);
    ui.notice = el("div", { className: "govbot-notice", role: "note", hidden: true }, [
      el("p", { className: "govbot-notice-heading", text: t.noticeHeading }),
      el("p", { className: "govbot-notice-text" }),
    ]);
    ui.log = el("div", {
      className: "govbot-log",
      role: "log",
      "aria-live": "polite",
      "aria-relevant": "additions",
      "aria-label": t.logLabel,
      tabindex: "0",
    });
    ui.log.appendChild(ui.notice);
    ui.status = el("div", { className: "govbot-status", role: "status" });
    ui.stateBox = el("div", { className: "govbot-state", hidden: true });
    ui.error = el("div", { className: "govbot-error", role: "alert" });
    ui.input = el("textarea", {
      id: inputId,
      className: "govbot-input",
      rows: "2",
      maxlength: String(config.maxLength),
      "aria-describedby": hintId + " " + counterId,
      autocomplete: "off",
    });
    ui.sendButton = el("button", { type: "submit", className: "govbot-send", text: t.send });
    ui.counter = el("p", { id: counterId, className: "govbot-counter", "aria-live": "polite" });
    ui.form = el("form", { className: "govbot-form", novalidate: true }, [
      el("label", { for: inputId, className: "govbot-label", text: t.inputLabel }),
      el("p", { id: hintId, className: "govbot-hint" }, [
        t.inputHint,
        el("span", { className: "govbot-hint-keys", text: " " + t.keysHint }),
        el("span", { className: "govbot-sr-only", text: " " + t.maxHint(config.maxLength) }),
      ]),
      el("div", { className: "govbot-input-row" }, [ui.input, ui.sendButton]),
      ui.counter,
    ]);
    ui.handoffButton = el("button", { type: "button", className: "govbot-handoff", text: t.handoff });
    ui.panel = el(
      "section",
      { id: panelId, className: "govbot-panel", "aria-labelledby": titleId },
      [ui.header, ui.log, ui.stateBox, ui.status, ui.error, ui.form, el("div", { className: "govbot-actions" }, [ui.handoffButton])]
    );

    if (floating) {
      ui.panel.setAttribute("role", "dialog");
      ui.panel.setAttribute("aria-modal", "false");
      ui.panel.hidden = true;
      // On narrow screens only the first words stay visible; the name stays complete.
      ui.launcherLabel = el("span", {}, [
        t.launcher[0],
        el("span", { className: "govbot-launcher-more", text: " " + t.launcher[1] }),
      ]);
      ui.unread = el("span", { className: "govbot-unread", text: " " + t.unread, hidden: true });
      ui.launcher = el(
        "button",
        { type: "button", className: "govbot-launcher", "aria-expanded": "false", "aria-controls": panelId },
        [chatIcon(), ui.launcherLabel, ui.unread]
      );
      ui.root.appendChild(ui.panel);
      ui.root.appendChild(ui.launcher);
      document.body.appendChild(ui.root);
    } else {
      var target = config.target ? document.querySelector(config.target) : null;
      (target || script.parentNode).appendChild(ui.root);
      ui.root.appendChild(ui.panel);
    }
    updateCounter();
    wire();
  }

  function wire() {
    ui.form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(ui.input.value);
    });
    ui.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        send(ui.input.value);
      }
    });
    ui.input.addEventListener("input", updateCounter);
    ui.handoffButton.addEventListener("click", requestHandoff);
    ui.languageSelect.addEventListener("change", function () {
      switchLanguage(ui.languageSelect.value);
    });
    if (ui.launcher) {
      ui.launcher.addEventListener("click", function () {
        if (isOpen) {
          close();
        } else {
          open(true);
        }
      });
      ui.closeButton.addEventListener("click", close);
      ui.root.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && isOpen) {
          event.preventDefault();
          close();
        } else if (event.key === "Tab" && isOpen && isFullScreen()) {
          trapFocus(event);
        }
      });
    }
  }

  function isFullScreen() {
    return window.matchMedia && window.matchMedia("(max-width: 30em)").matches;
  }

  // When the panel covers the whole screen, Tab must not wander to the hidden page
  // behind it (WCAG 2.2, 2.4.11 Focus Not Obscured).
  function trapFocus(event) {
    var focusables = Array.prototype.filter.call(
      ui.panel.querySelectorAll("a[href], button:not([disabled]), textarea, summary, [tabindex='0']"),
      function (node) {
        return node.offsetParent !== null;
      }
    );
    if (!focusables.length) {
      return;
    }
    var first = focusables[0];
    var last = focusables[focusables.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  function updateCounter() {
    // Only near the limit, so the counter does not chatter for every key press.
    var left = config.maxLength - ui.input.value.length;
    ui.counter.textContent = left <= Math.max(20, config.maxLength * 0.1) ? t.counter(left) : "";
  }

  // ---------------------------------------------------------------- open / close
  function open(moveFocus) {
    isOpen = true;
    if (ui.launcher) {
      ui.panel.hidden = false;
      ui.panel.setAttribute("aria-modal", isFullScreen() ? "true" : "false");
      ui.launcher.setAttribute("aria-expanded", "true");
      ui.unread.hidden = true;
      ui.root.classList.add("govbot--open");
      stored.open = true;
      saveStored();
    }
    if (moveFocus) {
      ui.input.focus();
    }
    scrollToEnd();
    ensureConversation().catch(function (err) {
      showError(err, function () {
        ensureConversation().catch(function (again) {
          showError(again, null);
        });
      });
    });
  }

  function close() {
    isOpen = false;
    ui.panel.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.root.classList.remove("govbot--open");
    stored.open = false;
    saveStored();
    ui.launcher.focus();
  }

  // ---------------------------------------------------------------- conversation
  function ensureConversation() {
    if (stored.id) {
      return Promise.resolve(stored.id);
    }
    if (!starting) {
      setStatus(t.starting);
      starting = api("POST", "/conversations", { tenant: config.tenant, language: config.lang })
        .then(function (res) {
          stored = {
            id: res.conversation_id,
            notice: res.notice || "",
            open: isOpen && !!ui.launcher,
            language: config.lang,
          };
          saveStored();
          showNotice();
          setState(res.state || "bot");
          setStatus("");
          return stored.id;
        })
        .catch(function (err) {
          setStatus("");
          throw err;
        })
        .then(
          function (id) {
            starting = null;
            return id;
          },
          function (err) {
            starting = null;
            throw err;
          }
        );
    }
    return starting;
  }

  function forgetConversation() {
    stopPolling();
    stored = { open: isOpen };
    saveStored();
    lastSeq = 0;
    rendered = {};
    state = "bot";
  }

  function showNotice() {
    ui.notice.querySelector(".govbot-notice-text").textContent = stored.notice || "";
    ui.notice.hidden = !stored.notice;
  }

  function sync() {
    if (!stored.id) {
      return Promise.resolve();
    }
    var id = stored.id;
    return api("GET", conversationPath("/messages?after=" + lastSeq)).then(function (res) {
      if (id !== stored.id) {
        return;
      }
      (res.messages || []).forEach(renderMessage);
      flushHandoffNote();
      setState(res.state || state);
    });
  }

  // choice: the doc id of a clarifying option (issue 12 item 2); the text is its title.
  function send(rawText, choice) {
    var text = String(rawText || "").trim();
    if (busy) {
      return;
    }
    if (!text) {
      setStatus(t.empty);
      ui.input.focus();
      return;
    }
    clearError();
    busy = true;
    ui.sendButton.setAttribute("aria-disabled", "true");
    ui.input.value = "";
    updateCounter();
    var pending = renderPending(text);
    setStatus(state === "bot" ? t.thinking : "");
    ensureConversation()
      .then(function () {
        var body = { text: text };
        if (choice) {
          body.choice = choice;
        }
        if (stored.language !== config.lang) {
          body.language = config.lang; // the citizen chose another language since
        }
        return api("POST", conversationPath("/messages"), body).then(function (res) {
          stored.language = body.language || stored.language;
          saveStored();
          return res;
        });
      })
      .then(function (res) {
        adoptPending(pending, res.message);
        return sync().catch(function () {
          // The answer arrived with the POST; show it even if reading the log failed.
          if (res.answer) {
            renderBotAnswer(res.answer, null);
            flushHandoffNote();
          }
        });
      })
      .catch(function (err) {
        pending.removeAttribute("data-pending");
        pending.classList.add("govbot-msg--failed");
        pending.querySelector(".govbot-msg-meta").textContent = t.notSent;
        if (!ui.input.value) {
          ui.input.value = text;
          updateCounter();
        }
        if (err.kind === "gone") {
          forgetConversation();
        }
        showError(err, function () {
          pending.remove();
          ui.input.value = "";
          send(text, choice);
        });
      })
      .then(function () {
        busy = false;
        ui.sendButton.removeAttribute("aria-disabled");
        setStatus("");
      });
  }

  function requestHandoff() {
    clearError();
    ensureConversation()
      .then(function () {
        return api("POST", conversationPath("/handoff"), {});
      })
      .then(function (res) {
        recordHandoff(res);
        setState(res.state || "waiting_for_agent");
        ui.input.focus();
        return sync().catch(flushHandoffNote);
      })
      .catch(function (err) {
        showError(err, requestHandoff, true);
      });
  }

  function recordHandoff(info) {
    if (!info || !info.reference || stored.reference === info.reference) {
      return;
    }
    stored.reference = info.reference;
    stored.expected = info.expected_response || "";
    saveStored();
    noteDue = true;
  }

  // The server usually posts its own system message with the reference; only when the log
  // does not mention the reference after a sync does the widget add its own note.
  function flushHandoffNote() {
    if (!noteDue || !stored.reference) {
      return;
    }
    noteDue = false;
    if ((ui.log.textContent || "").indexOf(stored.reference) >= 0) {
      return;
    }
    appendToLog(
      el("div", { className: "govbot-msg govbot-msg--system" }, [
        el("p", { className: "govbot-msg-author", text: t.roles.system }),
        el("p", { className: "govbot-text", text: t.handoffCreated }),
        handoffDetails(),
      ])
    );
  }

  function handoffDetails() {
    var items = [
      el("div", {}, [el("dt", { text: t.reference + ":" }), " ", el("dd", { className: "govbot-reference", text: stored.reference })]),
    ];
    if (stored.expected) {
      items.push(el("div", {}, [el("dt", { text: t.expected + ":" }), " ", el("dd", { text: stored.expected })]));
    }
    return el("dl", { className: "govbot-handoff-info" }, items);
  }

  // One vote per answer. The buttons are not `disabled`: that would throw the keyboard
  // focus out of the conversation; aria-disabled keeps it where it is.
  function sendFeedback(messageId, helpful, box) {
    if (box.getAttribute("data-voted")) {
      return;
    }
    box.setAttribute("data-voted", "true");
    var buttons = box.querySelectorAll("button");
    Array.prototype.forEach.call(buttons, function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.helpful === String(helpful)));
      button.setAttribute("aria-disabled", "true");
    });
    var result = box.querySelector(".govbot-feedback-result");
    api("POST", conversationPath("/messages/" + encodeURIComponent(messageId) + "/feedback"), { helpful: helpful }).then(
      function () {
        result.textContent = t.feedbackThanks;
      },
      function () {
        result.textContent = t.feedbackFailed;
        box.removeAttribute("data-voted");
        Array.prototype.forEach.call(buttons, function (button) {
          button.removeAttribute("aria-disabled");
          button.removeAttribute("aria-pressed");
        });
      }
    );
  }

  // ---------------------------------------------------------------- state, polling
  function setState(next) {
    state = next;
    ui.stateBox.textContent = "";
    var text = { waiting_for_agent: t.stateWaiting, with_agent: t.stateWithAgent, closed: t.stateClosed }[next];
    ui.stateBox.hidden = !text;
    ui.root.setAttribute("data-state", next);
    if (text) {
      var line = el("p", { className: "govbot-state-text", text: text });
      if (stored.reference && next !== "closed") {
        line.appendChild(
          el("span", { className: "govbot-state-ref" }, [
            " " + t.reference + ": ",
            el("strong", { className: "govbot-reference", text: stored.reference }),
          ])
        );
      }
      ui.stateBox.appendChild(line);
    }
    if (next === "closed") {
      var restart = el("button", { type: "button", className: "govbot-restart", text: t.restart });
      restart.addEventListener("click", restartConversation);
      ui.stateBox.appendChild(restart);
    }
    var canHandOff = next === "bot";
    ui.handoffButton.hidden = !canHandOff;
    ui.form.hidden = next === "closed";
    if (POLLING_STATES[next]) {
      schedulePoll();
    } else {
      stopPolling();
    }
  }

  // The citizen chose another language: the widget is built again in it, the conversation
  // goes on (its messages are fetched again) and the next message tells the API.
  function switchLanguage(code) {
    if (!STRINGS[code] || code === config.lang) {
      return;
    }
    saveLanguage(code);
    config.lang = code;
    t = STRINGS[code];
    var wasOpen = isOpen;
    stopPolling();
    ui.root.remove();
    ui = {};
    rendered = {};
    lastSeq = 0;
    build();
    if (config.mode === "inline" || wasOpen) {
      open(false);
    }
    setState(state);
    restore();
    ui.languageSelect.focus();
  }

  function restartConversation() {
    forgetConversation();
    Array.prototype.forEach.call(ui.log.querySelectorAll(".govbot-msg"), function (node) {
      node.remove();
    });
    ui.notice.hidden = true;
    setState("bot");
    ui.input.focus();
    ensureConversation().catch(function (err) {
      showError(err, restartConversation);
    });
  }

  // Poll while a person handles the conversation; back off on errors (doubling up to a
  // minute, at least as long as a 429's Retry-After) so a struggling server is not hammered.
  function schedulePoll(delay) {
    if (pollTimer) {
      return;
    }
    pollTimer = window.setTimeout(function () {
      pollTimer = 0;
      if (!POLLING_STATES[state]) {
        return;
      }
      var poll = document.hidden ? Promise.resolve() : sync();
      poll.then(
        function () {
          pollFailures = 0;
          if (POLLING_STATES[state]) {
            schedulePoll();
          }
        },
        function (err) {
          pollFailures += 1;
          var backoff = Math.min(60000, config.pollMs * Math.pow(2, pollFailures));
          if (POLLING_STATES[state]) {
            schedulePoll(Math.max(backoff, (err.retryAfter || 0) * 1000));
          }
        }
      );
    }, delay || config.pollMs);
  }

  function stopPolling() {
    window.clearTimeout(pollTimer);
    pollTimer = 0;
  }

  // ---------------------------------------------------------------- rendering messages
  // A reply taller than the visible log is shown from its first line, so nobody has to
  // scroll back up to find where the answer begins.
  function appendToLog(node) {
    ui.log.appendChild(node);
    var tall = node.offsetHeight > ui.log.clientHeight - 16;
    if (tall && !node.classList.contains("govbot-msg--citizen")) {
      ui.log.scrollTop = node.offsetTop - 8;
    } else {
      scrollToEnd();
    }
  }

  function scrollToEnd() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function messageShell(role, metaText) {
    return el("div", { className: "govbot-msg govbot-msg--" + role }, [
      el("p", { className: "govbot-msg-author" }, [
        t.roles[role] || t.roles.system,
        el("span", { className: "govbot-msg-meta", text: metaText || "" }),
      ]),
    ]);
  }

  function renderPending(text) {
    var node = messageShell("citizen", t.sending);
    node.setAttribute("data-pending", "true");
    node.govbotText = text;
    node.appendChild(richText(text, "govbot-text"));
    appendToLog(node);
    return node;
  }

  function adoptPending(node, message) {
    node.querySelector(".govbot-msg-meta").textContent = "";
    node.removeAttribute("data-pending");
    if (message && message.id !== undefined) {
      rendered[message.id] = true;
      node.setAttribute("data-id", message.id);
    }
  }

  // A poll may bring the citizen's message before the POST that sent it has returned.
  function pendingFor(message) {
    var nodes = ui.log.querySelectorAll(".govbot-msg--citizen[data-pending]");
    for (var i = 0; i < nodes.length; i += 1) {
      if (nodes[i].govbotText === message.text) {
        return nodes[i];
      }
    }
    return null;
  }

  function renderMessage(message) {
    if (typeof message.seq === "number" && message.seq > lastSeq) {
      lastSeq = message.seq;
    }
    if (rendered[message.id]) {
      return;
    }
    var pending = message.role === "citizen" ? pendingFor(message) : null;
    if (pending) {
      adoptPending(pending, message);
      return;
    }
    rendered[message.id] = true;
    if (message.role === "bot" && message.answer) {
      renderBotAnswer(message.answer, message.id);
      return;
    }
    var role = STRINGS.de.roles[message.role] ? message.role : "system";
    var node = messageShell(role, "");
    node.setAttribute("data-id", message.id);
    node.appendChild(richText(message.text, "govbot-text"));
    appendToLog(node);
    if (role === "agent" && !isOpen && ui.unread) {
      ui.unread.hidden = false;
    }
  }

  // Issue 17: further sections of the answer's service, fetched only when asked for. Each
  // button controls its own region (aria-expanded / aria-controls) and toggles it.
  var moreCount = 0;
  function moreBlock(more) {
    if (!more.length) {
      return null;
    }
    var box = el("div", { className: "govbot-more" });
    more.slice(0, 6).forEach(function (item) {
      moreCount += 1;
      var regionId = "govbot-more-" + moreCount;
      var title = String(item.title || "");
      var button = el("button", { type: "button", className: "govbot-more-button", text: t.showMore + ": " + title });
      var region = el("div", { className: "govbot-more-section", id: regionId, role: "region" });
      region.setAttribute("aria-label", title);
      region.hidden = true;
      button.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-controls", regionId);
      var loaded = false;
      var loading = false;
      button.addEventListener("click", function () {
        if (loaded) {
          region.hidden = !region.hidden;
          button.setAttribute("aria-expanded", region.hidden ? "false" : "true");
          return;
        }
        if (loading) {
          return;
        }
        // Not disabled while loading: a disabled button would lose the keyboard focus.
        loading = true;
        button.setAttribute("aria-busy", "true");
        var query = "?doc_id=" + encodeURIComponent(item.doc_id) + "&key=" + encodeURIComponent(item.key);
        api("GET", conversationPath("/more" + query))
          .then(function (section) {
            loaded = true;
            region.textContent = "";
            region.appendChild(richText(String(section.text || ""), "govbot-text"));
            region.hidden = false;
            button.setAttribute("aria-expanded", "true");
          })
          .catch(function () {
            region.textContent = t.moreFailed;
            region.hidden = false;
          })
          .then(function () {
            loading = false;
            button.removeAttribute("aria-busy");
          });
      });
      box.appendChild(button);
      box.appendChild(region);
    });
    return box;
  }

  function renderBotAnswer(answer, messageId) {
    var status = String(answer.status || "answered").replace(/[^a-z_]/g, "");
    var node = messageShell("bot", "");
    node.classList.add("govbot-answer", "govbot-answer--" + status);
    node.setAttribute("data-status", status);
    if (messageId !== null) {
      node.setAttribute("data-id", messageId);
    }
    var text = String(answer.text || "");
    if (status === "emergency") {
      node.appendChild(emergencyBox());
    } else if (answer.help_grade && answer.help_text) {
      // Issue #16: the help block (116 117, counselling lines) first, apart from the answer.
      var grade = String(answer.help_grade).replace(/[^a-z]/g, "");
      var help = el("div", { className: "govbot-help govbot-help--" + grade, role: "note" });
      help.appendChild(richText(answer.help_text, "govbot-help-text"));
      node.appendChild(help);
      if (text.indexOf(answer.help_text) === 0) {
        text = text.slice(answer.help_text.length).replace(/^\s+/, "");
      }
    }
    // Choices of an earlier answer are no longer valid (the API takes the last one's).
    retireOptions();
    var options = answer.options || [];
    if (options.length) {
      // The text lists the choices for clients without buttons; here they are buttons.
      var paragraphs = text.split(/\n\s*\n/);
      var listed = function (p) {
        return p.split("\n").every(function (line) { return /^- /.test(line.trim()); });
      };
      node.appendChild(richText(paragraphs.filter(function (p) { return !listed(p); })[0] || "", "govbot-text"));
      node.appendChild(optionsBlock(options));
      var rest = paragraphs.filter(function (p) { return !listed(p); }).slice(1).join("\n\n");
      if (rest) {
        node.appendChild(richText(rest, "govbot-text"));
      }
    } else {
      node.appendChild(richText(text, "govbot-text"));
    }
    appendIf(node, moreBlock(answer.more || []));
    appendIf(node, citationsBlock(answer.citations || []));
    appendIf(node, officesBlock(answer.offices || []));
    if (answer.handoff_offered && !answer.handoff && state === "bot") {
      var offer = el("button", { type: "button", className: "govbot-handoff govbot-handoff--inline", text: t.handoff });
      offer.addEventListener("click", requestHandoff);
      node.appendChild(offer);
    }
    if (messageId !== null) {
      node.appendChild(feedbackBox(messageId));
    }
    appendToLog(node);
    if (answer.handoff && answer.handoff.reference) {
      recordHandoff(answer.handoff);
    }
  }

  function optionsBlock(options) {
    var buttons = options.map(function (option) {
      var button = el("button", { type: "button", className: "govbot-option", "data-doc-id": option.doc_id }, [
        el("span", { className: "govbot-option-title", text: option.title }),
        option.summary ? el("span", { className: "govbot-option-summary", text: option.summary }) : null,
      ]);
      button.addEventListener("click", function () {
        if (button.getAttribute("aria-disabled") === "true" || busy) {
          return;
        }
        button.setAttribute("aria-pressed", "true");
        retireOptions();
        send(option.title, option.doc_id);
      });
      return el("li", {}, [button]);
    });
    return el("div", { className: "govbot-options", role: "group", "aria-label": t.options }, [
      el("ul", { className: "govbot-option-list" }, buttons),
    ]);
  }

  function retireOptions() {
    if (!ui.log) {
      return;
    }
    Array.prototype.forEach.call(ui.log.querySelectorAll(".govbot-option"), function (button) {
      button.setAttribute("aria-disabled", "true");
    });
  }

  function appendIf(parent, child) {
    if (child) {
      parent.appendChild(child);
    }
  }

  function emergencyBox() {
    var items = t.emergencyNumbers.map(function (entry) {
      return el("li", {}, [
        el("a", { href: "tel:" + entry[0], className: "govbot-tel" }, [entry[1]]),
        " – " + entry[2],
      ]);
    });
    return el("div", { className: "govbot-emergency" }, [
      el("p", { className: "govbot-emergency-heading", text: t.emergencyHeading }),
      el("ul", {}, items),
    ]);
  }

  function citationsBlock(citations) {
    if (!citations.length) {
      return null;
    }
    var items = citations.map(function (c) {
      var details = [];
      if (c.section) {
        details.push(c.section);
      }
      var date = formatDate(c.updated);
      if (date) {
        details.push(t.stand + ": " + date);
      }
      return el("li", {}, [
        externalLink(c.url, c.title || c.url || "", "govbot-citation"),
        details.length ? el("span", { className: "govbot-citation-meta", text: " – " + details.join(" · ") }) : null,
      ]);
    });
    return el("div", { className: "govbot-sources" }, [
      el("p", { className: "govbot-block-heading", text: t.sources }),
      el("ul", {}, items),
    ]);
  }

  function officesBlock(offices) {
    if (!offices.length) {
      return null;
    }
    var block = el("div", { className: "govbot-offices" }, [
      el("p", { className: "govbot-block-heading", text: t.office }),
      officeCard(offices[0]),
    ]);
    if (offices.length > 1) {
      block.appendChild(
        el("details", { className: "govbot-more-offices" }, [el("summary", { text: t.moreOffices(offices.length - 1) })].concat(offices.slice(1).map(officeCard)))
      );
    }
    return block;
  }

  function officeCard(office) {
    var card = el("div", { className: "govbot-office" }, [el("p", { className: "govbot-office-name", text: office.name || "" })]);
    if (office.address) {
      card.appendChild(el("p", { className: "govbot-office-address", text: office.address }));
    }
    var hours = office.opening_hours || [];
    if (hours.length) {
      card.appendChild(
        el("details", { className: "govbot-hours" }, [
          el("summary", { text: t.openingHours }),
          el(
            "ul",
            {},
            hours.map(function (line) {
              return el("li", { text: line });
            })
          ),
        ])
      );
    }
    var contact = [];
    if (office.phone) {
      var tel = String(office.phone).replace(/[^\d+]/g, "");
      contact.push(el("li", {}, [t.phone + ": ", tel ? el("a", { href: "tel:" + tel, text: office.phone }) : office.phone]));
    }
    var mail = safeUrl("mailto:" + (office.email || ""), ["mailto:"]);
    if (office.email && mail) {
      contact.push(el("li", {}, [t.email + ": ", el("a", { href: mail, text: office.email })]));
    }
    if (contact.length) {
      card.appendChild(el("ul", { className: "govbot-contact" }, contact));
    }
    if (office.appointment_url && safeUrl(office.appointment_url, ["http:", "https:"])) {
      card.appendChild(externalLink(office.appointment_url, t.appointment, "govbot-appointment"));
    }
    return card;
  }

  function feedbackBox(messageId) {
    var questionId = nextId("feedback");
    var box = el("div", { className: "govbot-feedback", role: "group", "aria-labelledby": questionId });
    var yes = el("button", { type: "button", className: "govbot-feedback-button", "data-helpful": "true", text: t.helpful });
    var no = el("button", { type: "button", className: "govbot-feedback-button", "data-helpful": "false", text: t.notHelpful });
    yes.addEventListener("click", function () {
      sendFeedback(messageId, true, box);
    });
    no.addEventListener("click", function () {
      sendFeedback(messageId, false, box);
    });
    box.appendChild(el("p", { id: questionId, className: "govbot-feedback-question", text: t.feedbackQuestion }));
    box.appendChild(el("div", { className: "govbot-feedback-buttons" }, [yes, no]));
    box.appendChild(el("p", { className: "govbot-feedback-result" }));
    return box;
  }

  // ---------------------------------------------------------------- status and errors
  function setStatus(text) {
    ui.status.textContent = text;
  }

  function clearError() {
    ui.error.textContent = "";
    ui.error.classList.remove("govbot-error--shown");
  }

  function showError(err, retry, isHandoff) {
    var kind = err && err.kind && t.errors[err.kind] ? err.kind : "server";
    clearError();
    ui.error.classList.add("govbot-error--shown");
    ui.error.appendChild(el("p", { className: "govbot-error-text", text: t.errors[kind] }));
    if (err && err.retryAfter) {
      ui.error.appendChild(el("p", { text: t.retryAfter(err.retryAfter) }));
    }
    var actions = el("div", { className: "govbot-error-actions" });
    if (retry) {
      var retryButton = el("button", { type: "button", className: "govbot-retry", text: t.retry });
      retryButton.addEventListener("click", function () {
        clearError();
        ui.input.focus();
        retry();
      });
      actions.appendChild(retryButton);
    }
    if (!isHandoff && state === "bot") {
      var person = el("button", { type: "button", className: "govbot-handoff", text: t.handoff });
      person.addEventListener("click", requestHandoff);
      actions.appendChild(person);
    }
    ui.error.appendChild(actions);
    ui.error.appendChild(el("p", { className: "govbot-error-phone" }, [t.call115 + " ", el("a", { href: "tel:115", text: "115" }), "."]));
  }

  // ---------------------------------------------------------------- stylesheet and start
  function loadStylesheet() {
    if (config.css === "none") {
      return;
    }
    var href = config.css || new URL("widget.css", script.src || window.location.href).href;
    if (document.querySelector("link[data-govbot-css]")) {
      return;
    }
    document.head.appendChild(el("link", { rel: "stylesheet", href: href, "data-govbot-css": "true" }));
  }

  function restore() {
    if (!stored.id) {
      return;
    }
    showNotice();
    if (stored.open && ui.launcher) {
      open(false);
    }
    sync().catch(function (err) {
      if (err.kind === "gone") {
        forgetConversation();
        ui.notice.hidden = true;
      }
    });
  }

  function start() {
    loadStylesheet();
    build();
    if (config.mode === "inline") {
      open(false);
    }
    restore();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
