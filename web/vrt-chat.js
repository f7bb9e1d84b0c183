/*!
 * VRT Assistent chat widget: Veiligheidsregio Twente.
 *
 * Talks to Rasa's REST channel (POST {server}/webhooks/rest/webhook). While the chat is open it
 * asks GET {server}/webhooks/rest/notice every noticePollSeconds for VRT's crisis notice, and
 * shows it as a banner at the top (an ARIA live region, so screen readers announce it).
 * Needs vendor/linkify.min.js (linkifyjs, MIT) loaded before this file.
 * All bot and user text is put into the page as text nodes, never as HTML.
 *
 * Options come from, in this order (later wins):
 *   1. defaults below,
 *   2. data-* attributes on this <script> tag (data-server, data-title, data-subtitle,
 *      data-primary-color, data-primary-text-color, data-accent-color, data-start-open,
 *      data-max-length, data-welcome-payload),
 *   3. window.VRTChatConfig = { serverUrl, title, ... } set before this script,
 *   4. VRTChat.init({...}) when data-auto-init="false" is set on the script tag.
 */
(function () {
  "use strict";

  // The widget's own texts in Dutch and English; the switch and the bot's replies choose.
  var TEXTS = {
    nl: {
      launcher: "Stel je vraag aan VRT Assistent",
      subtitle: "Digitale assistent van Veiligheidsregio Twente",
      emergency: "Bij nood: bel 112",
      close: "Chat sluiten",
      newChat: "Nieuw gesprek",
      newChatLabel: "Nieuw gesprek beginnen",
      logLabel: "Gesprek met VRT Assistent",
      inputLabel: "Typ je vraag",
      placeholder: "Typ je vraag…",
      send: "Verstuur",
      counter: function (n, max) { return n + " / " + max; },
      counterHint: function (max) { return "Maximaal " + max + " tekens."; },
      typing: "VRT Assistent is aan het typen",
      bot: "VRT Assistent:",
      you: "Jij:",
      choices: "Kies een onderwerp",
      newTab: " (opent in nieuw tabblad)",
      error: "De chat is nu niet bereikbaar. Kijk op www.vrtwente.nl. Bij nood: bel 112.",
      // Shown at once when a typed message matches the server's emergency patterns; both
      // sentences are the start and the core of the bot's own utter_noodgeval (domain.yml).
      emergencyNow: "Bel nu 112. Ik ben een chatbot en kan geen hulp sturen.",
      // After requestTimeoutMs without an answer (an overloaded server answers "busy" itself).
      timeout: "Er komt nu geen antwoord. Het is misschien erg druk. Bij nood: bel 112. Probeer het zo nog eens.",
      notSent: "Niet verstuurd",
      source: "Bron:",
      feedbackGroup: "Was dit antwoord nuttig?",
      feedbackUp: "Ja, dit antwoord was nuttig",
      feedbackDown: "Nee, dit antwoord was niet nuttig",
      feedbackThanks: "Bedankt voor je reactie.",
      noticeRegion: "Melding van VRT",
      noticePosted: function (date, time) { return "Geplaatst op " + date + " om " + time + "."; },
      noticeLink: "Meer informatie",
      disclaimer: "Je praat met een computer die gesprekken 30 dagen bewaart, dus deel geen persoonlijke gegevens.",
      switchTo: "en",
      switchText: "English",
      switchLabel: "Switch to English"
    },
    en: {
      launcher: "Ask VRT Assistent a question",
      subtitle: "Digital assistant of Veiligheidsregio Twente",
      emergency: "In an emergency: call 112",
      close: "Close chat",
      newChat: "New chat",
      newChatLabel: "Start a new chat",
      logLabel: "Chat with VRT Assistent",
      inputLabel: "Type your question",
      placeholder: "Type your question…",
      send: "Send",
      counter: function (n, max) { return n + " / " + max; },
      counterHint: function (max) { return "At most " + max + " characters."; },
      typing: "VRT Assistent is typing",
      bot: "VRT Assistent:",
      you: "You:",
      choices: "Choose a topic",
      newTab: " (opens in a new tab)",
      error: "The chat cannot be reached right now. See www.vrtwente.nl. In an emergency: call 112.",
      emergencyNow: "Call 112 now. I am a chatbot and cannot send help.",
      timeout: "There is no answer right now. It may be very busy. In an emergency: call 112. Please try again shortly.",
      notSent: "Not sent",
      source: "Source:",
      feedbackGroup: "Was this answer useful?",
      feedbackUp: "Yes, this answer was useful",
      feedbackDown: "No, this answer was not useful",
      feedbackThanks: "Thank you for your feedback.",
      noticeRegion: "Notice from VRT",
      noticePosted: function (date, time) { return "Posted on " + date + " at " + time + "."; },
      noticeLink: "More information",
      disclaimer: "You are talking to a computer that keeps conversations for 30 days, so do not share personal details.",
      // The switch offers the other language, in that language.
      switchTo: "nl",
      switchText: "Nederlands",
      switchLabel: "Schakel over naar Nederlands"
    }
  };
  var TEXT = TEXTS.nl;

  var DEFAULTS = {
    serverUrl: "",            // e.g. "https://chat.vrtwente.nl"; empty: same host, port 5005
    title: "VRT Assistent",
    subtitle: "",             // empty: the default subtitle, in the widget's language
    language: "nl",           // "nl" or "en": the widget's language until the bot answers in another
    primaryColor: "#1a3a6b",  // header, user messages, buttons (white text on it)
    primaryTextColor: "#ffffff",
    accentColor: "#b3001b",   // the 112 line (white text on it)
    startOpen: false,
    maxLength: 300,
    welcomePayload: "/groet", // asked from the bot when a conversation starts
    requestTimeoutMs: 9000,   // then TEXT.timeout instead of a longer wait
    noticePollSeconds: 30,    // how often an open chat asks for VRT's crisis notice
    storagePrefix: "vrt-chat",
    container: null           // element or selector; default: appended to <body>
  };

  var MAX_STORED_MESSAGES = 200;
  var instanceCount = 0;

  function readScriptOptions(script) {
    var out = {};
    if (!script || !script.dataset) return out;
    var d = script.dataset;
    if (d.server) out.serverUrl = d.server;
    if (d.title) out.title = d.title;
    if (d.subtitle) out.subtitle = d.subtitle;
    if (d.primaryColor) out.primaryColor = d.primaryColor;
    if (d.primaryTextColor) out.primaryTextColor = d.primaryTextColor;
    if (d.accentColor) out.accentColor = d.accentColor;
    if (d.startOpen) out.startOpen = d.startOpen === "true";
    if (d.maxLength && /^\d+$/.test(d.maxLength)) out.maxLength = parseInt(d.maxLength, 10);
    if (d.welcomePayload !== undefined) out.welcomePayload = d.welcomePayload;
    return out;
  }

  function assign(target) {
    for (var i = 1; i < arguments.length; i++) {
      var src = arguments[i] || {};
      for (var k in src) {
        if (Object.prototype.hasOwnProperty.call(src, k) && src[k] !== undefined) target[k] = src[k];
      }
    }
    return target;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (!Object.prototype.hasOwnProperty.call(attrs, k)) continue;
        var v = attrs[k];
        if (v === null || v === undefined || v === false) continue;
        if (k === "className") node.className = v;
        else if (k === "text") node.textContent = v;
        else node.setAttribute(k, v === true ? "" : String(v));
      }
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  var SVG_NS = "http://www.w3.org/2000/svg";
  function icon(pathData) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "20");
    svg.setAttribute("height", "20");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", pathData);
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }
  var ICON_CHAT = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z";
  var ICON_CLOSE = "M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7 2.9 18.3 9.2 12 2.9 5.7 4.3 4.3l6.3 6.3 6.3-6.3z";
  var ICON_SEND = "M2 21 23 12 2 3v7l15 2-15 2z";
  var ICON_UP = "M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6C6.2 8 6 8.5 6 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z";
  var ICON_DOWN = "M22 3h-4v12h4V3zM2 14a2 2 0 0 0 2 2h6.3l-1 4.6v.3c0 .4.2.8.4 1.1l1.1 1 6.6-6.6c.4-.4.6-.9.6-1.4V5a2 2 0 0 0-2-2H7c-.8 0-1.5.5-1.8 1.2l-3 7.1c-.1.2-.2.5-.2.7v2z";

  /** Only http and https links are made clickable. */
  function safeHref(href) {
    try {
      var url = new URL(href, window.location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  /** Text with links as DOM nodes. linkifyjs finds the links; nothing is parsed as HTML. */
  function renderText(container, text) {
    var lib = window.linkify;
    var links = [];
    if (lib && typeof lib.find === "function") {
      try {
        links = lib.find(text, { defaultProtocol: "https" }).filter(function (l) { return l.type === "url"; });
      } catch (e) {
        links = [];
      }
    }
    var pos = 0;
    links.forEach(function (link) {
      var href = safeHref(link.href);
      if (href === null || link.start < pos) return;
      if (link.start > pos) container.appendChild(document.createTextNode(text.slice(pos, link.start)));
      var a = el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, [link.value]);
      a.appendChild(el("span", { className: "vrtc-sr", text: TEXT.newTab }));
      container.appendChild(a);
      pos = link.end;
    });
    if (pos < text.length) container.appendChild(document.createTextNode(text.slice(pos)));
  }

  function randomId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function Storage(prefix) {
    var store = null;
    try {
      store = window.sessionStorage;
      store.setItem(prefix + ":probe", "1");
      store.removeItem(prefix + ":probe");
    } catch (e) {
      store = null; // private mode or blocked storage: history lives only on this page
    }
    var memory = {};
    return {
      get: function (key) {
        var k = prefix + ":" + key;
        return store ? store.getItem(k) : (k in memory ? memory[k] : null);
      },
      set: function (key, value) {
        var k = prefix + ":" + key;
        if (store) {
          try { store.setItem(k, value); return; } catch (e) { /* quota: fall through */ }
        }
        memory[k] = value;
      },
      remove: function (key) {
        var k = prefix + ":" + key;
        if (store) store.removeItem(k);
        delete memory[k];
      }
    };
  }

  function Widget(options) {
    this.opts = options;
    this.id = "vrtc" + (instanceCount++ ? instanceCount : "");
    this.store = Storage(options.storagePrefix);
    this.lang = TEXTS[this.store.get("lang")] ? this.store.get("lang") : (TEXTS[options.language] ? options.language : "nl");
    TEXT = TEXTS[this.lang];
    this.pending = 0;
    this.messages = [];
    this.build();
    this.restore();
    this.loadEmergencyNet();
  }

  Widget.prototype.serverUrl = function () {
    var base = this.opts.serverUrl || (window.location.protocol + "//" + window.location.hostname + ":5005");
    return base.replace(/\/+$/, "") + "/webhooks/rest/webhook";
  };

  Widget.prototype.noticeUrl = function () {
    return this.serverUrl().replace(/\/webhook$/, "/notice");
  };

  /**
   * The server's emergency net (EmergencyKeywordClassifier `patterns` of lexicon/regex/noodgeval.yml,
   * served as JavaScript regular expressions by GET /webhooks/rest/emergency), so "Bel nu 112" appears
   * before the server answers, also when it is slow or down. `normalise` and `matches` do what
   * vrt/nlu/text.py normalise() and EmergencyKeywordClassifier.match() do in Python.
   */
  function normalise(text) {
    var t = text.toLowerCase().normalize("NFKD").replace(/\p{Mn}/gu, "");
    t = t.replace(/['\u2019]/g, "");
    return t.replace(/[^\p{L}\p{N}_\s-]/gu, " ").replace(/\s+/gu, " ").trim();
  }

  function EmergencyNet(data) {
    this.patterns = data.patterns.map(function (p) { return new RegExp(p, data.flags); });
    this.ordinary = data.ordinary_question ? new RegExp(data.ordinary_question, data.flags) : null;
    this.english = (data.english_patterns || []).map(function (p) { return new RegExp(p, data.flags); });
  }

  // "en" when the text matches an English emergency pattern, so the 112 line is in English.
  EmergencyNet.prototype.language = function (text) {
    var folded = normalise(text);
    return this.english.some(function (p) { return p.test(folded); }) ? "en" : null;
  };

  EmergencyNet.prototype.matches = function (text) {
    if (!text) return false;
    var folded = normalise(text) + (text.indexOf("?") >= 0 ? " ?" : "");
    if (this.ordinary && this.ordinary.test(folded)) return false;
    return this.patterns.some(function (p) { return p.test(folded); });
  };

  Widget.prototype.loadEmergencyNet = function () {
    var self = this;
    if (this.emergencyNet) return;
    var stored = this.store.get("emergency");
    if (stored) {
      try {
        this.emergencyNet = new EmergencyNet(JSON.parse(stored));
        return;
      } catch (e) {
        this.store.remove("emergency");
      }
    }
    fetch(this.serverUrl().replace(/\/webhook$/, "/emergency"), { method: "GET", credentials: "omit" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      }).then(function (data) {
        self.emergencyNet = new EmergencyNet(data);
        self.store.set("emergency", JSON.stringify(data));
      }).catch(function () { /* tried again when the chat opens; the server's answer still has 112 */ });
  };

  Widget.prototype.build = function () {
    var o = this.opts, id = this.id, self = this;

    this.root = el("div", { className: "vrtc", "data-vrt-chat": "" });
    this.root.style.setProperty("--vrtc-primary", o.primaryColor);
    this.root.style.setProperty("--vrtc-on-primary", o.primaryTextColor);
    this.root.style.setProperty("--vrtc-accent", o.accentColor);

    this.launcherText = el("span", { text: TEXT.launcher });
    this.launcher = el("button", {
      type: "button", className: "vrtc-launcher", "aria-expanded": "false", "aria-controls": id + "-panel"
    }, [icon(ICON_CHAT), this.launcherText]);

    this.titleEl = el("h2", { className: "vrtc-title", id: id + "-title", text: o.title });
    this.newButton = el("button", {
      type: "button", className: "vrtc-new", "aria-label": TEXT.newChatLabel
    }, [TEXT.newChat]);
    this.closeButton = el("button", {
      type: "button", className: "vrtc-close", "aria-label": TEXT.close
    }, [icon(ICON_CLOSE)]);
    this.langButton = el("button", { type: "button", className: "vrtc-lang" });

    // Two rows: title and close button; subtitle and "Nieuw gesprek".
    var header = el("div", { className: "vrtc-header" }, [
      this.titleEl,
      this.closeButton,
      this.subtitleEl = el("p", { className: "vrtc-subtitle", id: id + "-subtitle", text: o.subtitle || TEXT.subtitle }),
      this.langButton,
      this.newButton
    ]);

    this.emergencyText = el("strong", { text: TEXT.emergency });
    var emergency = el("p", { className: "vrtc-emergency" }, [this.emergencyText]);
    // Crisis notices: always in the page (empty when there is none), so a new one is announced.
    this.noticeEl = el("div", {
      className: "vrtc-notices", role: "region", "aria-label": TEXT.noticeRegion,
      "aria-live": "polite", "aria-atomic": "true"
    });
    this.noticeKey = "";

    this.log = el("ol", { className: "vrtc-log", id: id + "-log", "aria-label": TEXT.logLabel, tabindex: "0" });
    // New bot messages are read out from here; the visible list above is not live.
    this.announcer = el("div", { className: "vrtc-sr", "aria-live": "polite", "aria-atomic": "false" });

    this.typingText = el("span", { className: "vrtc-typing-text", text: TEXT.typing + "…" });
    this.typing = el("div", { className: "vrtc-typing", hidden: true }, [
      el("span", { className: "vrtc-dots", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]),
      this.typingText
    ]);

    this.errorEl = el("div", { className: "vrtc-error", role: "alert", hidden: true });

    this.input = el("textarea", {
      id: id + "-input", className: "vrtc-input", rows: "2", maxlength: String(o.maxLength),
      placeholder: TEXT.placeholder, autocomplete: "off",
      "aria-describedby": id + "-counter " + id + "-hint"
    });
    this.counter = el("span", { className: "vrtc-counter", id: id + "-counter", text: TEXT.counter(0, o.maxLength) });
    this.sendText = el("span", { className: "vrtc-send-text", text: TEXT.send });
    this.sendButton = el("button", { type: "submit", className: "vrtc-send" }, [icon(ICON_SEND), this.sendText]);
    this.inputLabel = el("label", { className: "vrtc-sr", "for": id + "-input", text: TEXT.inputLabel });
    this.hint = el("span", { className: "vrtc-hint", id: id + "-hint", text: TEXT.disclaimer + " " + TEXT.counterHint(o.maxLength) });
    this.form = el("form", { className: "vrtc-form", novalidate: true }, [
      this.inputLabel,
      el("div", { className: "vrtc-input-row" }, [this.input, this.sendButton]),
      el("div", { className: "vrtc-form-info" }, [this.hint, this.counter])
    ]);

    this.panel = el("section", {
      className: "vrtc-panel", id: id + "-panel", role: "dialog",
      "aria-labelledby": id + "-title", "aria-describedby": id + "-subtitle", hidden: true
    }, [header, emergency, this.noticeEl, this.log, this.typing, this.errorEl, this.announcer, this.form]);

    this.root.appendChild(this.launcher);
    this.root.appendChild(this.panel);

    var container = o.container;
    if (typeof container === "string") container = document.querySelector(container);
    (container || document.body).appendChild(this.root);

    this.launcher.addEventListener("click", function () { self.open(true); });
    this.closeButton.addEventListener("click", function () { self.close(); });
    this.newButton.addEventListener("click", function () { self.newConversation(); });
    this.langButton.addEventListener("click", function () { self.switchLanguage(); });
    this.applyTexts();
    this.panel.addEventListener("keydown", function (e) {
      if (e.key === "Escape" || e.key === "Esc") {
        e.preventDefault();
        self.close();
      }
    });
    this.input.addEventListener("input", function () { self.updateCounter(); });
    this.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        self.submit();
      }
    });
    this.form.addEventListener("submit", function (e) {
      e.preventDefault();
      self.submit();
    });
  };

  /** Puts the widget's own texts in its language (this.lang); messages keep their own `lang`. */
  Widget.prototype.applyTexts = function () {
    TEXT = TEXTS[this.lang];
    var o = this.opts;
    this.root.setAttribute("lang", this.lang);
    this.launcherText.textContent = TEXT.launcher;
    this.subtitleEl.textContent = o.subtitle || TEXT.subtitle;
    this.newButton.textContent = TEXT.newChat;
    this.newButton.setAttribute("aria-label", TEXT.newChatLabel);
    this.closeButton.setAttribute("aria-label", TEXT.close);
    this.langButton.textContent = TEXT.switchText;
    this.langButton.setAttribute("lang", TEXT.switchTo);
    this.langButton.setAttribute("aria-label", TEXT.switchLabel);
    this.emergencyText.textContent = TEXT.emergency;
    this.log.setAttribute("aria-label", TEXT.logLabel);
    this.noticeEl.setAttribute("aria-label", TEXT.noticeRegion);
    if (this.notices) this.showNotices(this.notices);
    this.typingText.textContent = TEXT.typing + "…";
    this.input.setAttribute("placeholder", TEXT.placeholder);
    this.inputLabel.textContent = TEXT.inputLabel;
    this.sendText.textContent = TEXT.send;
    this.hint.textContent = TEXT.disclaimer + " " + TEXT.counterHint(o.maxLength);
    if (!this.errorEl.hidden) this.errorEl.textContent = TEXT.error;
    this.updateCounter();
  };

  Widget.prototype.setLanguage = function (lang) {
    if (!TEXTS[lang] || lang === this.lang) return;
    this.lang = lang;
    this.store.set("lang", lang);
    this.applyTexts();
  };

  /** The switch: the widget's texts at once, the bot's answers from its confirmation on. */
  Widget.prototype.switchLanguage = function () {
    var target = TEXT.switchTo;
    this.setLanguage(target);
    this.send("/taal_kiezen" + JSON.stringify({ taal: target }), { silent: true });
  };

  Widget.prototype.updateCounter = function () {
    var n = this.input.value.length, max = this.opts.maxLength;
    this.counter.textContent = TEXT.counter(n, max);
    this.counter.classList.toggle("vrtc-counter--full", n >= max);
  };

  Widget.prototype.isOpen = function () { return !this.panel.hidden; };

  Widget.prototype.open = function (focusInput) {
    this.panel.hidden = false;
    this.launcher.hidden = true;
    this.launcher.setAttribute("aria-expanded", "true");
    this.root.classList.add("vrtc--open");
    this.store.set("open", "1");
    if (!this.store.get("sender")) this.startConversation();
    this.loadEmergencyNet();
    this.pollNotices();
    this.scrollToEnd();
    if (focusInput) this.input.focus();
  };

  /** Asks for the active notices now and then every noticePollSeconds while the chat is open. */
  Widget.prototype.pollNotices = function () {
    var self = this;
    clearTimeout(this.noticeTimer);
    if (!this.isOpen()) return;
    fetch(this.noticeUrl(), { method: "GET", cache: "no-store" }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (data) {
      self.showNotices(data && Array.isArray(data.notices) ? data.notices : []);
    }).catch(function () {
      // Unknown: keep what is shown; the next poll tries again.
    });
    this.noticeTimer = setTimeout(function () { self.pollNotices(); },
      Math.max(1, Number(this.opts.noticePollSeconds) || DEFAULTS.noticePollSeconds) * 1000);
  };

  /** Replaces the banner only when the notices changed, so the live region speaks once per change. */
  Widget.prototype.showNotices = function (notices) {
    notices = notices.filter(function (n) { return n && typeof n.title === "string" && typeof n.text === "string"; });
    // Staff's English text (tekst_en) in English, when they gave one; the title stays as published.
    var english = this.lang === "en";
    var key = JSON.stringify([this.lang, notices.map(function (n) { return [n.id, n.title, n.text, n.text_en, n.time, n.link]; })]);
    this.notices = notices;
    if (key === this.noticeKey) return;
    this.noticeKey = key;
    var box = this.noticeEl;
    while (box.firstChild) box.removeChild(box.firstChild);
    notices.forEach(function (n) {
      var meta = el("p", { className: "vrtc-notice-meta" }, [TEXT.noticePosted(String(n.date || ""), String(n.time || ""))]);
      var href = typeof n.link === "string" ? safeHref(n.link) : null;
      if (href) {
        meta.appendChild(document.createTextNode(" "));
        var a = el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, [TEXT.noticeLink]);
        a.appendChild(el("span", { className: "vrtc-sr", text: TEXT.newTab }));
        meta.appendChild(a);
      }
      var text = el("p", { className: "vrtc-notice-text" });
      var body = english && typeof n.text_en === "string" && n.text_en ? n.text_en : n.text;
      renderText(text, body);
      // Staff write in Dutch; screen readers must know which parts are English.
      text.setAttribute("lang", body === n.text ? "nl" : "en");
      box.appendChild(el("div", { className: "vrtc-notice" }, [
        el("h3", { className: "vrtc-notice-title" }, [TEXT.noticeRegion + ": ", el("span", { lang: "nl", text: n.title })]),
        text, meta
      ]));
    });
    if (notices.length) box.setAttribute("tabindex", "0");
    else box.removeAttribute("tabindex");
  };

  Widget.prototype.close = function () {
    clearTimeout(this.noticeTimer);
    this.panel.hidden = true;
    this.launcher.hidden = false;
    this.launcher.setAttribute("aria-expanded", "false");
    this.root.classList.remove("vrtc--open");
    this.store.set("open", "0");
    this.launcher.focus();
  };

  Widget.prototype.sender = function () {
    var s = this.store.get("sender");
    if (!s) {
      s = randomId();
      this.store.set("sender", s);
    }
    return s;
  };

  Widget.prototype.startConversation = function () {
    this.sender();
    if (this.opts.welcomePayload) this.send(this.opts.welcomePayload, { silent: true });
  };

  Widget.prototype.newConversation = function () {
    this.store.remove("sender");
    this.store.remove("messages");
    this.messages = [];
    while (this.log.firstChild) this.log.removeChild(this.log.firstChild);
    this.hideError();
    this.input.value = "";
    this.updateCounter();
    this.startConversation();
    this.input.focus();
  };

  Widget.prototype.save = function () {
    var list = this.messages.slice(-MAX_STORED_MESSAGES);
    this.store.set("messages", JSON.stringify(list));
  };

  Widget.prototype.restore = function () {
    var raw = this.store.get("messages");
    if (raw) {
      try {
        var list = JSON.parse(raw);
        if (Array.isArray(list)) {
          var self = this;
          list.forEach(function (m) {
            if (m && typeof m.text === "string" && (m.from === "bot" || m.from === "user")) {
              self.messages.push(m);
              self.renderMessage(m, false);
            }
          });
        }
      } catch (e) {
        this.store.remove("messages");
      }
    }
    var open = this.store.get("open");
    if (open === "1" || (open === null && this.opts.startOpen)) this.open(false);
  };

  Widget.prototype.addMessage = function (m, announce) {
    m.id = m.id || randomId();
    this.messages.push(m);
    this.save();
    var node = this.renderMessage(m, announce);
    this.scrollToEnd();
    return node;
  };

  Widget.prototype.renderMessage = function (m, announce) {
    var self = this;
    var isBot = m.from === "bot";
    var lang = m.lang || this.lang;
    var li = el("li", {
      className: "vrtc-msg " + (isBot ? "vrtc-msg--bot" : "vrtc-msg--user"), "data-id": m.id, lang: lang
    });
    var bubble = el("div", { className: "vrtc-bubble" });
    var texts = TEXTS[lang] || TEXT;
    bubble.appendChild(el("span", { className: "vrtc-sr", text: (isBot ? texts.bot : texts.you) + " " }));
    var textEl = el("span", { className: "vrtc-text" });
    if (isBot) renderText(textEl, m.text);
    else textEl.textContent = m.text;
    bubble.appendChild(textEl);
    li.appendChild(bubble);

    if (m.failed) li.appendChild(el("span", { className: "vrtc-failed", text: TEXT.notSent }));

    if (isBot && Array.isArray(m.bron) && m.bron.length) li.appendChild(renderSources(m.bron, texts));

    if (isBot && Array.isArray(m.buttons) && m.buttons.length) {
      var group = el("div", { className: "vrtc-quick", role: "group", "aria-label": TEXT.choices });
      m.buttons.forEach(function (b) {
        if (!b || typeof b.title !== "string" || typeof b.payload !== "string") return;
        var btn = el("button", { type: "button", className: "vrtc-quick-btn" }, [b.title]);
        btn.addEventListener("click", function () {
          self.send(b.payload, { display: b.title });
        });
        group.appendChild(btn);
      });
      li.appendChild(group);
    }

    if (isBot && m.rateable) li.appendChild(this.renderFeedback(m));

    this.log.appendChild(li);
    if (announce && isBot) {
      var line = el("p", { lang: lang, text: texts.bot + " " + m.text });
      this.announcer.appendChild(line);
      while (this.announcer.childNodes.length > 5) this.announcer.removeChild(this.announcer.firstChild);
    }
    return li;
  };

  /** The "Bron" line under an answer: source names, linked only where the bot gives a link. */
  function renderSources(sources, texts) {
    var line = el("p", { className: "vrtc-source" }, [texts.source + " "]);
    sources.forEach(function (source, i) {
      if (i) line.appendChild(document.createTextNode("; "));
      var href = source.link ? safeHref(source.link) : null;
      if (href) {
        var a = el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, [source.naam]);
        a.appendChild(el("span", { className: "vrtc-sr", text: texts.newTab }));
        line.appendChild(a);
      } else {
        line.appendChild(document.createTextNode(source.naam));
      }
    });
    return line;
  }

  /** Sources of an answer from the bot's `custom.bron` message: [{naam, link?}]. */
  function readSources(custom) {
    if (!custom || !Array.isArray(custom.bron)) return [];
    return custom.bron.filter(function (s) { return s && typeof s.naam === "string" && s.naam; })
      .map(function (s) {
        var source = { naam: s.naam };
        if (typeof s.link === "string" && s.link) source.link = s.link;
        return source;
      });
  }

  Widget.prototype.renderFeedback = function (m) {
    var self = this;
    var wrap = el("div", { className: "vrtc-feedback", role: "group", "aria-label": TEXT.feedbackGroup });
    var status = el("span", { className: "vrtc-feedback-status", role: "status" });
    var up = el("button", {
      type: "button", className: "vrtc-thumb vrtc-thumb--up", "aria-label": TEXT.feedbackUp,
      "aria-pressed": m.feedback === "positief" ? "true" : "false", "data-feedback": "positief"
    }, [icon(ICON_UP)]);
    var down = el("button", {
      type: "button", className: "vrtc-thumb vrtc-thumb--down", "aria-label": TEXT.feedbackDown,
      "aria-pressed": m.feedback === "negatief" ? "true" : "false", "data-feedback": "negatief"
    }, [icon(ICON_DOWN)]);
    if (m.feedback) {
      up.disabled = down.disabled = true;
      status.textContent = TEXT.feedbackThanks;
    }
    function rate(value) {
      if (m.feedback) return;
      up.disabled = down.disabled = true;
      (value === "positief" ? up : down).setAttribute("aria-pressed", "true");
      self.sendFeedback(m, value).then(function (ok) {
        if (ok) {
          m.feedback = value;
          self.save();
          status.textContent = TEXT.feedbackThanks;
        } else {
          up.disabled = down.disabled = false;
          up.setAttribute("aria-pressed", "false");
          down.setAttribute("aria-pressed", "false");
        }
      });
    }
    up.addEventListener("click", function () { rate("positief"); });
    down.addEventListener("click", function () { rate("negatief"); });
    wrap.appendChild(el("span", { className: "vrtc-feedback-label", "aria-hidden": "true", text: TEXT.feedbackGroup }));
    wrap.appendChild(up);
    wrap.appendChild(down);
    wrap.appendChild(status);
    return wrap;
  };

  Widget.prototype.scrollToEnd = function () {
    this.log.scrollTop = this.log.scrollHeight;
  };

  /** Shows a new reply from its start: to the end if it fits, else its first line at the top. */
  Widget.prototype.scrollToReply = function (first) {
    var top = first.offsetTop - 8;
    var end = this.log.scrollHeight - this.log.clientHeight;
    this.log.scrollTop = Math.max(0, Math.min(top, end));
  };

  Widget.prototype.showError = function () {
    this.errorEl.hidden = false;
    this.errorEl.textContent = TEXT.error;
  };

  Widget.prototype.hideError = function () {
    this.errorEl.hidden = true;
    this.errorEl.textContent = "";
  };

  Widget.prototype.setTyping = function (delta) {
    this.pending = Math.max(0, this.pending + delta);
    this.typing.hidden = this.pending === 0;
    this.root.classList.toggle("vrtc--busy", this.pending > 0);
    if (this.pending) this.scrollToEnd();
  };

  Widget.prototype.post = function (message, metadata) {
    var self = this;
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, self.opts.requestTimeoutMs) : null;
    var body = { sender: this.sender(), message: message };
    if (metadata) body.metadata = metadata;
    return fetch(this.serverUrl(), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      // An overloaded site answers 503 with a reply shaped like Rasa's ("Het is nu erg druk..."),
      // and 429 to a client above its limit (nginx: "Er komen nu te veel berichten...", the Rasa
      // server itself in make run: "Je stuurt veel berichten..."): both shown.
      if (response.status === 503 || response.status === 429) {
        return response.json().catch(function () { return null; }).then(function (data) {
          var busy = new Error("HTTP " + response.status);
          if (Array.isArray(data)) busy.replies = data;
          throw busy;
        });
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (data) {
      if (!Array.isArray(data)) throw new Error("unexpected response");
      return data;
    }).catch(function (err) {
      if (err && err.name === "AbortError") err.timedOut = true;
      throw err;
    }).finally(function () {
      if (timer) clearTimeout(timer);
    });
  };

  /** Bot messages from a reply: text, buttons, and the source that follows an answer. */
  function botMessages(replies) {
    var shown = [];
    replies.forEach(function (r) {
      // A source arrives as its own message right after the answer it belongs to.
      if (r && r.custom && shown.length) {
        var sources = readSources(r.custom);
        if (sources.length) shown[shown.length - 1].bron = sources;
      }
      if (!r || (typeof r.text !== "string" && !Array.isArray(r.buttons))) return;
      shown.push({
        from: "bot",
        lang: TEXTS[r.lang] || r.lang === "de" ? r.lang : undefined,
        text: typeof r.text === "string" ? r.text : "",
        buttons: Array.isArray(r.buttons) ? r.buttons.map(function (b) {
          return { title: String(b.title), payload: String(b.payload) };
        }) : []
      });
    });
    return shown;
  }

  Widget.prototype.showBotMessages = function (shown) {
    var self = this, first = null;
    shown.forEach(function (m) {
      var node = self.addMessage(m, true);
      first = first || node;
    });
    if (first) this.scrollToReply(first);
  };

  Widget.prototype.submit = function () {
    var text = this.input.value.replace(/\s+$/, "").replace(/^\s+/, "");
    if (!text) {
      this.input.focus();
      return;
    }
    text = text.slice(0, this.opts.maxLength);
    // Text typed by a resident is never taken as a "/intent" command (Rasa would skip the NLU).
    var message = text.replace(/^[\s\/]+/, "");
    if (!message) message = text.replace(/\//g, " ");
    this.input.value = "";
    this.updateCounter();
    this.send(message, { display: text, typed: true });
    this.input.focus();
  };

  /** Sends a message or button payload and shows the replies. */
  Widget.prototype.send = function (message, opt) {
    var self = this;
    opt = opt || {};
    var userMsg = null;
    if (!opt.silent) userMsg = this.addMessage({ from: "user", text: opt.display || message }, false);
    if (opt.typed && this.emergencyNet && this.emergencyNet.matches(opt.display)) {
      // Before the request: an emergency never waits for a busy or unreachable server.
      var lang = this.emergencyNet.language(opt.display) || this.lang;
      this.scrollToReply(this.addMessage({ from: "bot", lang: lang, text: TEXTS[lang].emergencyNow, buttons: [] }, true));
    }
    this.setTyping(1);
    return this.post(message).then(function (replies) {
      self.hideError();
      var shown = botMessages(replies);
      // The bot answers in the resident's language: the widget and the question follow it.
      var answered = shown.filter(function (m) { return TEXTS[m.lang]; }).map(function (m) { return m.lang; }).pop();
      if (answered) {
        self.setLanguage(answered);
        if (userMsg) {
          userMsg.setAttribute("lang", answered);
          var asked = self.messages.filter(function (m) { return m.id === userMsg.getAttribute("data-id"); })[0];
          if (asked) asked.lang = answered;
        }
      }
      // The last message of a reply is the answer residents can rate.
      if (shown.length && !opt.silent) shown[shown.length - 1].rateable = true;
      self.showBotMessages(shown);
    }).catch(function (err) {
      var busy = err && err.replies ? botMessages(err.replies).filter(function (m) { return m.text; }) : [];
      if (busy.length || (err && err.timedOut)) {
        // Overloaded or over the limit (503 or 429 with a reply) or no answer in time: an honest
        // message in the conversation.
        self.hideError();
        if (userMsg && busy.length) self.markNotSent(userMsg);
        self.showBotMessages(busy.length ? busy : [{ from: "bot", text: TEXT.timeout, buttons: [] }]);
        return;
      }
      if (userMsg) self.markNotSent(userMsg);
      self.showError();
    }).finally(function () {
      self.setTyping(-1);
    });
  };

  Widget.prototype.markNotSent = function (userMsg) {
    var id = userMsg.getAttribute("data-id");
    var stored = this.messages.filter(function (m) { return m.id === id; })[0];
    if (stored) {
      stored.failed = true;
      this.save();
    }
    userMsg.appendChild(el("span", { className: "vrtc-failed", text: TEXT.notSent }));
  };

  /** Thumbs up/down: stored in the conversation tracker as intent `feedback`. */
  Widget.prototype.sendFeedback = function (m, value) {
    var self = this;
    var payload = "/feedback" + JSON.stringify({ feedback: value });
    return this.post(payload, { feedback: value, antwoord: m.text.slice(0, 1000), antwoord_id: m.id })
      .then(function () { self.hideError(); return true; })
      .catch(function () { self.showError(); return false; });
  };

  var currentScript = document.currentScript;
  var api = {
    version: "1.0.0",
    instance: null,
    init: function (options) {
      if (api.instance) return api.instance;
      var opts = assign({}, DEFAULTS, readScriptOptions(currentScript), window.VRTChatConfig, options);
      opts.maxLength = Math.max(1, Math.min(2000, parseInt(opts.maxLength, 10) || DEFAULTS.maxLength));
      api.instance = new Widget(opts);
      return api.instance;
    }
  };
  api.emergencyNet = function (data) { return new EmergencyNet(data); };  // for tests
  window.VRTChat = api;

  var auto = !(currentScript && currentScript.dataset && currentScript.dataset.autoInit === "false");
  if (auto) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { api.init(); });
    else api.init();
  }
})();
