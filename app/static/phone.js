/* The participant page: join, follow the live slide over the WebSocket, answer it, and keep an
 * answer safe in localStorage until the server has confirmed it.
 * Plain ES2017 (no ?. or ??, no modules) so that old phones run it. Participant text and labels
 * are always set with textContent; only the server-rendered body_html of content slides is HTML. */
(function () {
  "use strict";

  var L = window.RondvraagLive;
  var I = window.RondvraagI18n;
  var el = L.el;
  var clear = L.clear;

  var body = document.body;
  var code = body.getAttribute("data-code") || "";
  var lang = I.pickLanguage(body.getAttribute("data-language"), true);
  var t = I.translator(lang);
  document.documentElement.setAttribute("lang", lang);

  var API = "/api/sessions/" + encodeURIComponent(code);
  var TOKEN_KEY = "rondvraag:p:" + code;
  var PENDING_KEY = "rondvraag:pending:" + code;
  // The join key from the QR code's URL: it lets a full room behind one address join at once.
  var keyMatch = /[?&]k=([a-z0-9]{1,16})(?:&|$)/.exec(window.location.search);
  var JOIN_KEY = keyMatch ? keyMatch[1] : null;
  var INTERACTIVE = { choice: true, wordcloud: true, open: true, scales: true };

  /* ---------------------------------------------------------------- storage (with fallback) */

  var memory = {};
  function storeGet(key) {
    try {
      var v = window.localStorage.getItem(key);
      if (v !== null) return v;
    } catch (e) {
      /* storage blocked (private mode, old Safari): memory only */
    }
    return Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : null;
  }
  function storeSet(key, value) {
    memory[key] = value;
    try {
      window.localStorage.setItem(key, value);
    } catch (e) {
      /* memory copy is enough */
    }
  }
  function storeDel(key) {
    delete memory[key];
    try {
      window.localStorage.removeItem(key);
    } catch (e) {
      /* ignore */
    }
  }
  function loadPending() {
    var raw = storeGet(PENDING_KEY);
    if (!raw) return null;
    try {
      var p = JSON.parse(raw);
      if (p && typeof p.question === "string" && p.answer !== undefined) return p;
    } catch (e) {
      /* corrupt: drop */
    }
    storeDel(PENDING_KEY);
    return null;
  }

  /* ---------------------------------------------------------------- app state */

  var S = {
    token: storeGet(TOKEN_KEY),
    state: null, // the last state shown
    version: -1,
    acceptAny: true, // the first state after (re)connecting is taken whatever its version
    answers: {}, // question id -> answer the server holds
    rounds: {}, // question id -> round last seen (a new round clears the answer)
    results: null, // RESULT for the live slide
    resultsVersion: -1,
    pending: loadPending(), // {question, answer} not yet confirmed by the server
    inflight: false,
    sendStatus: null, // "sending" | "pending" | "ok" for the live question
    slideKey: null,
    viewKey: null,
    mode: "form", // "form" | "done" for the live interactive slide
    draft: null,
    dirty: false,
    notice: null, // {text, kind}
    gone: false,
    rejoins: 0,
    sinceConnect: {} // questions whose answer was confirmed since the socket began connecting
  };
  var retryBackoff = new L.Backoff();
  var retryTimer = null;
  var joinBackoff = new L.Backoff();

  /* ---------------------------------------------------------------- DOM skeleton */

  var app = document.getElementById("app");
  var banner = document.getElementById("conn-banner");
  clear(app);
  var noticeBox = el("div", "notice", "");
  noticeBox.setAttribute("role", "alert");
  noticeBox.hidden = true;
  var slideBox = el("section", "slide");
  var resultsBox = el("section", "results");
  // The deck's own text is in the deck's language (hyphenation, screen readers), even when
  // the interface follows the phone's language.
  var deckLanguage = body.getAttribute("data-language");
  if (deckLanguage) {
    slideBox.setAttribute("lang", deckLanguage);
    resultsBox.setAttribute("lang", deckLanguage);
  }
  resultsBox.hidden = true;
  app.appendChild(slideBox);
  app.appendChild(noticeBox);
  app.appendChild(resultsBox);
  slideBox.appendChild(el("p", "wait", t("load.joining")));

  function setBanner(show) {
    banner.textContent = t("conn.reconnecting");
    banner.hidden = !show;
  }

  function setNotice(text, kind) {
    S.notice = text ? { text: text, kind: kind || "error" } : null;
    renderNotice();
  }

  function renderNotice() {
    if (!S.notice) {
      noticeBox.hidden = true;
      noticeBox.textContent = "";
      return;
    }
    noticeBox.hidden = false;
    noticeBox.className = "notice notice-" + S.notice.kind;
    // "Too late" concerns an earlier question: say it first. Form errors go under the form.
    var anchor = S.notice.kind === "late" ? slideBox : resultsBox;
    if (noticeBox.nextSibling !== anchor) app.insertBefore(noticeBox, anchor);
    noticeBox.textContent = S.notice.text;
  }

  /* ---------------------------------------------------------------- helpers */

  function liveSlide() {
    return S.state && S.state.slide ? S.state.slide : null;
  }

  function isInteractive(slide) {
    return !!(slide && INTERACTIVE[slide.type]);
  }

  function toList(answer) {
    if (answer === null || answer === undefined) return [];
    return Array.isArray(answer) ? answer.slice() : [answer];
  }

  function copy(obj) {
    return JSON.parse(JSON.stringify(obj));
  }

  function draftFromAnswer(slide, answer) {
    if (slide.type === "choice") {
      var ids = {};
      (slide.options || []).forEach(function (o) {
        ids[o.id] = true;
      });
      return toList(answer).filter(function (id) {
        return ids[id];
      });
    }
    if (slide.type === "scales") {
      return answer && typeof answer === "object" && !Array.isArray(answer) ? copy(answer) : {};
    }
    var list = toList(answer).map(String);
    return list.length ? list : [""];
  }

  /** The answer this phone believes in for a question: pending beats confirmed. */
  function knownAnswer(questionId) {
    if (S.pending && S.pending.question === questionId) return S.pending.answer;
    return Object.prototype.hasOwnProperty.call(S.answers, questionId)
      ? S.answers[questionId]
      : undefined;
  }

  function heading(slide, box) {
    if (slide.title && slide.type !== "content") box.appendChild(el("p", "slide-kicker", slide.title));
    box.appendChild(el("h1", "slide-prompt", slide.prompt || slide.title || ""));
    if (slide.subtitle) box.appendChild(el("p", "slide-subtitle", slide.subtitle));
  }

  function button(className, text, onClick) {
    var b = el("button", "btn " + className, text);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  /* ---------------------------------------------------------------- state handling */

  function applyState(st, fromSocket) {
    if (!st || typeof st !== "object") return;
    var v = typeof st.version === "number" ? st.version : 0;
    if (!(fromSocket && S.acceptAny) && v < S.version) return; // equal: same state, fresh counts
    if (fromSocket) S.acceptAny = false;
    S.version = v;
    S.state = st;
    if (st.ended) {
      showEnded();
      return;
    }
    var slide = liveSlide();
    if (slide && isInteractive(slide) && typeof st.round === "number") {
      var before = S.rounds[slide.id];
      S.rounds[slide.id] = st.round;
      if (before !== undefined && before !== st.round) {
        // The presenter started a new round: earlier answers no longer count.
        delete S.answers[slide.id];
        if (S.pending && S.pending.question === slide.id) dropPending(S.pending);
        S.slideKey = null;
      }
    }
    var key = slide ? slide.id + "|" + JSON.stringify(slide) : "none";
    if (key !== S.slideKey) {
      S.slideKey = key;
      S.results = null;
      S.resultsVersion = -1;
      S.dirty = false;
      if (S.notice && S.notice.kind !== "late") setNotice(null);
      if (slide && isInteractive(slide)) {
        var known = knownAnswer(slide.id);
        S.mode = known === undefined ? "form" : "done";
        S.draft = draftFromAnswer(slide, known);
        S.sendStatus =
          S.pending && S.pending.question === slide.id ? "pending" : known === undefined ? null : "ok";
      }
    }
    render();
  }

  function applyAnswer(msg) {
    if (typeof msg.question !== "string") return;
    var has = msg.answer !== null && msg.answer !== undefined;
    if (has) S.answers[msg.question] = msg.answer;
    else delete S.answers[msg.question];
    var slide = liveSlide();
    if (!slide || slide.id !== msg.question || !isInteractive(slide)) return;
    if (S.pending && S.pending.question === msg.question) return; // ours is newer
    if (has && S.mode === "form" && !S.dirty) {
      S.mode = "done";
      S.sendStatus = "ok";
      S.draft = draftFromAnswer(slide, msg.answer);
    } else if (!has && S.mode === "done") {
      S.mode = "form";
      S.sendStatus = null;
      S.draft = draftFromAnswer(slide, undefined);
    }
    render();
  }

  /** All of this participant's answers in the current rounds (sent on connect). */
  function applyAnswers(msg) {
    var all = msg.answers;
    if (!all || typeof all !== "object") return;
    var mine = S.answers;
    S.answers = {};
    Object.keys(all).forEach(function (q) {
      if (all[q] !== null && all[q] !== undefined) S.answers[q] = all[q];
    });
    // Answers confirmed since this socket began connecting may be newer than its snapshot.
    Object.keys(S.sinceConnect).forEach(function (q) {
      if (mine[q] !== undefined) S.answers[q] = mine[q];
    });
    var slide = liveSlide();
    if (slide && isInteractive(slide)) {
      applyAnswer({ question: slide.id, answer: S.answers[slide.id] });
    }
  }

  function applyResults(msg) {
    var slide = liveSlide();
    if (!msg.result || !slide || msg.result.id !== slide.id) return;
    var v = typeof msg.version === "number" ? msg.version : 0;
    if (v < S.resultsVersion) return;
    var r = L.resultFrom(msg, S.results, S.resultsVersion);
    if (!r) {
      socket.send({ type: "resync" }); // a change we cannot apply: ask for the whole view
      return;
    }
    S.resultsVersion = v;
    S.results = r;
    renderResults();
  }

  /* ---------------------------------------------------------------- rendering */

  function render() {
    if (S.gone) return;
    var slide = liveSlide();
    var st = S.state;
    var viewKey =
      S.slideKey + "|" + (st && st.voting_open ? "open" : "closed") + "|" + S.mode;
    if (viewKey !== S.viewKey) {
      S.viewKey = viewKey;
      clear(slideBox);
      slideBox.className = "slide slide-" + (slide ? slide.type : "none");
      if (!slide) renderWaiting(t("wait.next"));
      else if (slide.type === "content") renderContent(slide);
      else if (slide.type === "join") renderJoin();
      else if (isInteractive(slide)) renderInteractive(slide);
      else renderWaiting(t("wait.next"));
    }
    updateSendStatus();
    renderNotice();
    renderResults();
  }

  function renderWaiting(text) {
    var box = el("div", "waiting");
    box.appendChild(el("div", "waiting-dots", "• • •"));
    box.appendChild(el("p", "wait", text));
    slideBox.appendChild(box);
  }

  function renderJoin() {
    var box = el("div", "waiting waiting-join");
    box.appendChild(el("h1", "slide-prompt", t("wait.welcome")));
    box.appendChild(el("p", "wait", t("wait.first")));
    box.appendChild(el("p", "wait-sub", t("wait.look")));
    slideBox.appendChild(box);
  }

  function renderContent(slide) {
    if (slide.title) slideBox.appendChild(el("h1", "slide-prompt", slide.title));
    if (slide.body_html) {
      var div = el("div", "content-body");
      div.innerHTML = slide.body_html; // server-rendered, raw HTML escaped by the server
      slideBox.appendChild(div);
    }
    if (slide.links && slide.links.length) {
      var ul = el("ul", "content-links");
      slide.links.forEach(function (link) {
        var li = el("li");
        li.appendChild(L.safeLink(link, "btn btn-link"));
        ul.appendChild(li);
      });
      slideBox.appendChild(ul);
    }
    var w = el("p", "wait wait-footer", t("wait.next"));
    slideBox.appendChild(w);
  }

  function renderInteractive(slide) {
    heading(slide, slideBox);
    var open = !!S.state.voting_open;
    if (!open) {
      renderClosed(slide);
      return;
    }
    if (S.mode === "done") {
      renderDone(slide);
      return;
    }
    var form = el("form", "answer-form");
    form.setAttribute("novalidate", "");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      submitDraft(slide);
    });
    if (slide.type === "choice") renderChoiceForm(slide, form);
    else if (slide.type === "scales") renderScalesForm(slide, form);
    else renderTextForm(slide, form);
    slideBox.appendChild(form);
  }

  function renderClosed(slide) {
    var box = el("div", "closed");
    box.appendChild(el("p", "closed-title", t("vote.closed")));
    var answer = knownAnswer(slide.id);
    if (answer === undefined) box.appendChild(el("p", "closed-none", t("vote.none")));
    else box.appendChild(summary(slide, answer));
    slideBox.appendChild(box);
    var status = el("p", "send-status");
    status.id = "send-status";
    slideBox.appendChild(status);
  }

  function renderDone(slide) {
    var status = el("p", "send-status");
    status.id = "send-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    slideBox.appendChild(status);
    var answer = knownAnswer(slide.id);
    if (answer !== undefined) slideBox.appendChild(summary(slide, answer));
    slideBox.appendChild(
      button("btn-secondary btn-change", t("vote.change"), function () {
        S.mode = "form";
        S.dirty = true;
        S.draft = draftFromAnswer(slide, knownAnswer(slide.id));
        setNotice(null);
        render();
      })
    );
  }

  function updateSendStatus() {
    var node = document.getElementById("send-status");
    if (!node) return;
    var slide = liveSlide();
    var s = slide && S.pending && S.pending.question === slide.id ? S.sendStatus || "pending" : S.sendStatus;
    if (S.state && !S.state.voting_open && s === "ok") s = null;
    node.className = "send-status send-status-" + (s || "none");
    if (s === "sending") node.textContent = t("vote.sending");
    else if (s === "pending") node.textContent = t("vote.pending");
    else if (s === "ok") node.textContent = t("vote.received");
    else node.textContent = "";
    node.hidden = !s;
  }

  /** A read-only view of an answer: what the participant sent. */
  function summary(slide, answer) {
    var box = el("div", "summary");
    box.appendChild(el("p", "summary-label", t("vote.yours")));
    var ul = el("ul", "summary-list");
    if (slide.type === "choice") {
      var labels = {};
      (slide.options || []).forEach(function (o) {
        labels[o.id] = o.label;
      });
      toList(answer).forEach(function (id) {
        ul.appendChild(el("li", "summary-item", labels[id] !== undefined ? labels[id] : id));
      });
    } else if (slide.type === "scales") {
      var values = answer && typeof answer === "object" ? answer : {};
      (slide.statements || []).forEach(function (st) {
        if (values[st.id] === undefined || values[st.id] === null) return;
        var li = el("li", "summary-item summary-scale");
        li.appendChild(el("span", "summary-scale-label", st.label));
        li.appendChild(el("span", "summary-scale-value", values[st.id]));
        ul.appendChild(li);
      });
    } else {
      toList(answer).forEach(function (text) {
        ul.appendChild(el("li", "summary-item", text));
      });
    }
    box.appendChild(ul);
    return box;
  }

  /* --- choice */

  function renderChoiceForm(slide, form) {
    var max = Math.max(1, slide.multiple || 1);
    var picked = S.draft || [];
    form.appendChild(
      el("p", "hint", max === 1 ? t("choice.pickone") : t("choice.pickmany", { n: max }))
    );
    var list = el("div", "choices");
    var buttons = [];
    var counter = el("p", "hint choice-count");
    var send = el("button", "btn btn-primary btn-send", t("vote.send"));
    send.type = "submit";

    function sync() {
      buttons.forEach(function (b) {
        var on = picked.indexOf(b.getAttribute("data-id")) >= 0;
        b.setAttribute("aria-pressed", on ? "true" : "false");
        b.className = "btn choice" + (on ? " choice-on" : "");
        b.disabled = max > 1 && !on && picked.length >= max;
      });
      counter.textContent = t("choice.count", { k: picked.length, n: max });
      send.disabled = picked.length === 0;
    }

    (slide.options || []).forEach(function (opt) {
      var b = el("button", "btn choice");
      b.type = "button";
      b.setAttribute("data-id", opt.id);
      b.appendChild(el("span", "choice-mark", ""));
      b.appendChild(el("span", "choice-label", opt.label));
      b.addEventListener("click", function () {
        if (max === 1) {
          picked = [opt.id];
          S.draft = picked;
          sync();
          submitAnswer(slide, opt.id);
          return;
        }
        var i = picked.indexOf(opt.id);
        if (i >= 0) picked.splice(i, 1);
        else if (picked.length < max) picked.push(opt.id);
        S.draft = picked;
        S.dirty = true;
        sync();
      });
      buttons.push(b);
      list.appendChild(b);
    });
    form.appendChild(list);
    if (max > 1) {
      form.appendChild(counter);
      form.appendChild(send);
    }
    sync();
  }

  /* --- wordcloud / open */

  function renderTextForm(slide, form) {
    var max = Math.max(1, slide.max_answers || 1);
    var maxLen = Math.max(1, slide.max_length || 280);
    var multiline = slide.type === "open" && maxLen > 60;
    if (!S.draft || !S.draft.length) S.draft = [""];
    if (max > 1) form.appendChild(el("p", "hint", t("text.upto", { n: max })));
    var list = el("div", "text-inputs");
    form.appendChild(list);
    var add = button("btn-secondary btn-add", t("text.add"), function () {
      if (S.draft.length >= max) return;
      S.draft.push("");
      var input = addInput(S.draft.length - 1);
      syncAdd();
      input.focus();
    });

    function syncAdd() {
      add.hidden = S.draft.length >= max;
    }

    function addInput(index) {
      var wrap = el("div", "text-field");
      var input = el(multiline ? "textarea" : "input", "text-input");
      if (!multiline) {
        input.type = "text";
        input.setAttribute("enterkeyhint", "send");
      } else {
        input.rows = 3;
      }
      input.setAttribute("maxlength", String(maxLen));
      input.setAttribute("autocomplete", "off");
      input.setAttribute("autocapitalize", "sentences");
      var label = max > 1 ? t("text.placeholderN", { i: index + 1 }) : t("text.placeholder");
      input.setAttribute("placeholder", label);
      input.setAttribute("aria-label", label);
      input.value = S.draft[index] || "";
      var counter = el("span", "text-counter", "");
      function count() {
        var left = maxLen - input.value.length;
        counter.textContent = left <= Math.min(40, maxLen / 2) ? t("text.remaining", { n: left }) : "";
      }
      input.addEventListener("input", function () {
        S.draft[index] = input.value;
        S.dirty = true;
        count();
      });
      count();
      wrap.appendChild(input);
      wrap.appendChild(counter);
      list.appendChild(wrap);
      return input;
    }

    for (var i = 0; i < S.draft.length && i < max; i++) addInput(i);
    form.appendChild(add);
    syncAdd();
    var send = el("button", "btn btn-primary btn-send", t("vote.send"));
    send.type = "submit";
    form.appendChild(send);
  }

  /* --- scales */

  function renderScalesForm(slide, form) {
    var scale = slide.scale || { min: 1, max: 5 };
    var values = S.draft || {};
    S.draft = values;
    form.appendChild(el("p", "hint", t("scales.rate")));
    (slide.statements || []).forEach(function (st) {
      var row = el("fieldset", "scale");
      row.appendChild(el("legend", "scale-label", st.label));
      var btns = el("div", "scale-buttons");
      var all = [];
      function sync() {
        all.forEach(function (b) {
          var on = values[st.id] === Number(b.getAttribute("data-value"));
          b.className = "btn scale-btn" + (on ? " scale-on" : "");
          b.setAttribute("aria-pressed", on ? "true" : "false");
        });
      }
      // Rows of at most 5 buttons, so each stays >= 48 px wide on a 360 px phone.
      var count = scale.max - scale.min + 1;
      var perRow = count <= 5 ? count : count <= 10 ? Math.ceil(count / 2) : Math.ceil(count / 3);
      for (var v = scale.min; v <= scale.max; v++) {
        (function (value) {
          var b = el("button", "btn scale-btn", value);
          b.style.width = "calc(" + (100 / perRow).toFixed(3) + "% - 8px)";
          b.type = "button";
          b.setAttribute("data-value", String(value));
          b.addEventListener("click", function () {
            values[st.id] = value;
            S.dirty = true;
            sync();
          });
          all.push(b);
          btns.appendChild(b);
        })(v);
      }
      row.appendChild(btns);
      if (scale.min_label || scale.max_label) {
        var ends = el("div", "scale-ends");
        ends.appendChild(el("span", "scale-end scale-end-min", scale.min_label || ""));
        ends.appendChild(el("span", "scale-end scale-end-max", scale.max_label || ""));
        row.appendChild(ends);
      }
      sync();
      form.appendChild(row);
    });
    var send = el("button", "btn btn-primary btn-send", t("vote.send"));
    send.type = "submit";
    form.appendChild(send);
  }

  /* ---------------------------------------------------------------- answering */

  function submitDraft(slide) {
    if (slide.type === "choice") {
      if (!S.draft || !S.draft.length) return;
      var max = Math.max(1, slide.multiple || 1);
      submitAnswer(slide, max === 1 ? S.draft[0] : S.draft.slice(0, max));
      return;
    }
    if (slide.type === "scales") {
      var answer = {};
      var any = false;
      (slide.statements || []).forEach(function (st) {
        var v = S.draft && S.draft[st.id];
        if (typeof v === "number") {
          answer[st.id] = v;
          any = true;
        }
      });
      if (!any) {
        setNotice(t("scales.missing"), "error");
        return;
      }
      submitAnswer(slide, answer);
      return;
    }
    var seen = {};
    var entries = (S.draft || []).map(function (s) {
      return String(s).replace(/\s+/g, " ").trim();
    }).filter(function (s) {
      var k = s.toLowerCase();
      if (!s || seen[k]) return false;
      seen[k] = true;
      return true;
    });
    if (!entries.length) {
      setNotice(t("text.empty"), "error");
      return;
    }
    var maxAnswers = Math.max(1, slide.max_answers || 1);
    submitAnswer(slide, maxAnswers === 1 ? entries[0] : entries.slice(0, maxAnswers));
  }

  function submitAnswer(slide, answer) {
    S.pending = { question: slide.id, answer: answer };
    storeSet(PENDING_KEY, JSON.stringify(S.pending));
    S.mode = "done";
    S.dirty = false;
    S.sendStatus = "sending";
    setNotice(null);
    retryBackoff.reset();
    render();
    sendPending();
  }

  /** Try the pending answer again: after the server's Retry-After when it gave one (a busy
   * server says how long to wait), else after the jittered backoff. */
  function scheduleRetry(retryAfter) {
    if (retryTimer) return;
    var delay = retryBackoff.next();
    if (retryAfter) delay = Math.max(delay, retryAfter * 1000 * (1 + Math.random() / 4));
    retryTimer = window.setTimeout(function () {
      retryTimer = null;
      sendPending();
    }, delay);
  }

  function setSendStatus(question, status) {
    var slide = liveSlide();
    if (slide && slide.id === question) {
      S.sendStatus = status;
      updateSendStatus();
    }
  }

  function sendPending() {
    if (!S.pending || S.inflight || !S.token || S.gone) return;
    if (retryTimer) {
      window.clearTimeout(retryTimer);
      retryTimer = null;
    }
    var p = S.pending;
    S.inflight = true;
    if (S.sendStatus !== "pending") setSendStatus(p.question, "sending");
    L.fetchJSON(
      API + "/responses",
      { method: "POST", body: { participant: S.token, question: p.question, answer: p.answer } },
      15000
    ).then(
      function (res) {
        S.inflight = false;
        handleSendResult(p, res.status, res.body || {}, res.retryAfter);
      },
      function () {
        S.inflight = false;
        if (S.pending === p) {
          setSendStatus(p.question, "pending");
          scheduleRetry();
        } else {
          sendPending();
        }
      }
    );
  }

  function dropPending(p) {
    if (S.pending === p) {
      S.pending = null;
      storeDel(PENDING_KEY);
    }
  }

  function handleSendResult(p, status, data, retryAfter) {
    var replaced = S.pending !== p;
    var slide = liveSlide();
    var live = slide && slide.id === p.question;
    if (status >= 200 && status < 300) {
      S.answers[p.question] = data.answer !== undefined ? data.answer : p.answer;
      S.sinceConnect[p.question] = true;
      S.rejoins = 0;
      retryBackoff.reset();
      dropPending(p);
      if (replaced) {
        sendPending();
        return;
      }
      setSendStatus(p.question, "ok");
      if (live) {
        S.draft = draftFromAnswer(slide, S.answers[p.question]);
        S.viewKey = null; // redraw the summary with the answer as stored
        render();
      }
      return;
    }
    if (replaced) {
      sendPending();
      return;
    }
    if ((status === 401 || status === 403) && S.rejoins < 2) {
      // The token was refused (server secret changed, storage wiped): join again, then resend.
      S.rejoins += 1;
      storeDel(TOKEN_KEY);
      S.token = null;
      join();
      return;
    }
    if (status === 429 || status >= 500 || status === 0) {
      setSendStatus(p.question, "pending");
      scheduleRetry(retryAfter);
      return;
    }
    if (status === 404 && data && data.error === "unknown_session") {
      showGone();
      return;
    }
    // A definite no (400, 404, 409, 413...): the answer will never be accepted as it is.
    dropPending(p);
    var detail = data && typeof data.detail === "string" && data.detail ? data.detail : t("vote.error");
    if (status === 409 && data && data.error === "session_ended") {
      showEnded();
      return;
    }
    if (status === 409) {
      // not_live or voting_closed: the question moved on before the answer got there.
      setNotice(t("vote.toolate"), "late");
      if (live) {
        S.sendStatus = null;
        S.mode = knownAnswer(p.question) === undefined ? "form" : "done";
        render();
      }
      return;
    }
    if (live) {
      S.mode = "form";
      S.sendStatus = null;
      S.draft = draftFromAnswer(slide, p.answer);
      S.dirty = true;
      render();
    }
    setNotice(detail, "error");
  }

  /* ---------------------------------------------------------------- results on the phone */

  function pct(n, total) {
    return total > 0 ? Math.round((100 * n) / total) : 0;
  }

  function renderResults() {
    var slide = liveSlide();
    var r = S.results;
    // Nothing to show before the first response: keep the screen calm. And no peeking: a
    // participant sees the room's answers only after giving their own, or once voting closed,
    // so the results cannot steer their answer.
    var mayShow = !!slide && (knownAnswer(slide.id) !== undefined || !S.state.voting_open);
    var show = !!(r && slide && r.id === slide.id && S.state.results_visible && r.responses > 0 && mayShow);
    if (!show) {
      resultsBox.hidden = true;
      clear(resultsBox);
      return;
    }
    clear(resultsBox);
    resultsBox.hidden = false;
    var head = el("div", "results-head");
    head.appendChild(el("h2", "results-title", t("results.title")));
    head.appendChild(el("span", "results-count", t.count("results.responses", r.responses || 0)));
    resultsBox.appendChild(head);
    var mine = knownAnswer(slide.id);
    if (r.type === "choice") {
      var picked = toList(mine);
      (slide.options || []).forEach(function (o) {
        var n = (r.counts && r.counts[o.id]) || 0;
        var row = el("div", "rbar" + (picked.indexOf(o.id) >= 0 ? " rbar-mine" : ""));
        var top = el("div", "rbar-top");
        top.appendChild(el("span", "rbar-label", o.label));
        top.appendChild(el("span", "rbar-num", n + " · " + pct(n, r.responses) + "%"));
        row.appendChild(top);
        var track = el("div", "rbar-track");
        var fill = el("div", "rbar-fill");
        fill.style.width = pct(n, r.responses) + "%";
        track.appendChild(fill);
        row.appendChild(track);
        resultsBox.appendChild(row);
      });
    } else if (r.type === "wordcloud") {
      var words = Object.keys(r.counts || {}).map(function (w) {
        return [w, r.counts[w]];
      });
      words.sort(function (a, b) {
        return b[1] - a[1];
      });
      var top1 = words.length ? words[0][1] : 1;
      var ul = el("ul", "rwords");
      words.slice(0, 30).forEach(function (w) {
        var li = el("li", "rword");
        li.appendChild(el("span", "rword-text", w[0]));
        li.appendChild(el("span", "rword-count", w[1]));
        li.style.fontSize = (1 + (0.8 * w[1]) / top1).toFixed(2) + "em";
        ul.appendChild(li);
      });
      resultsBox.appendChild(ul);
    } else if (r.type === "scales") {
      var scale = slide.scale || { min: 1, max: 5 };
      var span = scale.max - scale.min || 1;
      (slide.statements || []).forEach(function (st) {
        var data = (r.statements && r.statements[st.id]) || {};
        var row = el("div", "rscale");
        row.appendChild(el("p", "rscale-label", st.label));
        var line = el("div", "rscale-line");
        var track = el("div", "rscale-track");
        if (typeof data.mean === "number") {
          var dot = el("span", "rscale-dot");
          dot.style.left = ((100 * (data.mean - scale.min)) / span).toFixed(1) + "%";
          track.appendChild(dot);
        }
        line.appendChild(el("span", "rscale-end", scale.min));
        line.appendChild(track);
        line.appendChild(el("span", "rscale-end", scale.max));
        row.appendChild(line);
        row.appendChild(
          el(
            "p",
            "rscale-mean",
            typeof data.mean === "number"
              ? t("results.mean") + " " + data.mean.toFixed(1).replace(".", lang === "nl" ? "," : ".")
              : "–"
          )
        );
        resultsBox.appendChild(row);
      });
    } else if (r.type === "open") {
      var list = el("ul", "ranswers");
      (r.answers || []).slice().reverse().slice(0, 40).forEach(function (a) {
        list.appendChild(el("li", "ranswer", a));
      });
      resultsBox.appendChild(list);
    }
  }

  /* ---------------------------------------------------------------- session gone */

  function showGone() {
    showFinal(t("load.gone"), "notice notice-error");
  }

  /** The presenter ended the session: it takes no more answers; say thank you. */
  function showEnded() {
    showFinal(t("ended.thanks"), "notice notice-ok");
  }

  function showFinal(text, className) {
    if (S.gone) return;
    S.gone = true;
    socket.stop();
    setBanner(false);
    clear(app);
    var box = el("div", "gone");
    box.appendChild(el("p", className, text));
    var a = el("a", "btn btn-primary", t("load.home"));
    a.setAttribute("href", "/");
    box.appendChild(a);
    app.appendChild(box);
  }

  /* ---------------------------------------------------------------- joining and the socket */

  var socket = new L.LiveSocket({
    path: function () {
      S.sinceConnect = {}; // called as each socket starts connecting
      var q = S.token ? "?participant=" + encodeURIComponent(S.token) : "";
      return "/ws/sessions/" + encodeURIComponent(code) + q;
    },
    onOpen: function () {
      S.acceptAny = true;
      S.resultsVersion = -1; // results are numbered per server run
      setBanner(false);
      sendPending();
    },
    onMessage: function (msg) {
      if (msg.type === "state") applyState(msg, true);
      else if (msg.type === "results") applyResults(msg);
      else if (msg.type === "answer") applyAnswer(msg);
      else if (msg.type === "answers") applyAnswers(msg);
    },
    onDown: function (failures) {
      setBanner(true);
      if (failures >= 2) pollState();
    },
    onGone: showGone
  });

  /** While the socket is down, fetch the state over HTTP: keeps the page useful behind proxies
   * that block WebSockets, and tells us when the session is gone (404). */
  function pollState() {
    L.fetchJSON(API, {}, 8000).then(
      function (res) {
        if (res.status === 404) showGone();
        else if (res.status === 200 && res.body) applyState(res.body, false);
      },
      function () {
        /* still offline */
      }
    );
  }

  var socketStarted = false;

  function join() {
    if (S.gone) return;
    var saved = S.token;
    var request = saved ? { participant: saved } : JOIN_KEY ? { key: JOIN_KEY } : {};
    L.fetchJSON(API + "/join", { method: "POST", body: request }, 10000).then(
      function (res) {
        var data = res.body || {};
        if ((res.status === 200 || res.status === 201) && typeof data.participant === "string") {
          S.token = data.participant;
          storeSet(TOKEN_KEY, S.token);
          joinBackoff.reset();
          setNotice(null);
          forgetJoinKey();
          if (!socketStarted) {
            socketStarted = true;
            socket.start();
          } else if (saved !== S.token) {
            socket.connect(); // reconnect with the new token so the server counts us right
          }
          sendPending();
          return;
        }
        if (res.status === 404) {
          showGone();
          return;
        }
        if (res.status === 409 && data.error === "session_ended") {
          showEnded();
          return;
        }
        if (res.status === 409 && (data.error === "session_full" || data.error === "joining_locked")) {
          // Full, or the presenter paused joining: say so, and look again now and then.
          setNotice(t(data.error === "session_full" ? "join.full" : "join.locked"), "error");
          window.setTimeout(join, 15000 * (0.75 + Math.random() / 2));
          return;
        }
        if (saved && res.status >= 400 && res.status < 500 && res.status !== 429) {
          storeDel(TOKEN_KEY); // refused or unreadable token: join fresh
          S.token = null;
          join();
          return;
        }
        if (res.status === 429) {
          setNotice(t("join.busy"), "info"); // the server is there, just busy: no "offline"
          retryJoin(res.retryAfter, false);
          return;
        }
        retryJoin(0, true);
      },
      function () {
        retryJoin(0, true);
      }
    );
  }

  /** Join again later: after Retry-After when the server said how long (plus a little jitter,
   * so a room that was told "wait 3 s" does not come back in the same millisecond). */
  function retryJoin(retryAfter, offline) {
    setBanner(offline);
    var delay = joinBackoff.next();
    if (retryAfter) delay = Math.max(delay, retryAfter * 1000 * (1 + Math.random() / 4));
    window.setTimeout(join, delay);
  }

  /** Once joined, the key has done its job: drop it from the address bar, so a shared or
   * bookmarked link does not carry it. */
  function forgetJoinKey() {
    if (!JOIN_KEY || !window.history || !window.history.replaceState) return;
    try {
      window.history.replaceState(null, "", window.location.pathname);
    } catch (e) {
      /* not allowed here: harmless */
    }
  }

  window.addEventListener("online", function () {
    retryBackoff.reset();
    sendPending();
  });

  join();
})();
