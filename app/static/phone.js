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
  // Unsent edits per question (typed text, picked values), so nothing a person typed is lost
  // when the presenter moves on and back, the page reloads or the connection drops.
  var DRAFTS_KEY = "rondvraag:drafts:" + code;
  // The join key from the QR code's URL: it lets a full room behind one address join at once.
  var keyMatch = /[?&]k=([a-z0-9]{1,16})(?:&|$)/.exec(window.location.search);
  var JOIN_KEY = keyMatch ? keyMatch[1] : null;
  var Types = window.RondvraagTypes;
  var LATE_NOTICE_MS = 3000;

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
  function loadDrafts() {
    try {
      var drafts = JSON.parse(storeGet(DRAFTS_KEY) || "{}");
      if (drafts && typeof drafts === "object" && !Array.isArray(drafts)) return drafts;
    } catch (e) {
      /* corrupt: start afresh */
    }
    return {};
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
    drafts: loadDrafts(), // question id -> {round, draft}: edits not sent yet
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
  // The send confirmation is one node for the page's life: a live region that exists before
  // its text changes is announced by screen readers; one created with its text often is not.
  var statusBox = el("p", "send-status send-status-none");
  statusBox.id = "send-status";
  statusBox.setAttribute("role", "status");
  statusBox.setAttribute("aria-live", "polite");
  statusBox.tabIndex = -1; // focus lands here after answering
  // What follows the confirmation: the answer as sent and the button to change it.
  var afterBox = el("div", "slide-after");
  var resultsBox = el("section", "results");
  // The deck's own text is in the deck's language (hyphenation, screen readers), even when
  // the interface follows the phone's language.
  var deckLanguage = body.getAttribute("data-language");
  if (deckLanguage) {
    slideBox.setAttribute("lang", deckLanguage);
    resultsBox.setAttribute("lang", deckLanguage);
    afterBox.setAttribute("lang", deckLanguage);
  }
  resultsBox.hidden = true;
  app.appendChild(slideBox);
  app.appendChild(statusBox);
  app.appendChild(afterBox);
  app.appendChild(noticeBox);
  app.appendChild(resultsBox);
  slideBox.appendChild(el("p", "wait", t("load.joining")));

  function setBanner(show) {
    banner.textContent = t("conn.reconnecting");
    banner.hidden = !show;
  }

  function setNotice(text, kind) {
    S.notice = text ? { text: text, kind: kind || "error", at: Date.now() } : null;
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

  /** A question this page can ask: the server says it is one, and its type's script is here. */
  function isInteractive(slide) {
    return !!(slide && slide.interactive && Types.get(slide.type));
  }

  function draftFromAnswer(slide, answer) {
    return Types.get(slide.type).draft(slide, answer);
  }

  function liveRound() {
    return S.state && typeof S.state.round === "number" ? S.state.round : 0;
  }

  /** Keep the live question's draft (in this page and in localStorage) as it is now. */
  function keepDraft(slide) {
    S.drafts[slide.id] = { round: liveRound(), draft: S.draft };
    storeSet(DRAFTS_KEY, JSON.stringify(S.drafts));
  }

  function dropDraft(questionId) {
    if (!Object.prototype.hasOwnProperty.call(S.drafts, questionId)) return;
    delete S.drafts[questionId];
    storeSet(DRAFTS_KEY, JSON.stringify(S.drafts));
  }

  /** The unsent draft of this question in its current round, if the person edited one. */
  function savedDraft(slide) {
    var kept = S.drafts[slide.id];
    return kept && kept.round === liveRound() ? kept.draft : undefined;
  }

  /** What a type's code may do on this page (see types/registry.js). */
  function typeContext(slide, extra) {
    var ctx = {
      slide: slide,
      t: t,
      el: el,
      lang: lang,
      // Has this person taken part yet? (A join slide mid-talk is not "the first question".)
      started: Object.keys(S.answers).length > 0 || !!S.pending,
      position: (S.state && S.state.position) || { index: 0, total: 0 },
      button: button,
      draft: function () {
        return S.draft;
      },
      setDraft: function (draft) {
        S.draft = draft;
      },
      changed: function () {
        S.dirty = true;
        keepDraft(slide);
      },
      submit: function (answer) {
        submitAnswer(slide, answer);
      }
    };
    Object.keys(extra || {}).forEach(function (k) {
      ctx[k] = extra[k];
    });
    return ctx;
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
        dropDraft(slide.id);
        S.slideKey = null;
        S.viewKey = null; // the form is drawn afresh, empty
        S.draft = null;
      }
    }
    var key = slide ? slide.id + "|" + JSON.stringify(slide) : "none";
    if (key !== S.slideKey) {
      S.slideKey = key;
      S.results = null;
      S.resultsVersion = -1;
      S.dirty = false;
      // Notices belong to the slide they were said on. "Too late" concerns the slide just
      // left and often comes just before the phone hears of the new one: it stays for that
      // one change, then it goes.
      if (S.notice && !(S.notice.kind === "late" && Date.now() - S.notice.at < LATE_NOTICE_MS)) {
        setNotice(null);
      }
      if (slide && isInteractive(slide)) {
        var known = knownAnswer(slide.id);
        var saved = savedDraft(slide);
        S.mode = known === undefined || saved !== undefined ? "form" : "done";
        S.draft = saved !== undefined ? saved : draftFromAnswer(slide, known);
        S.dirty = saved !== undefined;
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
      clear(afterBox);
      slideBox.className = "slide slide-" + (slide ? slide.type : "none");
      var type = slide ? Types.get(slide.type) : null;
      if (!slide) renderWaiting(t("wait.next"));
      else if (isInteractive(slide)) renderInteractive(slide);
      else if (type && type.phoneSlide) type.phoneSlide(slide, slideBox, typeContext(slide));
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
    Types.get(slide.type).form(typeContext(slide, { form: form }));
    slideBox.appendChild(form);
  }

  function renderClosed(slide) {
    var box = el("div", "closed");
    box.appendChild(el("p", "closed-title", t("vote.closed")));
    var answer = knownAnswer(slide.id);
    var draft = savedDraft(slide);
    var made = draft !== undefined ? Types.get(slide.type).answer(slide, draft) : null;
    if (made && made.answer !== undefined) {
      // Voting closed while the person was still typing: say so, and keep what they wrote
      // (it comes back if the presenter opens voting again).
      box.appendChild(el("p", "closed-draft", t("vote.closedDraft")));
      box.appendChild(summary(slide, made.answer, "vote.unsent"));
    } else if (answer === undefined) box.appendChild(el("p", "closed-none", t("vote.none")));
    else box.appendChild(summary(slide, answer));
    slideBox.appendChild(box);
  }

  function renderDone(slide) {
    var answer = knownAnswer(slide.id);
    if (answer !== undefined) afterBox.appendChild(summary(slide, answer));
    afterBox.appendChild(
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
    var node = statusBox;
    var slide = liveSlide();
    var s = slide && S.pending && S.pending.question === slide.id ? S.sendStatus || "pending" : S.sendStatus;
    if (!slide || !isInteractive(slide)) s = null;
    if (S.state && !S.state.voting_open && s === "ok") s = null;
    node.className = "send-status send-status-" + (s || "none");
    if (s === "sending") node.textContent = t("vote.sending");
    else if (s === "pending") node.textContent = t("vote.pending");
    else if (s === "ok") node.textContent = t("vote.received");
    else node.textContent = "";
  }

  /** A read-only view of an answer: what the participant sent. */
  function summary(slide, answer, labelKey) {
    var box = el("div", "summary");
    box.appendChild(el("p", "summary-label", t(labelKey || "vote.yours")));
    var ul = el("ul", "summary-list");
    Types.get(slide.type).summary(slide, answer, ul, typeContext(slide));
    box.appendChild(ul);
    return box;
  }

  /* ---------------------------------------------------------------- answering */

  function submitDraft(slide) {
    var made = Types.get(slide.type).answer(slide, S.draft);
    if (made.error !== undefined) {
      if (made.error) setNotice(t(made.error), "error");
      return;
    }
    submitAnswer(slide, made.answer);
  }

  function submitAnswer(slide, answer) {
    dropDraft(slide.id);
    S.pending = { question: slide.id, answer: answer };
    storeSet(PENDING_KEY, JSON.stringify(S.pending));
    S.mode = "done";
    S.dirty = false;
    S.sendStatus = "sending";
    setNotice(null);
    retryBackoff.reset();
    render();
    // Focus follows the answer to its confirmation (the form that had it is gone).
    statusBox.focus({ preventScroll: false });
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

  function renderResults() {
    var slide = liveSlide();
    var r = S.results;
    // Nothing to show before the first response: keep the screen calm. And no peeking: a
    // participant sees the room's answers only after giving their own, or once voting closed,
    // so the results cannot steer their answer.
    var mayShow = !!slide && (knownAnswer(slide.id) !== undefined || !S.state.voting_open);
    var show = !!(r && slide && r.id === slide.id && S.state.results_visible && r.responses > 0 && mayShow);
    var type = slide ? Types.get(slide.type) : null;
    if (!show || !type || !type.phoneResult) {
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
    type.phoneResult(slide, r, resultsBox, typeContext(slide, { mine: knownAnswer(slide.id) }));
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
    box.appendChild(el("h1", className + " gone-title", text)); // the page's heading now
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
  var setAside = null; // the page's join, when the phone came with a token of its own

  function join() {
    if (S.gone) return;
    var saved = S.token;
    var request = saved ? { participant: saved } : JOIN_KEY ? { key: JOIN_KEY } : {};
    L.fetchJSON(API + "/join", { method: "POST", body: request }, 10000).then(
      function (res) {
        joinAnswered(res, saved);
      },
      function () {
        retryJoin(0, true);
      }
    );
  }

  /** What a join got ({status, body, retryAfter}, from POST /join or from the page itself):
   * go on with the token, wait and try again, or say why not. */
  function joinAnswered(res, saved) {
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
      var offered = setAside;
      setAside = null;
      if (offered) joinAnswered(pageJoinResponse(offered), null); // the page joined us already
      else join();
      return;
    }
    if (res.status === 429) {
      setNotice(t("join.busy"), "info"); // the server is there, just busy: no "offline"
      retryJoin(res.retryAfter, false);
      return;
    }
    retryJoin(0, true);
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

  /** The state the page came with (app/web/joining.py): the live slide as the websocket's
   * first message has it, the join the server did while rendering the page, and a returning
   * participant's answers. On a slow link the question is drawn without waiting for a join
   * request or the websocket. */
  function firstState() {
    var node = document.getElementById("first-state");
    try {
      var first = node ? JSON.parse(node.textContent) : null;
      if (first && typeof first === "object") return first;
    } catch (e) {
      /* unreadable: start as a page without it */
    }
    return {};
  }

  /** The page's join as POST /join would have answered it. */
  function pageJoinResponse(joined) {
    return { status: joined.status, body: joined, retryAfter: joined.retry_after || 0 };
  }

  function start() {
    var first = firstState();
    var joined = first.join && typeof first.join === "object" ? first.join : null;
    if (joined && S.token && joined.participant !== S.token) {
      // A token this phone kept outranks the page's: its answers were given with it. The
      // page's join is kept in case the server no longer takes the old token.
      if (typeof joined.participant === "string") setAside = joined;
      joined = null;
    }
    if (joined && first.answers) applyAnswers({ answers: first.answers });
    if (first.state) applyState(first.state, false);
    if (S.gone) return;
    if (joined) joinAnswered(pageJoinResponse(joined), S.token);
    else join();
  }

  start();
})();
