/* 100 points: spread a budget over the options with − / + steppers (a step at a time, one
 * thumb) or by typing an amount (fine amounts); a live counter says how many are left. The
 * projector draws each option's mean on a track that stands for the whole budget. */
(function (global) {
  "use strict";

  var Types = global.RondvraagTypes;
  var el = global.RondvraagLive.el;

  global.RondvraagI18n.add({
    nl: {
      "type.points": "punten verdelen",
      "points.spread": "Verdeel {budget} punten: − neemt er {step} weg, + geeft er {step} bij, of typ een aantal.",
      "points.left": "Nog {left} van {budget} punten te verdelen",
      "points.done": "Alle {budget} punten verdeeld",
      "points.over1": "1 punt te veel: haal er 1 weg",
      "points.overN": "{n} punten te veel: haal er {n} weg",
      "points.less": "{step} punten minder voor {label}",
      "points.more": "{step} punten meer voor {label}",
      "points.said": "{label}: {value}.",
      "points.empty": "Geef eerst punten aan minstens één optie.",
      "points.overBudget": "Je gaf meer punten dan je hebt. Haal er eerst wat weg.",
      "points.mean": "gem.",
      "points.total": "totaal",
      "points.mine": "jij",
      "points.scale": "Gemiddeld aantal punten per deelnemer, van 0 tot {budget}"
    },
    en: {
      "type.points": "points",
      "points.spread": "Spread {budget} points: − takes {step} away, + adds {step}, or type an amount.",
      "points.left": "{left} of {budget} points left to spread",
      "points.done": "All {budget} points spread",
      "points.over1": "1 point too many: take 1 away",
      "points.overN": "{n} points too many: take {n} away",
      "points.less": "{step} points less for {label}",
      "points.more": "{step} points more for {label}",
      "points.said": "{label}: {value}.",
      "points.empty": "Give points to at least one option first.",
      "points.overBudget": "You gave more points than you have. Take some away first.",
      "points.mean": "mean",
      "points.total": "total",
      "points.mine": "you",
      "points.scale": "Mean points per participant, from 0 to {budget}"
    }
  });

  function budgetOf(slide) {
    return Math.max(1, slide.budget || 100);
  }

  /** A whole number with its thousands grouped, as the report prints it: 4.680 / 4,680. */
  function whole(n, lang) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, lang === "nl" ? "." : ",");
  }

  /** What a typed field holds, as points: digits only, nothing is 0. */
  function typed(text) {
    var n = parseInt(String(text).replace(/[^0-9]/g, ""), 10);
    return isFinite(n) ? n : 0;
  }

  function draft(slide, answer) {
    var values = {};
    var given = answer && typeof answer === "object" && !Array.isArray(answer) ? answer : {};
    (slide.options || []).forEach(function (o) {
      var v = given[o.id];
      values[o.id] = typeof v === "number" && v > 0 ? Math.floor(v) : 0;
    });
    return values;
  }

  function spent(slide, values) {
    return (slide.options || []).reduce(function (sum, o) {
      return sum + (values[o.id] || 0);
    }, 0);
  }

  function form(ctx) {
    var slide = ctx.slide;
    var t = ctx.t;
    var budget = budgetOf(slide);
    var step = Math.max(1, slide.step || 10);
    var values = ctx.draft() || draft(slide, null);
    ctx.setDraft(values);
    ctx.form.appendChild(el("p", "hint", t("points.spread", { budget: budget, step: step })));

    var list = el("div", "points-options");
    list.setAttribute("role", "group");
    list.setAttribute("aria-label", slide.prompt || slide.title || "");
    var rows = [];

    // The counter is a live region: a screen reader hears what is left after every change,
    // after the option just changed by a stepper (said only to it, the screen shows the field).
    var footer = el("div", "points-footer");
    var meter = el("div", "points-meter");
    meter.setAttribute("aria-hidden", "true");
    var meterFill = el("div", "points-meter-fill");
    meter.appendChild(meterFill);
    var counter = el("p", "points-left");
    counter.setAttribute("role", "status");
    counter.setAttribute("aria-live", "polite");
    counter.setAttribute("aria-atomic", "true");
    var said = el("span", "visually-hidden", "");
    var left = el("span", "points-left-text", "");
    counter.appendChild(said);
    counter.appendChild(left);
    var send = el("button", "btn btn-primary btn-send", t("vote.send"));
    send.type = "submit";

    function sync(changed) {
      var used = spent(slide, values);
      var rest = budget - used;
      rows.forEach(function (row) {
        var v = values[row.id] || 0;
        if (row.input !== document.activeElement || typed(row.input.value) !== v) {
          row.input.value = String(v);
        }
        row.minus.setAttribute("aria-disabled", v <= 0 ? "true" : "false");
        row.plus.setAttribute("aria-disabled", rest <= 0 ? "true" : "false");
        row.box.className = "points-option" + (v > 0 ? " points-given" : "");
      });
      said.textContent = changed
        ? t("points.said", { label: changed.label, value: values[changed.id] }) + " "
        : "";
      if (rest > 0) left.textContent = t("points.left", { left: rest, budget: budget });
      else if (rest === 0) left.textContent = t("points.done", { budget: budget });
      else left.textContent = t.count("points.over", -rest);
      var state = rest < 0 ? " points-left-over" : rest === 0 ? " points-left-done" : "";
      counter.className = "points-left" + state;
      counter.setAttribute("data-left", String(rest));
      meterFill.style.width = Math.min(100, (100 * used) / budget).toFixed(1) + "%";
      meter.className = "points-meter" + (rest < 0 ? " points-meter-over" : "");
    }

    function set(row, value) {
      values[row.id] = Math.max(0, value);
      ctx.changed();
    }

    (slide.options || []).forEach(function (opt, i) {
      var box = el("div", "points-option");
      box.setAttribute("data-id", opt.id);
      var inputId = "points-" + i;
      var label = el("label", "points-label", opt.label);
      label.setAttribute("for", inputId);
      var stepper = el("div", "points-stepper");
      var minus = el("button", "btn points-step points-minus", "−" + step);
      minus.type = "button";
      minus.setAttribute("aria-label", t("points.less", { step: step, label: opt.label }));
      var input = el("input", "points-input");
      input.id = inputId;
      input.type = "number";
      input.setAttribute("inputmode", "numeric");
      input.setAttribute("min", "0");
      input.setAttribute("max", String(budget));
      input.setAttribute("step", "1");
      input.setAttribute("autocomplete", "off");
      input.setAttribute("enterkeyhint", i < slide.options.length - 1 ? "next" : "done");
      var plus = el("button", "btn points-step points-plus", "+" + step);
      plus.type = "button";
      plus.setAttribute("aria-label", t("points.more", { step: step, label: opt.label }));
      var row = { id: opt.id, label: opt.label, box: box, input: input, minus: minus, plus: plus };
      rows.push(row);

      function by(delta) {
        var v = values[opt.id] || 0;
        var rest = budget - spent(slide, values);
        // + fills up to the budget, never past it; − stops at 0.
        var next = delta > 0 ? v + Math.min(delta, Math.max(0, rest)) : Math.max(0, v + delta);
        if (next === v) return;
        set(row, next);
        sync(row);
      }
      minus.addEventListener("click", function () {
        by(-step);
      });
      plus.addEventListener("click", function () {
        by(step);
      });
      input.addEventListener("focus", function () {
        input.select(); // typing replaces the amount instead of writing "030"
      });
      input.addEventListener("input", function () {
        set(row, typed(input.value));
        sync(null);
      });
      input.addEventListener("blur", function () {
        input.value = String(values[opt.id] || 0);
      });
      input.addEventListener("keydown", function (ev) {
        if (ev.key === "PageUp" || ev.key === "PageDown") {
          ev.preventDefault();
          by(ev.key === "PageUp" ? step : -step);
        } else if (ev.key === "Enter" && !ev.isComposing) {
          // Enter goes on to the next option (and from the last to Send), never sends half.
          ev.preventDefault();
          var after = rows[rows.indexOf(row) + 1];
          (after ? after.input : send).focus();
        }
      });
      stepper.appendChild(minus);
      stepper.appendChild(input);
      stepper.appendChild(plus);
      box.appendChild(label);
      box.appendChild(stepper);
      list.appendChild(box);
    });

    ctx.form.appendChild(list);
    footer.appendChild(meter);
    footer.appendChild(counter);
    footer.appendChild(send);
    ctx.form.appendChild(footer);
    sync(null);
  }

  function answer(slide, values) {
    var given = {};
    var any = false;
    (slide.options || []).forEach(function (o) {
      var v = values && values[o.id];
      if (typeof v === "number" && v > 0) {
        given[o.id] = v;
        any = true;
      }
    });
    if (!any) return { error: "points.empty" };
    if (spent(slide, given) > budgetOf(slide)) return { error: "points.overBudget" };
    return { answer: given };
  }

  function summary(slide, value, list) {
    var values = value && typeof value === "object" ? value : {};
    (slide.options || []).forEach(function (o) {
      if (!values[o.id]) return;
      var li = el("li", "summary-item points-summary");
      li.appendChild(el("span", "points-summary-label", o.label));
      li.appendChild(el("span", "points-summary-value", values[o.id]));
      list.appendChild(li);
    });
  }

  /* The phone: each option's mean as a bar on the whole budget, with the person's own points. */
  function phoneResult(slide, r, box, ctx) {
    var budget = budgetOf(slide);
    var mine = ctx.mine && typeof ctx.mine === "object" ? ctx.mine : {};
    (slide.options || []).forEach(function (o) {
      var data = (r.points && r.points[o.id]) || {};
      var mean = typeof data.mean === "number" ? data.mean : 0;
      var row = el("div", "rbar" + (mine[o.id] ? " rbar-mine" : ""));
      row.setAttribute("data-id", o.id);
      var top = el("div", "rbar-top");
      top.appendChild(el("span", "rbar-label", o.label));
      var num = ctx.t("points.mean") + " " + Types.number(mean, ctx.lang);
      if (mine[o.id]) num += " · " + ctx.t("points.mine") + " " + mine[o.id];
      top.appendChild(el("span", "rbar-num", num));
      row.appendChild(top);
      var track = el("div", "rbar-track");
      var fill = el("div", "rbar-fill");
      fill.style.width = Math.min(100, (100 * mean) / budget).toFixed(1) + "%";
      track.appendChild(fill);
      row.appendChild(track);
      box.appendChild(row);
    });
  }

  /* The projector and the remote: a bar per option, its length the option's mean on a track
   * that stands for the WHOLE budget (0 to 100), not for the largest mean. So a bar shows what
   * share of their points the room gave that option, and a split room looks split: scaled to
   * the largest mean, the winner would fill its track whether it got 90 points or 25. The
   * options stay in deck order (no bar jumps while votes arrive); one grid for all rows, so
   * every track has the same length. */
  function View(slide, root, t, lang) {
    this.lang = lang;
    this.budget = budgetOf(slide);
    this.rows = {};
    var n = (slide.options || []).length;
    var dense = (n > 6 ? " points-dense" : "") + (n > 10 ? " points-xdense" : "");
    var box = el("div", "points" + dense);
    box.appendChild(el("p", "points-scale", t("points.scale", { budget: this.budget })));
    var grid = el("div", "points-grid");
    var head = el("div", "points-row points-head");
    head.setAttribute("aria-hidden", "true");
    head.appendChild(el("span", "points-cell"));
    var ends = el("span", "points-cell points-ends");
    ends.appendChild(el("span", "points-end", "0"));
    ends.appendChild(el("span", "points-end", whole(this.budget, lang)));
    head.appendChild(ends);
    head.appendChild(el("span", "points-cell points-headnum", t("points.mean")));
    head.appendChild(el("span", "points-cell points-headnum", t("points.total")));
    grid.appendChild(head);
    var self = this;
    (slide.options || []).forEach(function (opt, i) {
      var row = el("div", "points-row");
      row.setAttribute("data-id", opt.id);
      row.appendChild(el("div", "points-cell points-label", opt.label));
      var track = el("div", "points-cell points-track");
      var fill = el("div", "points-fill bar-color-" + (i % 8));
      fill.setAttribute("data-mean", "0");
      fill.setAttribute("data-total", "0");
      fill.setAttribute("data-count", "0");
      track.appendChild(fill);
      row.appendChild(track);
      var mean = el("div", "points-cell points-mean", "–");
      var total = el("div", "points-cell points-total", "0");
      row.appendChild(mean);
      row.appendChild(total);
      grid.appendChild(row);
      self.rows[opt.id] = { fill: fill, mean: mean, total: total };
    });
    box.appendChild(grid);
    root.appendChild(box);
  }

  View.prototype.update = function (result) {
    var points = result.points || {};
    var ids = Object.keys(this.rows);
    for (var i = 0; i < ids.length; i++) {
      var row = this.rows[ids[i]];
      var data = points[ids[i]] || {};
      var hasMean = typeof data.mean === "number";
      var mean = hasMean ? data.mean : 0;
      var total = Number(data.total) || 0;
      row.fill.style.width = Math.min(100, (100 * mean) / this.budget).toFixed(2) + "%";
      row.fill.setAttribute("data-mean", String(mean));
      row.fill.setAttribute("data-total", String(total));
      row.fill.setAttribute("data-count", String(Number(data.count) || 0));
      row.mean.textContent = hasMean ? Types.number(mean, this.lang) : "–";
      row.total.textContent = whole(total, this.lang);
    }
  };

  View.prototype.relayout = function () {};

  Types.register("points", {
    draft: draft,
    form: form,
    answer: answer,
    summary: summary,
    phoneResult: phoneResult,
    View: View
  });
})(window);
