/* The projector and remote page: renders the server's state (so a projector and a laptop stay
 * in sync), shows live results, and sends control actions over HTTP.
 * Keys: → / PageDown next, ← / PageUp previous, Space reveal/hide results, O open/close voting,
 * Q QR corner, L lock/open joining, R rehearse the live question with a simulated room (again:
 * end it), F full screen, G split by group / C rounds side by side (facets.js), T start/stop the
 * timer, + 30 s more; A / X / ↑↓ approve, hide, select a held entry (held.js); other keys go to
 * the slide type's view
 * (types/open.js: P pause, [ ] step the answer wall; types/wordcloud.js: W the ranked list).
 * Plain ES2017, no modules. */
(function () {
  "use strict";

  var L = window.RondvraagLive;
  var I = window.RondvraagI18n;
  var Types = window.RondvraagTypes;
  var Facets = window.RondvraagFacets;
  var el = L.el;
  var clear = L.clear;

  var body = document.body;
  var code = body.getAttribute("data-code") || "";
  var shortUrl = body.getAttribute("data-short-url") || "";
  var joinUrl = body.getAttribute("data-join-url") || "";
  var lang = I.pickLanguage(body.getAttribute("data-language"), false);
  var t = I.translator(lang);
  document.documentElement.setAttribute("lang", lang);

  var API = "/api/sessions/" + encodeURIComponent(code);

  var S = {
    state: null,
    version: -1,
    acceptAny: true,
    result: null,
    resultVersion: -1,
    slideKey: null,
    view: null,
    resultsBox: null,
    qrVisible: true,
    serverQr: null,
    slidesKey: null
  };

  var slideBox = document.getElementById("slide");
  var qrCorner = document.getElementById("qr-corner");
  var offline = document.getElementById("offline");
  var toast = document.getElementById("toast");
  var select = document.getElementById("slide-select");
  var controls = document.getElementById("controls");
  var notes = document.getElementById("notes");
  var venue = document.getElementById("venue");
  var st = {
    position: document.getElementById("st-position"),
    connected: document.getElementById("st-connected"),
    responses: document.getElementById("st-responses"),
    voting: document.getElementById("st-voting"),
    hidden: document.getElementById("st-hidden"),
    joins: document.getElementById("st-joins"),
    ended: document.getElementById("st-ended")
  };
  var rehearsalBadge = document.getElementById("rehearsal-badge");
  var qrCornerImg = qrCorner.querySelector("img");
  var qrClosed = document.getElementById("qr-corner-closed");
  qrClosed.textContent = t("present.closed");

  /* ---------------------------------------------------------------- remote mode */

  var forcedRemote = /[?&]remote=1\b/.test(window.location.search);
  var narrow = window.matchMedia ? window.matchMedia("(max-width: 800px)") : null;
  function syncRemote() {
    body.classList.toggle("remote", forcedRemote || !!(narrow && narrow.matches));
  }
  syncRemote();
  if (narrow && narrow.addListener) narrow.addListener(syncRemote); // addListener: old Safari

  Array.prototype.forEach.call(document.querySelectorAll("[data-label]"), function (node) {
    node.textContent = t(node.getAttribute("data-label"));
  });

  /* ---------------------------------------------------------------- helpers */

  function liveSlide() {
    return S.state && S.state.slide ? S.state.slide : null;
  }

  function isInteractive(slide) {
    return !!(slide && slide.interactive);
  }

  var toastTimer = null;
  function showToast(text) {
    toast.textContent = text;
    toast.hidden = false;
    if (toastTimer) window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(function () {
      toast.hidden = true;
    }, 4000);
  }

  function setOffline(down) {
    offline.textContent = t("conn.offline") + " · " + t("conn.reconnecting");
    offline.hidden = !down;
    body.classList.toggle("is-offline", down);
  }

  /* ---------------------------------------------------------------- state */

  function applyState(msg, fromSocket) {
    if (!msg || typeof msg !== "object") return;
    var v = typeof msg.version === "number" ? msg.version : 0;
    if (!(fromSocket && S.acceptAny) && v < S.version) return; // equal: same state, fresh counts
    if (fromSocket) S.acceptAny = false;
    S.version = v;
    S.state = msg;
    var p = msg.presenter || {};
    if (typeof p.qr_visible === "boolean" && p.qr_visible !== S.serverQr) {
      S.serverQr = p.qr_visible;
      S.qrVisible = p.qr_visible;
    }
    var slide = liveSlide();
    var key = slide ? JSON.stringify(slide) + facetKey(msg) : "none";
    if (key !== S.slideKey) {
      S.slideKey = key;
      if (!S.result || !slide || S.result.id !== slide.id) {
        S.result = null;
        S.resultVersion = -1;
      }
      renderSlide(slide);
    }
    renderFlags();
    tellView();
    showTimer();
  }

  /** What the view is drawn for besides the slide: split by group, rounds side by side. */
  function facetKey(msg) {
    var p = msg.presenter || {};
    return "|" + Facets.mode(msg) + "|" + (p.split ? p.split.by : "");
  }

  /** What a question's view may use of this page (types/registry.js). */
  function viewContext() {
    return {
      t: t,
      lang: lang,
      state: function () {
        return S.state;
      },
      control: control,
      api: API,
      remote: function () {
        return body.classList.contains("remote");
      }
    };
  }

  /** A view that orders by whether voting is open (the answer wall) is told so, with the
   * whole state (a timed question's view counts down from its `timer`). */
  function tellView() {
    if (S.view && S.view.voting && S.state) S.view.voting(!!S.state.voting_open, S.state);
  }

  function applyResults(msg) {
    var slide = liveSlide();
    if (!msg.result || typeof msg.result !== "object") return;
    var v = typeof msg.version === "number" ? msg.version : 0;
    if (S.result && S.result.id === msg.result.id && v < S.resultVersion) return;
    var r = L.resultFrom(msg, S.result, S.resultVersion);
    if (!r) {
      socket.send({ type: "resync" }); // a change we cannot apply: ask for the whole view
      return;
    }
    S.result = r;
    S.resultVersion = v;
    held.update(slide && r.id === slide.id ? r : null);
    if (slide && r.id === slide.id && S.view) S.view.update(r);
    renderFlags();
  }

  /* ---------------------------------------------------------------- rendering */

  function renderSlide(slide) {
    clear(slideBox);
    S.view = null;
    S.resultsBox = null;
    slideBox.className = "slide slide-" + (slide ? slide.type : "none");
    body.setAttribute("data-slide-type", slide ? slide.type : "none");
    if (!slide) {
      slideBox.appendChild(el("h1", "prompt", body.getAttribute("data-title") || ""));
      return;
    }
    var type = Types.get(slide.type);
    if (slide.interactive) renderInteractive(slide);
    else if (type && type.projectorSlide) type.projectorSlide(slide, slideBox, slideContext());
  }

  /** What a non-question slide's code may use on the projector (see types/registry.js). */
  function slideContext() {
    return {
      t: t,
      el: el,
      lang: lang,
      code: code,
      title: body.getAttribute("data-title") || "",
      joinUrl: shortUrl || joinUrl,
      qrImage: function (className) {
        var img = el("img", className);
        showQr(img);
        img.setAttribute("alt", "QR");
        return img;
      }
    };
  }

  /** The QR code's address: with the current join key once the server has told us it. */
  function qrSource() {
    var p = (S.state && S.state.presenter) || {};
    return API + "/qr.svg" + (p.join_key ? "?k=" + encodeURIComponent(p.join_key) : "");
  }

  /** Swap a QR image only once the new one has loaded, so the code never blinks. */
  function showQr(img) {
    var src = qrSource();
    if (img.getAttribute("data-src") === src) return;
    img.setAttribute("data-src", src);
    if (!img.getAttribute("src")) {
      img.setAttribute("src", src);
      return;
    }
    var next = new window.Image();
    next.onload = function () {
      if (img.getAttribute("data-src") === src) img.setAttribute("src", src);
    };
    next.src = src;
  }

  function renderInteractive(slide) {
    var head = el("header", "head");
    if (slide.title) head.appendChild(el("p", "kicker", slide.title));
    head.appendChild(el("h1", "prompt", slide.prompt || ""));
    if (slide.subtitle) head.appendChild(el("p", "subtitle", slide.subtitle));
    // As big as the question: the back row must see that voting is over, not a small pill.
    var closed = el("p", "closed-banner", t("present.closed"));
    closed.setAttribute("role", "status");
    closed.hidden = !!(S.state && S.state.voting_open);
    head.appendChild(closed);
    slideBox.appendChild(head);
    var area = el("div", "results-area");
    var box = el("div", "results-box");
    var veil = el("div", "results-veil");
    veil.appendChild(el("p", "results-veil-text", t("results.hidden")));
    // The key to press is for the presenter's own screen (the remote), never the room's.
    veil.appendChild(el("p", "results-veil-hint presenter-only", t("results.hiddenHint")));
    area.appendChild(box);
    area.appendChild(veil);
    slideBox.appendChild(area);
    S.resultsBox = area;
    // Flags first so the results box has its final size before the word cloud measures it.
    renderFlags();
    var type = Types.get(slide.type);
    S.view = Facets.build(type, slide, box, viewContext());
    tellView();
    if (S.view && S.result && S.result.id === slide.id) S.view.update(S.result);
    else if (S.view) S.view.update(emptyResult(slide));
  }

  function emptyResult(slide) {
    return { id: slide.id, type: slide.type, responses: 0, counts: {}, statements: {}, answers: [] };
  }

  /** Everything that changes without a new slide: flags, status line, controls, QR corner. */
  function renderFlags() {
    var s = S.state;
    var slide = liveSlide();
    var p = (s && s.presenter) || {};
    var interactive = isInteractive(slide);
    var hidden = !!(s && interactive && !s.results_visible);
    body.classList.toggle("results-hidden", hidden);
    var votingClosed = !!(s && interactive && !s.voting_open);
    body.classList.toggle("voting-closed", votingClosed);
    var banner = slideBox.querySelector(".closed-banner");
    if (banner && banner.hidden !== !votingClosed) {
      banner.hidden = !votingClosed;
      if (S.view) window.setTimeout(relayout, 50); // the results area changed height
    }
    qrClosed.hidden = !votingClosed;
    if (S.resultsBox) S.resultsBox.classList.toggle("is-hidden", hidden);

    var cornerQr = !!(interactive && S.qrVisible);
    qrCorner.hidden = !cornerQr;
    body.classList.toggle("with-qr", cornerQr);
    showQr(qrCornerImg);
    var slideQr = slideBox.querySelector("img[data-src]");
    if (slideQr) showQr(slideQr);

    // Status line.
    var pos = s && s.position;
    st.position.textContent = pos ? pos.index + 1 + " / " + pos.total : "";
    st.connected.textContent = typeof p.connected === "number" ? t.count("present.connected", p.connected) : "";
    st.connected.title = t("present.connectedTitle");
    var responses = null;
    if (interactive && S.result && S.result.id === slide.id) responses = S.result.responses;
    else if (interactive && typeof p.responses === "number") responses = p.responses;
    st.responses.hidden = responses === null;
    st.responses.textContent = responses === null ? "" : t.count("results.responses", responses || 0);
    st.voting.hidden = !interactive;
    st.voting.textContent = s && s.voting_open ? t("present.open") : t("present.closed");
    st.voting.className = "st st-voting " + (s && s.voting_open ? "is-open" : "is-closed");
    st.hidden.hidden = !hidden;
    st.hidden.textContent = t("results.hidden");
    var locked = !!(s && s.presenter && s.presenter.joining_locked);
    var joins = typeof p.joins_last_minute === "number" ? p.joins_last_minute : null;
    st.joins.hidden = joins === null && !locked;
    st.joins.textContent = locked ? t("present.locked") : t("present.joinsPerMin", { n: joins || 0 });
    st.joins.title = t("present.joinsTitle");
    st.joins.className = "st st-joins" + (locked ? " is-locked" : "");
    var ended = !!(s && s.ended);
    body.classList.toggle("session-ended", ended);
    st.ended.hidden = !ended;
    st.ended.textContent = p.deleted_on
      ? t("present.endedUntil", {
          date: new Date(p.deleted_on + "T12:00:00").toLocaleDateString(
            lang === "nl" ? "nl-BE" : "en-GB",
            { day: "numeric", month: "long", year: "numeric" }
          )
        })
      : t("present.ended");

    // Controls.
    setCtl("voting", s && s.voting_open ? t("present.closeVoting") : t("present.openVoting"), !interactive);
    setCtl("results", s && s.results_visible ? t("present.hide") : t("present.reveal"), !interactive);
    setCtl("reset", null, !interactive);
    var rehearsed = rehearsing(p, slide);
    setCtl(
      "rehearse",
      rehearsed ? t("present.endRehearsal") : t("present.rehearse", { n: REHEARSAL_SIZE }),
      !interactive || ended,
      !!rehearsed
    );
    rehearsalBadge.hidden = !rehearsed;
    rehearsalBadge.textContent = rehearsed ? t("present.rehearsal", { n: rehearsed }) : "";
    setCtl("qr", null, !interactive, S.qrVisible);
    setCtl("split", null, ended, !!p.split);
    setCtl("compare", null, ended, !!p.compare_rounds);
    setCtl("lock", locked ? t("present.unlock") : t("present.lock"), ended, locked);
    setCtl("end", null, ended);
    var idx = pos ? pos.index : -1;
    setCtl("prev", null, !pos || idx <= 0);
    setCtl("next", null, !pos || idx >= pos.total - 1);
    renderSlideList(p.slides, slide);
    renderNotes(typeof p.notes === "string" ? p.notes : "");
    renderVenue(slide, p);
    renderDeckErrors(p);
  }

  /* ---------------------------------------------------------------- the deck file
   * Saved with a mistake, the deck does not reload (the last good one is served): the
   * presenter's screens (projector and remote, never phones) list the problems as FILE:LINE
   * until the file is fixed. Text only: a problem quotes the file, never taken as HTML. */

  var deckErrors = document.getElementById("deck-errors");
  var deckErrorsKey = null;

  function renderDeckErrors(p) {
    var errors = Array.isArray(p.deck_errors) ? p.deck_errors : [];
    var apart = p.deck_in_step === false;
    var key = JSON.stringify([errors, apart]);
    if (key === deckErrorsKey) return;
    deckErrorsKey = key;
    clear(deckErrors);
    deckErrors.hidden = !errors.length && !apart;
    if (errors.length) {
      deckErrors.appendChild(el("p", "deck-errors-title", t("present.deckErrors")));
      var list = el("ul", "deck-errors-list");
      errors.forEach(function (line) {
        list.appendChild(el("li", "deck-error", String(line)));
      });
      deckErrors.appendChild(list);
    }
    if (apart) deckErrors.appendChild(el("p", "deck-errors-apart", t("present.deckOutOfStep")));
  }

  /* ---------------------------------------------------------------- the venue check
   * On the presenter's own screen (the remote), while the join slide is up: how many phones
   * got through, the last test from a phone (/check/CODE) with its round trip, and after a
   * minute without any phone, what guest Wi-Fi does and the hotspot remedy. */

  var VENUE_WAIT_MS = 60000;
  var joinSlideSince = null;
  var venueTimer = null;

  var venueKey = null;

  function renderVenue(slide, p) {
    var onJoin = !!(slide && slide.type === "join");
    if (!onJoin) {
      joinSlideSince = null;
      venueKey = null;
      venue.hidden = true;
      return;
    }
    if (joinSlideSince === null) joinSlideSince = Date.now();
    var participants = typeof p.participants === "number" ? p.participants : 0;
    var reached = p.phone_reached || null;
    var lines = [["venue-count", t.count("venue.reached", participants)]];
    if (reached && typeof reached.rtt_ms === "number") {
      var time = new Date(reached.at).toLocaleTimeString(lang === "nl" ? "nl-BE" : "en-GB");
      lines.push(["venue-ok", t("venue.phone", { time: time, ms: reached.rtt_ms })]);
    }
    var waited = Date.now() - joinSlideSince;
    var silent = participants === 0 && !reached && waited >= VENUE_WAIT_MS;
    if (silent) lines.push(["venue-none", t("venue.none")]);
    var key = JSON.stringify(lines);
    if (!venueTimer) {
      venueTimer = window.setInterval(function () {
        if (joinSlideSince === null) return;
        renderVenue(liveSlide(), (S.state && S.state.presenter) || {});
      }, 5000);
    }
    if (key === venueKey) return; // unchanged: nothing new for a screen reader to announce
    venueKey = key;
    clear(venue);
    venue.hidden = false;
    lines.forEach(function (line, i) {
      venue.appendChild(el("p", line[0], line[1]));
      if (i > 0 || line[0] !== "venue-count") return;
      var test = el("p", "venue-test", t("venue.test") + " ");
      var base = (joinUrl.match(/^https?:\/\/[^/]+/) || [""])[0];
      var link = el("a", "venue-link", base + "/check/" + code);
      link.setAttribute("href", "/check/" + encodeURIComponent(code));
      link.setAttribute("target", "_blank");
      link.setAttribute("rel", "noopener");
      test.appendChild(link);
      venue.appendChild(test);
    });
  }

  var notesText = null;

  /** Presenter notes (remote only): blank lines make paragraphs, "- " lines stay a list. */
  function renderNotes(text) {
    if (text === notesText) return;
    notesText = text;
    clear(notes);
    notes.hidden = !text.trim();
    text.trim().split(/\n\s*\n/).forEach(function (para) {
      var lines = para.split("\n");
      var listy = lines.some(function (line) {
        return /^\s*[-*] /.test(line);
      });
      var node = el("p", listy ? "notes-list" : "notes-para", listy ? para : lines.join(" "));
      notes.appendChild(node);
    });
  }

  function setCtl(action, text, disabled, pressed) {
    var b = controls.querySelector('[data-action="' + action + '"]');
    if (!b) return;
    if (text !== null) b.querySelector(".ctl-text").textContent = text;
    b.disabled = !!disabled;
    if (pressed !== undefined) b.setAttribute("aria-pressed", pressed ? "true" : "false");
  }

  function renderSlideList(slides, live) {
    if (!slides || !slides.length) return;
    var key = JSON.stringify(slides);
    if (key !== S.slidesKey) {
      S.slidesKey = key;
      clear(select);
      slides.forEach(function (sl, i) {
        var o = el(
          "option",
          null,
          i + 1 + ". " + (sl.title || sl.id) + " · " + t("type." + sl.type)
        );
        o.value = sl.id;
        o.title = o.textContent;
        select.appendChild(o);
      });
    }
    if (live) select.value = live.id;
    // A long title is cut off (ellipsis) in the closed list: the tooltip shows all of it.
    var chosen = select.options[select.selectedIndex];
    select.title = chosen ? chosen.textContent : "";
  }

  /* ---------------------------------------------------------------- controls */

  var queue = Promise.resolve();

  /** Control actions go out one after another, in order (a clicker pressed three times moves
   * three slides). */
  function control(action, extra) {
    var payload = { action: action };
    if (extra) {
      Object.keys(extra).forEach(function (k) {
        payload[k] = extra[k];
      });
    }
    queue = queue.then(function () {
      return L.fetchJSON(API + "/control", { method: "POST", body: payload }, 10000).then(
        function (res) {
          if (res.status === 200) {
            if (res.body && res.body.type === "state") applyState(res.body, false);
            return;
          }
          if (res.status === 401 || res.status === 403) {
            showToast(t("present.loginAgain"));
            window.setTimeout(function () {
              window.location.href = "/present/" + encodeURIComponent(code);
            }, 1500);
            return;
          }
          var detail = res.body && res.body.detail ? res.body.detail : "HTTP " + res.status;
          showToast(t("present.failed", { msg: detail }));
        },
        function () {
          showToast(t("present.failed", { msg: t("conn.offline") }));
        }
      );
    });
    return queue;
  }

  function toggleVoting() {
    if (!isInteractive(liveSlide())) return;
    control(S.state.voting_open ? "close" : "open");
  }

  function toggleResults() {
    if (!isInteractive(liveSlide())) return;
    control(S.state.results_visible ? "hide" : "reveal");
  }

  var serverQrAction = true;

  /** The server keeps qr_visible (so projector and laptop agree); flip locally at once, and
   * keep the local toggle if this server does not know the "qr" action. */
  function toggleQr() {
    S.qrVisible = !S.qrVisible;
    renderFlags();
    if (S.view) window.setTimeout(relayout, 50);
    if (serverQrAction) {
      L.fetchJSON(API + "/control", { method: "POST", body: { action: "qr" } }, 10000).then(
        function (res) {
          if (res.status === 200 && res.body && res.body.type === "state") applyState(res.body, false);
          else if (res.status === 400) serverQrAction = false;
        },
        function () {}
      );
    }
  }

  function toggleFullscreen() {
    var d = document;
    var current = d.fullscreenElement || d.webkitFullscreenElement;
    if (current) {
      if (d.exitFullscreen) d.exitFullscreen();
      else if (d.webkitExitFullscreen) d.webkitExitFullscreen();
      return;
    }
    var root = d.documentElement;
    var req = root.requestFullscreen || root.webkitRequestFullscreen;
    if (req) {
      var r = req.call(root);
      if (r && r.catch) r.catch(function () {});
    }
  }

  /* A rehearsal fills the live question with simulated answers (never stored, never exported)
   * so the presenter sees the slide with a full room; the badge tells the room it is not real. */
  var REHEARSAL_SIZE = 200;

  /** How many simulated participants answer the live slide (0: no rehearsal on it). */
  function rehearsing(p, slide) {
    var r = p && p.rehearsal;
    return r && slide && r.question === slide.id ? r.participants : 0;
  }

  function toggleRehearsal() {
    var slide = liveSlide();
    if (!isInteractive(slide) || (S.state && S.state.ended)) return;
    if (rehearsing(S.state.presenter, slide)) control("end_rehearsal");
    else control("rehearse", { participants: REHEARSAL_SIZE });
  }

  function resetRound() {
    if (!isInteractive(liveSlide())) return;
    if (window.confirm(t("present.resetConfirm"))) control("reset");
  }

  /** G: the next split by group (the deck's choice questions in turn, then none). */
  function cycleSplit() {
    control("split", { by: Facets.nextSplit(S.state) });
  }

  function toggleJoining() {
    var p = (S.state && S.state.presenter) || {};
    control(p.joining_locked ? "unlock" : "lock");
  }

  function endSession() {
    if (S.state && !S.state.ended && window.confirm(t("present.endConfirm"))) control("end");
  }

  var ACTIONS = {
    lock: toggleJoining,
    end: endSession,
    prev: function () {
      control("prev");
    },
    next: function () {
      control("next");
    },
    voting: toggleVoting,
    results: toggleResults,
    qr: toggleQr,
    fullscreen: toggleFullscreen,
    rehearse: toggleRehearsal,
    reset: resetRound,
    split: cycleSplit,
    compare: function () {
      control("compare");
    }
  };

  var moreMenu = document.getElementById("ctl-more");
  Array.prototype.forEach.call(controls.querySelectorAll("[data-action]"), function (b) {
    b.addEventListener("click", function () {
      var fn = ACTIONS[b.getAttribute("data-action")];
      if (moreMenu) moreMenu.open = false;
      if (fn) fn();
      b.blur(); // so a later Space press means "results", not "click this button again"
    });
  });

  select.addEventListener("change", function () {
    if (select.value) control("goto", { question: select.value });
    select.blur();
  });

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.altKey || ev.metaKey) return;
    var tag = ev.target && ev.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
    var key = ev.key;
    var handled = true;
    if (key === "ArrowRight" || key === "PageDown") control("next");
    else if (key === "ArrowLeft" || key === "PageUp") control("prev");
    else if (key === " " || key === "Spacebar" || ev.code === "Space") toggleResults();
    else if (key === "o" || key === "O") toggleVoting();
    else if (key === "q" || key === "Q") toggleQr();
    else if (key === "l" || key === "L") toggleJoining();
    else if (key === "r" || key === "R") toggleRehearsal();
    else if (key === "f" || key === "F") toggleFullscreen();
    else if (key === "g" || key === "G") cycleSplit();
    else if (key === "c" || key === "C") control("compare");
    else if (key === "t" || key === "T") toggleTimer();
    else if (key === "+") addTime();
    else handled = held.key(key) || !!(S.view && S.view.key && S.view.key(key)); // type's keys
    if (handled) ev.preventDefault();
  });

  /* ---------------------------------------------------------------- idle cursor, controls */

  var idleTimer = null;
  function wake() {
    body.classList.remove("idle");
    if (idleTimer) window.clearTimeout(idleTimer);
    idleTimer = window.setTimeout(function () {
      if (!controls.contains(document.activeElement)) body.classList.add("idle");
    }, 2500);
  }
  document.addEventListener("mousemove", wake);
  document.addEventListener("touchstart", wake, { passive: true });
  wake();

  var resizeTimer = null;
  function relayout() {
    if (S.view) S.view.relayout();
  }
  window.addEventListener("resize", function () {
    if (resizeTimer) window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(relayout, 150);
  });

  /* ---------------------------------------------------------------- timer, held entries */

  // The live question's countdown (countdown.js; a quiz draws its own, larger, in its view)
  // and the entries waiting for approval (held.js).
  var clockNode = el("div", "present-clock");
  document.getElementById("stage").appendChild(clockNode); // fixed in place, in the main landmark
  var clock = new window.RondvraagCountdown(clockNode, t);
  var held = new window.RondvraagHeld(t, control);

  function showTimer() {
    var slide = liveSlide();
    if (slide && slide.type === "quiz") clock.stop();
    else clock.set(S.state);
    if (!S.result || !slide || S.result.id !== slide.id) held.update(null);
  }

  function timerRunning() {
    return !!(S.state && S.state.voting_open && S.state.timer && clock.left());
  }

  /** T: stop a running timer, else start the deck's seconds (or 60) on the live question. */
  function toggleTimer() {
    var slide = liveSlide();
    if (!isInteractive(slide)) return;
    control("timer", { seconds: timerRunning() ? 0 : slide.timer || 60 });
  }

  /** +: 30 seconds more (a restart from now with what is left plus 30). */
  function addTime() {
    if (!isInteractive(liveSlide())) return;
    control("timer", { seconds: (timerRunning() ? clock.left() : 0) + 30 });
  }

  var menu = moreMenu && moreMenu.querySelector(".ctl-menu");
  [
    ["T", "present.timer", toggleTimer],
    ["+", "present.timerMore", addTime]
  ].forEach(function (spec) {
    if (!menu) return;
    var button = el("button", "ctl ctl-timer");
    button.type = "button";
    button.appendChild(el("span", "ctl-key", spec[0]));
    button.appendChild(el("span", "ctl-text", t(spec[1])));
    button.addEventListener("click", function () {
      moreMenu.open = false;
      spec[2]();
      button.blur();
    });
    menu.insertBefore(button, menu.firstChild);
  });

  /* ---------------------------------------------------------------- the socket */

  var socket = new L.LiveSocket({
    path: function () {
      return "/ws/sessions/" + encodeURIComponent(code) + "/presenter";
    },
    onOpen: function () {
      S.acceptAny = true;
      S.resultVersion = -1; // results are numbered per server run
      setOffline(false);
    },
    onMessage: function (msg) {
      if (msg.type === "state") applyState(msg, true);
      else if (msg.type === "results") applyResults(msg);
    },
    onDown: function (failures) {
      setOffline(true);
      if (failures >= 2) checkAccess();
    }
  });

  /** The socket keeps failing: find out whether the login expired (handshake refused with 403,
   * which a browser cannot see) or the session is gone, instead of retrying forever. */
  function checkAccess() {
    L.fetchJSON(API + "/results", {}, 8000).then(
      function (res) {
        if (res.status === 401 || res.status === 403) {
          window.location.href = "/present/" + encodeURIComponent(code);
        } else if (res.status === 404) {
          socket.stop();
          offline.hidden = false;
          offline.textContent = t("load.gone");
        }
      },
      function () {
        /* server unreachable: keep retrying */
      }
    );
  }

  socket.start();
})();
