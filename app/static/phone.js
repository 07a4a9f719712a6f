/* The participant page's controller: the live slide's state, this participant's answers, and
 * what the page shows (the question's form from its type's script, the answer as sent with its
 * confirmation, the room's results, notices). Its parts, loaded before it in the same bundle:
 *   phone/storage.js     what the phone keeps across reloads (token, drafts, unsent answer)
 *   phone/outbox.js      sends the answer until the server confirms or refuses it
 *   phone/connection.js  joining, the live socket, the state over HTTP while it is down
 *   phone/nickname.js    the nickname asked first in a deck with a quiz
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
  // The standard privacy sentence in the language this phone speaks (a deck's own text stays).
  var privacyNote = document.getElementById("privacy-note");
  if (privacyNote && privacyNote.getAttribute("data-" + lang)) {
    privacyNote.textContent = privacyNote.getAttribute("data-" + lang);
  }
  document.documentElement.setAttribute("lang", lang);

  var Types = window.RondvraagTypes;
  var LATE_NOTICE_MS = 3000;
  var API = "/api/sessions/" + encodeURIComponent(code);
  var storage = window.RondvraagPhoneStorage(code);

  /* ---------------------------------------------------------------- page state */

  var S = {
    state: null, // the last state shown
    version: -1,
    acceptAny: true, // the first state after (re)connecting is taken whatever its version
    answers: {}, // question id -> answer the server holds
    rounds: {}, // question id -> round last seen (a new round clears the answer)
    sinceConnect: {}, // questions whose answer was confirmed since the socket began connecting
    results: null, // RESULT for the live slide
    resultsVersion: -1,
    sendStatus: null, // "sending" | "pending" | "ok" for the live question
    slideKey: null,
    viewKey: null,
    mode: "form", // "form" | "done" for the live interactive slide
    draft: null, // the live question's draft as its form edits it
    dirty: false,
    notice: null, // {text, kind, at}
    gone: false // the session ended or is gone: the page says its last word
  };

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
  // A timed question's countdown (state.timer, from the server's remaining_ms: a phone whose
  // clock is wrong still shows the right time left). A timer role is not read out each second.
  var timerBox = el("p", "countdown");
  var countdown = new window.RondvraagCountdown(timerBox, t, { unit: " s", low: 5 });
  app.appendChild(timerBox);
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

  /** The deck was edited while this page was open (it reloads on save) and now asks a type
   * this page was not sent: load the page again, once per type, which brings its script. */
  function missingType(slide) {
    if (!slide || !slide.interactive || Types.get(slide.type)) return false;
    var key = "rondvraag:type-reload:" + code + ":" + slide.type;
    try {
      if (window.sessionStorage.getItem(key)) return false;
      window.sessionStorage.setItem(key, "1");
    } catch (e) {
      return false;
    }
    window.location.reload();
    return true;
  }

  /** A question this page can ask: the server says it is one, and its type's script is here. */
  function isInteractive(slide) {
    return !!(slide && slide.interactive && Types.get(slide.type));
  }

  /** A type whose form stays up while voting is open (its answer is built by several
   * requests of its own, ctx.post) and whose results are its list to act on: shown before
   * this participant's first answer too, and updated in place (its box is not cleared). */
  function keepsForm(slide) {
    var type = Types.get(slide.type);
    return !!(type && type.keepsForm);
  }

  function draftFromAnswer(slide, answer) {
    return Types.get(slide.type).draft(slide, answer);
  }

  function liveRound() {
    return S.state && typeof S.state.round === "number" ? S.state.round : 0;
  }

  /** The unsent draft of this question in its current round, if the person edited one. */
  function savedDraft(slide) {
    return storage.draft(slide.id, liveRound());
  }

  /** What a type's code may do on this page (see types/registry.js). */
  function typeContext(slide, extra) {
    var ctx = {
      slide: slide,
      t: t,
      el: el,
      lang: lang,
      // Has this person taken part yet? (A join slide mid-talk is not "the first question".)
      started: Object.keys(S.answers).length > 0 || !!outbox.pending(),
      position: (S.state && S.state.position) || { index: 0, total: 0 },
      button: button,
      api: API,
      participant: storage.token(),
      state: S.state,
      draft: function () {
        return S.draft;
      },
      setDraft: function (draft) {
        S.draft = draft;
      },
      changed: function () {
        S.dirty = true;
        storage.keepDraft(slide.id, liveRound(), S.draft);
      },
      submit: function (answer) {
        submitAnswer(slide, answer);
      },
      // For types whose answer is built by several requests of their own (`keepsForm`):
      // POST to a path under this session's API as this participant; resolves
      // {status, body, retryAfter}, rejects when the network fails.
      post: function (path, payload) {
        var sent = { participant: storage.token() };
        Object.keys(payload || {}).forEach(function (k) {
          sent[k] = payload[k];
        });
        return L.fetchJSON(API + path, { method: "POST", body: sent }, 15000);
      },
      /** The answer the server holds for this question (or undefined), and a newer one. */
      held: function () {
        return knownAnswer(slide.id);
      },
      keep: function (answer) {
        S.answers[slide.id] = answer;
        S.sinceConnect[slide.id] = true;
        renderResults(); // the results show what this participant did
      }
    };
    Object.keys(extra || {}).forEach(function (k) {
      ctx[k] = extra[k];
    });
    return ctx;
  }

  /** The answer this phone believes in for a question: pending beats confirmed. */
  function knownAnswer(questionId) {
    if (outbox.holds(questionId)) return outbox.pending().answer;
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
    if (missingType(slide)) return;
    if (slide && isInteractive(slide) && typeof st.round === "number") {
      var before = S.rounds[slide.id];
      S.rounds[slide.id] = st.round;
      if (before !== undefined && before !== st.round) {
        // The presenter started a new round: earlier answers no longer count.
        delete S.answers[slide.id];
        outbox.drop(slide.id);
        storage.dropDraft(slide.id);
        S.slideKey = null;
        S.viewKey = null; // the form is drawn afresh, empty
        S.draft = null;
        S.results = null; // the new round's results come
        S.resultsVersion = -1;
      }
    }
    var key = slide ? slide.id + "|" + JSON.stringify(slide) : "none";
    if (key !== S.slideKey) {
      S.slideKey = key;
      // The same slide with more to say (a quiz's right answer once its timer is over) keeps
      // the room's results it has; another slide starts without.
      if (!slide || !S.results || S.results.id !== slide.id) {
        S.results = null;
        S.resultsVersion = -1;
      }
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
        S.mode = known === undefined || saved !== undefined || keepsForm(slide) ? "form" : "done";
        S.draft = saved !== undefined ? saved : draftFromAnswer(slide, known);
        S.dirty = saved !== undefined;
        S.sendStatus =
          outbox.holds(slide.id) ? "pending" : known === undefined ? null : "ok";
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
    if (outbox.holds(msg.question)) return; // ours is newer
    if (keepsForm(slide)) {
      renderResults(); // the type's list shows what this participant did
      return;
    }
    if (has && S.mode === "form" && !S.dirty) {
      S.mode = "done";
      S.sendStatus = "ok";
      S.draft = draftFromAnswer(slide, msg.answer);
    } else if (!has && S.mode === "done") {
      S.mode = "form";
      S.sendStatus = null;
      S.draft = draftFromAnswer(slide, undefined);
    } else if (S.mode !== "form") {
      S.viewKey = null; // redraw the summary with the answer as the server now has it
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
      connection.send({ type: "resync" }); // a change we cannot apply: ask for the whole view
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
    var asking = nickname.needed(st) && !!storage.token();
    var viewKey =
      S.slideKey + "|" + (st && st.voting_open ? "open" : "closed") + "|" + S.mode + "|" + asking;
    if (viewKey !== S.viewKey) {
      S.viewKey = viewKey;
      clear(slideBox);
      clear(afterBox);
      slideBox.className = "slide slide-" + (asking ? "nickname" : slide ? slide.type : "none");
      var type = slide ? Types.get(slide.type) : null;
      if (asking) nickname.render(slideBox);
      else if (!slide) renderWaiting(t("wait.next"));
      else if (isInteractive(slide)) renderInteractive(slide);
      else if (type && type.phoneSlide) type.phoneSlide(slide, slideBox, typeContext(slide));
      else renderWaiting(t("wait.next"));
    }
    renderTimer(asking ? null : st);
    updateSendStatus();
    renderNotice();
    renderResults();
  }

  function renderTimer(st) {
    countdown.set(st);
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
    var s = slide && outbox.holds(slide.id) ? S.sendStatus || "pending" : S.sendStatus;
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
    storage.dropDraft(slide.id);
    outbox.put(slide.id, answer);
    S.mode = "done";
    S.dirty = false;
    S.sendStatus = "sending";
    setNotice(null);
    render();
    // Focus follows the answer to its confirmation (the form that had it is gone).
    statusBox.focus({ preventScroll: false });
    outbox.send();
  }

  function setSendStatus(question, status) {
    var slide = liveSlide();
    if (slide && slide.id === question) {
      S.sendStatus = status;
      updateSendStatus();
    }
  }

  /* ---------------------------------------------------------------- the outbox's news */

  /** A send began ("sending") or failed and waits for its retry ("pending"). A phone that says
   * it is waiting keeps saying so while it retries. */
  function outboxStatus(question, status) {
    if (status === "sending" && S.sendStatus === "pending") return;
    setSendStatus(question, status);
  }

  function answerAccepted(question, answer, replaced) {
    S.answers[question] = answer;
    S.sinceConnect[question] = true;
    if (replaced) return; // the newer answer is on its way
    setSendStatus(question, "ok");
    var slide = liveSlide();
    if (slide && slide.id === question) {
      S.draft = draftFromAnswer(slide, S.answers[question]);
      S.viewKey = null; // redraw the summary with the answer as stored
      render();
    }
  }

  /** The server will never take this answer as it is: say why, and give the form back. */
  function answerRefused(p, status, data) {
    var slide = liveSlide();
    var live = slide && slide.id === p.question;
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
    var type = slide ? Types.get(slide.type) : null;
    if (type && type.keepsForm) {
      var shows = !!(r && r.id === slide.id && S.state.results_visible && type.phoneResult);
      if (!shows) {
        resultsBox.hidden = true;
        clear(resultsBox);
        return;
      }
      resultsBox.hidden = false;
      type.phoneResult(slide, r, resultsBox, typeContext(slide, { mine: knownAnswer(slide.id) }));
      return;
    }
    var show = !!(r && slide && r.id === slide.id && S.state.results_visible && r.responses > 0 && mayShow);
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
    connection.stop();
    outbox.stop();
    setBanner(false);
    clear(app);
    var box = el("div", "gone");
    box.appendChild(el("h1", className + " gone-title", text)); // the page's heading now
    var a = el("a", "btn btn-primary", t("load.home"));
    a.setAttribute("href", "/");
    box.appendChild(a);
    app.appendChild(box);
  }

  /* ---------------------------------------------------------------- the parts */

  var connection = window.RondvraagPhoneConnection({
    code: code,
    api: API,
    storage: storage,
    connecting: function () {
      S.sinceConnect = {}; // answers confirmed from now on may be newer than its snapshot
    },
    open: function () {
      S.acceptAny = true;
      S.resultsVersion = -1; // results are numbered per server run
      outbox.send();
    },
    message: function (msg) {
      if (msg.type === "state") applyState(msg, true);
      else if (msg.type === "results") applyResults(msg);
      else if (msg.type === "answer") applyAnswer(msg);
      else if (msg.type === "answers") applyAnswers(msg);
    },
    polled: function (st) {
      applyState(st, false);
    },
    offline: setBanner,
    joined: function () {
      setNotice(null);
      outbox.send();
      if (S.state) render(); // a quiz deck asks the new participant's nickname now
    },
    waiting: function (reason) {
      if (reason === "busy") setNotice(t("join.busy"), "info");
      else setNotice(t(reason === "session_full" ? "join.full" : "join.locked"), "error");
    },
    gone: showGone,
    ended: showEnded
  });

  var nickname = window.RondvraagPhoneNickname({
    api: API,
    storage: storage,
    t: t,
    el: el,
    done: function () {
      S.viewKey = null; // draw the form again (its error, or the slide once named)
      render();
    }
  });

  var outbox = window.RondvraagOutbox({
    api: API,
    storage: storage,
    status: outboxStatus,
    accepted: answerAccepted,
    refused: answerRefused,
    tokenRefused: connection.rejoin,
    gone: showGone
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

  function start() {
    var first = firstState();
    // The page's answers are this participant's when the phone goes on with the page's join.
    if (connection.takePageJoin(first.join) && first.answers) applyAnswers({ answers: first.answers });
    if (first.state) applyState(first.state, false);
    if (S.gone) return;
    connection.start();
  }

  start();
})();
