/* Quiz: a choice question against the clock. The phone's form is the choice form (one tap
 * sends a single pick); the server stores the answer with the time it took it ({options, ms}).
 * While voting runs the projector shows the options, how many answered and a large countdown
 * (from the server's remaining_ms, never a clock of its own); once the timer is over the state
 * carries slide.correct: the projector highlights the right option(s) over the distribution,
 * the phone says right or wrong and its points (the server's formula, app/domain/slides/
 * quiz.py `points`: 500 + up to 500 for the time left, rounded half up). */
(function (global) {
  "use strict";

  var Types = global.RondvraagTypes;
  var el = global.RondvraagLive.el;

  global.RondvraagI18n.add({
    nl: {
      "type.quiz": "quiz",
      "quiz.right": "Goed!",
      "quiz.wrong": "Helaas, fout.",
      "quiz.points": "+{n} punten",
      "quiz.correctIs": "Juist: {labels}",
      "quiz.wait": "Het juiste antwoord verschijnt als de tijd om is.",
      "quiz.none": "Je hebt niet geantwoord.",
      "quiz.answered": "{n} geantwoord",
      "quiz.timeUp": "Tijd om",
      "nick.title": "Kies een bijnaam",
      "nick.hint": "Die staat straks op het scherm bij de quiz.",
      "nick.label": "Bijnaam",
      "nick.go": "Doe mee",
      "nick.sending": "Even geduld…",
      "nick.empty": "Typ eerst een bijnaam.",
      "nick.invalid": "Die naam kan niet: gebruik letters of cijfers, hoogstens {n} tekens.",
      "nick.notAllowed": "Die naam is hier niet toegelaten. Kies een andere."
    },
    en: {
      "type.quiz": "quiz",
      "quiz.right": "Right!",
      "quiz.wrong": "Sorry, wrong.",
      "quiz.points": "+{n} points",
      "quiz.correctIs": "Correct: {labels}",
      "quiz.wait": "The right answer appears when the time is up.",
      "quiz.none": "You did not answer.",
      "quiz.answered": "{n} answered",
      "quiz.timeUp": "Time's up",
      "nick.title": "Pick a nickname",
      "nick.hint": "It is shown on the screen with the quiz.",
      "nick.label": "Nickname",
      "nick.go": "Join",
      "nick.sending": "One moment…",
      "nick.empty": "Type a nickname first.",
      "nick.invalid": "That name cannot be used: letters or digits, at most {n} characters.",
      "nick.notAllowed": "That name is not allowed here. Please pick another."
    }
  });

  var choice = function () {
    return Types.get("choice");
  };

  function labels(slide) {
    var map = {};
    (slide.options || []).forEach(function (o) {
      map[o.id] = o.label;
    });
    return map;
  }

  /** The picked ids of an answer as stored ({options, ms}) or as sent (ids). */
  function picked(answer) {
    if (answer && typeof answer === "object" && !Array.isArray(answer)) return Types.toList(answer.options);
    return Types.toList(answer);
  }

  function isRight(slide, ids) {
    var correct = slide.correct || [];
    if (ids.length !== correct.length) return false;
    return ids.every(function (id) {
      return correct.indexOf(id) >= 0;
    });
  }

  /** The points of a stored answer once the right one is known (0 for wrong or unsent). */
  function pointsOf(slide, answer) {
    if (!answer || typeof answer.ms !== "number" || !isRight(slide, picked(answer))) return 0;
    var p = slide.points || { base: 500, speed: 500 };
    var total = (slide.timer || 20) * 1000;
    var left = Math.min(Math.max(total - answer.ms, 0), total);
    return p.base + Math.floor((2 * p.speed * left + total) / (2 * total));
  }

  function number(n, lang) {
    return n.toLocaleString(lang === "nl" ? "nl-BE" : "en-GB");
  }

  function draft(slide, answer) {
    return choice().draft(slide, picked(answer));
  }

  function summary(slide, value, list, ctx) {
    var known = labels(slide);
    var ids = picked(value);
    ids.forEach(function (id) {
      var right = slide.correct ? slide.correct.indexOf(id) >= 0 : null;
      var cls = "summary-item" + (right === null ? "" : right ? " quiz-pick-right" : " quiz-pick-wrong");
      list.appendChild(el("li", cls, known[id] !== undefined ? known[id] : id));
    });
    if (!slide.correct || !ctx) return;
    var ok = isRight(slide, ids);
    var n = pointsOf(slide, value);
    var outcome = el("li", "quiz-outcome " + (ok ? "quiz-right" : "quiz-wrong"));
    outcome.setAttribute("data-right", ok ? "true" : "false");
    outcome.setAttribute("data-points", String(n));
    outcome.appendChild(el("strong", "quiz-verdict", ctx.t(ok ? "quiz.right" : "quiz.wrong")));
    outcome.appendChild(el("span", "quiz-points", " " + ctx.t("quiz.points", { n: number(n, ctx.lang) })));
    if (!ok) {
      var right = slide.correct.map(function (id) {
        return known[id] !== undefined ? known[id] : id;
      });
      outcome.appendChild(el("span", "quiz-correct-is", ctx.t("quiz.correctIs", { labels: right.join(", ") })));
    }
    list.appendChild(outcome);
  }

  /** No peeking while the clock runs; after it, the room's answers with the right ones marked. */
  function phoneResult(slide, r, box, ctx) {
    if (!slide.correct) {
      box.appendChild(el("p", "hint quiz-wait", ctx.t("quiz.wait")));
      return;
    }
    var mine = picked(ctx.mine);
    (slide.options || []).forEach(function (o) {
      var n = (r.counts && r.counts[o.id]) || 0;
      var share = Types.pct(n, r.responses);
      var right = slide.correct.indexOf(o.id) >= 0;
      var cls = "rbar" + (mine.indexOf(o.id) >= 0 ? " rbar-mine" : "") + (right ? " quiz-rbar-right" : "");
      var row = el("div", cls);
      row.setAttribute("data-id", o.id);
      row.setAttribute("data-count", String(n));
      row.setAttribute("data-correct", right ? "true" : "false");
      var top = el("div", "rbar-top");
      top.appendChild(el("span", "rbar-label", (right ? "✓ " : "") + o.label));
      top.appendChild(el("span", "rbar-num", n + " · " + share + "%"));
      row.appendChild(top);
      var track = el("div", "rbar-track");
      var fill = el("div", "rbar-fill");
      fill.style.width = share + "%";
      track.appendChild(fill);
      row.appendChild(track);
      box.appendChild(row);
    });
  }

  /* The projector: a countdown, how many answered, and a bar per option whose counts show once
   * the right answer is out (before that the options alone, large, so the room can read them). */
  function View(slide, root, t, lang) {
    this.t = t;
    this.lang = lang;
    this.revealed = Array.isArray(slide.correct);
    this.rows = {};
    var wrap = el("div", "quiz" + (this.revealed ? " quiz-revealed" : " quiz-running"));
    var top = el("div", "quiz-top");
    this.clock = el("div", "quiz-clock");
    this.countdown = new global.RondvraagCountdown(this.clock, t, { low: 5 }); // countdown.js
    this.answered = el("p", "quiz-answered", t("quiz.answered", { n: 0 }));
    this.answered.setAttribute("data-count", "0");
    top.appendChild(this.clock);
    top.appendChild(this.answered);
    wrap.appendChild(top);
    var list = el("div", "bars quiz-bars");
    var self = this;
    (slide.options || []).forEach(function (opt, i) {
      var right = self.revealed && slide.correct.indexOf(opt.id) >= 0;
      var cls = "bar quiz-bar" + (self.revealed ? (right ? " is-correct" : " is-wrong") : "");
      var row = el("div", cls);
      row.setAttribute("data-id", opt.id);
      if (self.revealed) row.setAttribute("data-correct", right ? "true" : "false");
      var label = el("div", "bar-label");
      label.appendChild(el("span", "quiz-letter", String.fromCharCode(65 + i)));
      label.appendChild(el("span", "quiz-label", opt.label));
      if (right) label.appendChild(el("span", "quiz-tick", "✓"));
      var track = el("div", "bar-track");
      var fill = el("div", "bar-fill " + (self.revealed ? (right ? "quiz-fill-right" : "quiz-fill-wrong") : "bar-color-" + (i % 8)));
      fill.setAttribute("data-count", "0");
      track.appendChild(fill);
      var nums = el("div", "bar-nums");
      var count = el("span", "bar-count", "0");
      var percent = el("span", "bar-pct", "0%");
      nums.appendChild(count);
      nums.appendChild(percent);
      row.appendChild(label);
      row.appendChild(track);
      row.appendChild(nums);
      list.appendChild(row);
      self.rows[opt.id] = { fill: fill, count: count, percent: percent };
    });
    wrap.appendChild(list);
    root.appendChild(wrap);
  }

  /** Told with every state: the countdown restarts from the server's remaining_ms each time
   * (countdown.js); once the time is up the clock says so. */
  View.prototype.voting = function (open, state) {
    var timer = state && state.timer;
    if (open && timer && typeof timer.remaining_ms === "number") {
      this.clock.className = "quiz-clock";
      this.countdown.set(state);
      return;
    }
    this.countdown.stop();
    this.clock.hidden = !timer;
    this.clock.textContent = this.t("quiz.timeUp");
    this.clock.setAttribute("data-seconds", "0");
    this.clock.className = "quiz-clock quiz-clock-over";
  };

  View.prototype.update = function (result) {
    var counts = result.counts || {};
    var total = result.responses || 0;
    this.answered.textContent = this.t("quiz.answered", { n: total });
    this.answered.setAttribute("data-count", String(total));
    var ids = Object.keys(this.rows);
    for (var i = 0; i < ids.length; i++) {
      var row = this.rows[ids[i]];
      var n = counts[ids[i]] || 0;
      var p = Types.pct(n, total);
      row.fill.style.width = p + "%";
      row.fill.setAttribute("data-count", String(n));
      row.count.textContent = String(n);
      row.percent.textContent = p + "%";
    }
  };

  View.prototype.relayout = function () {};

  Types.register("quiz", {
    draft: draft,
    form: function (ctx) {
      choice().form(ctx);
    },
    answer: function (slide, draftValue) {
      return choice().answer(slide, draftValue);
    },
    summary: summary,
    phoneResult: phoneResult,
    View: View
  });
})(window);
