/* Quiz: a choice question against the clock. The phone's form is the choice form (one tap
 * sends a single pick); the server stores the answer with the time it took it ({options, ms}).
 * While voting runs the projector shows the options, how many answered and a large countdown
 * (from the server's remaining_ms, never a clock of its own); once the timer is over the state
 * carries slide.correct: the projector highlights the right option(s) over the distribution,
 * the phone says right or wrong and its points: the server's figures, which come with the
 * phone's own answer once the round is over ({options, ms, right, points}; app/domain/slides/
 * quiz.py `settled`). A phone never computes points; until its figures arrive it says right
 * or wrong from slide.correct and leaves the points out. */
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
      "quiz.yours": "jouw keuze",
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
      "quiz.yours": "your pick",
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

  /** The server's points for an answer whose round is over, or null until they arrive. */
  function pointsOf(answer) {
    return answer && typeof answer.points === "number" ? answer.points : null;
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
    var n = pointsOf(value);
    var ok = n !== null ? value.right === true : isRight(slide, ids);
    var outcome = el("li", "quiz-outcome " + (ok ? "quiz-right" : "quiz-wrong"));
    outcome.setAttribute("data-right", ok ? "true" : "false");
    outcome.appendChild(el("strong", "quiz-verdict", ctx.t(ok ? "quiz.right" : "quiz.wrong")));
    if (n !== null) {
      outcome.setAttribute("data-points", String(n));
      outcome.appendChild(el("span", "quiz-points", " " + ctx.t("quiz.points", { n: number(n, ctx.lang) })));
    }
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
    choice().phoneBars(slide, r, box, mine, function (o) {
      var right = slide.correct.indexOf(o.id) >= 0;
      // ✓ means right here; the phone's own pick is said in words, not with a second ✓.
      var yours = Types.toList(mine).indexOf(o.id) >= 0 ? " · " + ctx.t("quiz.yours") : "";
      return {
        row: "quiz-rbar" + (right ? " quiz-rbar-right" : ""),
        data: { "data-id": o.id, "data-count": String((r.counts && r.counts[o.id]) || 0), "data-correct": String(right) },
        label: (right ? "✓ " : "") + o.label + yours
      };
    });
  }

  /* The projector: a countdown, how many answered, and choice's bars (a letter before each
   * option) whose counts show once the right answer is out (before that the options alone,
   * large, so the room can read them). */
  function View(slide, root, t, lang) {
    this.t = t;
    this.lang = lang;
    var revealed = Array.isArray(slide.correct);
    var wrap = el("div", "quiz" + (revealed ? " quiz-revealed" : " quiz-running"));
    var top = el("div", "quiz-top");
    this.clock = el("div", "quiz-clock");
    this.countdown = new global.RondvraagCountdown(this.clock, t, { low: 5 }); // countdown.js
    this.answered = el("p", "quiz-answered", t("quiz.answered", { n: 0 }));
    this.answered.setAttribute("data-count", "0");
    top.appendChild(this.clock);
    top.appendChild(this.answered);
    wrap.appendChild(top);
    choice().View.call(this, slide, wrap, t, lang, function (opt, i) {
      var right = revealed && slide.correct.indexOf(opt.id) >= 0;
      var label = el("div", "bar-label");
      label.appendChild(el("span", "quiz-letter", String.fromCharCode(65 + i)));
      label.appendChild(el("span", "quiz-label", opt.label));
      if (right) label.appendChild(el("span", "quiz-tick", "✓"));
      return {
        row: "quiz-bar" + (revealed ? (right ? " is-correct" : " is-wrong") : ""),
        data: revealed ? { "data-correct": String(right) } : {},
        label: label,
        fill: revealed ? (right ? "quiz-fill-right" : "quiz-fill-wrong") : ""
      };
    });
    this.list.className += " quiz-bars";
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

  /** Choice's update of the bars, and how many answered. */
  View.prototype.update = function (result) {
    choice().View.prototype.update.call(this, result);
    var total = result.responses || 0;
    this.answered.textContent = this.t("quiz.answered", { n: total });
    this.answered.setAttribute("data-count", String(total));
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
