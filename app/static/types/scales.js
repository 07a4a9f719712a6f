/* Scales: rate each statement (e.g. 1 "helemaal oneens" to 5 "helemaal eens"). */
(function (global) {
  "use strict";

  var Types = global.RondvraagTypes;
  var el = global.RondvraagLive.el;

  function draft(slide, answer) {
    return answer && typeof answer === "object" && !Array.isArray(answer)
      ? JSON.parse(JSON.stringify(answer))
      : {};
  }

  function form(ctx) {
    var slide = ctx.slide;
    var t = ctx.t;
    var scale = slide.scale || { min: 1, max: 5 };
    var values = ctx.draft() || {};
    ctx.setDraft(values);
    ctx.form.appendChild(el("p", "hint", t("scales.rate")));
    (slide.statements || []).forEach(function (st, index) {
      // A statement is a fieldset named by its legend; its values a radio group named by the
      // statement, each value by its meaning ("1, helemaal oneens").
      var row = el("fieldset", "scale");
      var legend = el("legend", "scale-label", st.label);
      legend.id = "scale-" + index + "-label";
      row.appendChild(legend);
      var btns = el("div", "scale-buttons");
      btns.setAttribute("role", "radiogroup");
      btns.setAttribute("aria-labelledby", legend.id);
      // Up to 5 values in one row in order, at any width (they shrink, never wrap); longer
      // scales in even rows of at most 6, so each stays wide enough to hit.
      var count = scale.max - scale.min + 1;
      var perRow = count <= 5 ? count : Math.ceil(count / Math.ceil(count / 6));
      btns.style.gridTemplateColumns = "repeat(" + perRow + ", minmax(0, 1fr))";
      var all = [];
      function sync() {
        var current = -1;
        all.forEach(function (b, i) {
          var on = values[st.id] === Number(b.getAttribute("data-value"));
          if (on) current = i;
          b.className = "btn scale-btn" + (on ? " scale-on" : "");
          b.setAttribute("aria-checked", on ? "true" : "false");
        });
        all.forEach(function (b, i) {
          b.tabIndex = i === Math.max(current, 0) ? 0 : -1;
        });
      }
      function pick(value) {
        values[st.id] = value;
        ctx.changed();
        sync();
      }
      for (var v = scale.min; v <= scale.max; v++) {
        (function (value) {
          var b = el("button", "btn scale-btn", value);
          b.type = "button";
          b.setAttribute("role", "radio");
          b.setAttribute("data-value", String(value));
          var meaning =
            value === scale.min ? scale.min_label : value === scale.max ? scale.max_label : "";
          b.setAttribute("aria-label", meaning ? value + ", " + meaning : String(value));
          b.addEventListener("click", function () {
            pick(value);
          });
          all.push(b);
          btns.appendChild(b);
        })(v);
      }
      // Arrow keys pick the next or previous value, as in any radio group (nothing is sent).
      btns.addEventListener("keydown", function (ev) {
        var step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[ev.key];
        var at = all.indexOf(document.activeElement);
        if (!step || at < 0) return;
        ev.preventDefault();
        var to = Math.min(all.length - 1, Math.max(0, at + step));
        pick(Number(all[to].getAttribute("data-value")));
        all[to].focus();
      });
      row.appendChild(btns);
      if (scale.min_label || scale.max_label) {
        var ends = el("div", "scale-ends");
        ends.setAttribute("aria-hidden", "true"); // the buttons already say it
        ends.appendChild(el("span", "scale-end scale-end-min", scale.min_label || ""));
        ends.appendChild(el("span", "scale-end scale-end-max", scale.max_label || ""));
        row.appendChild(ends);
      }
      sync();
      ctx.form.appendChild(row);
    });
    var send = el("button", "btn btn-primary btn-send", t("vote.send"));
    send.type = "submit";
    ctx.form.appendChild(send);
  }

  function answer(slide, values) {
    var picked = {};
    var any = false;
    (slide.statements || []).forEach(function (st) {
      var v = values && values[st.id];
      if (typeof v === "number") {
        picked[st.id] = v;
        any = true;
      }
    });
    return any ? { answer: picked } : { error: "scales.missing" };
  }

  function summary(slide, value, list) {
    var values = value && typeof value === "object" ? value : {};
    (slide.statements || []).forEach(function (st) {
      if (values[st.id] === undefined || values[st.id] === null) return;
      var li = el("li", "summary-item summary-scale");
      li.appendChild(el("span", "summary-scale-label", st.label));
      li.appendChild(el("span", "summary-scale-value", values[st.id]));
      list.appendChild(li);
    });
  }

  function phoneResult(slide, r, box, ctx) {
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
            ? ctx.t("results.mean") + " " + Types.number(data.mean, ctx.lang)
            : "–"
        )
      );
      box.appendChild(row);
    });
  }

  /* The projector: per statement, a column per value whose height is its count, on ONE scale
   * for the whole slide (the tallest column of any statement is full height), so 23, 61 and 43
   * answers look like 23, 61 and 43 wherever they stand. The values are named once, in the
   * head row; each statement's mean is a line across its columns and a number beside them. */
  function View(slide, root, t, lang) {
    this.lang = lang;
    var scale = slide.scale || { min: 1, max: 5 };
    this.min = scale.min;
    this.max = scale.max;
    this.values = [];
    for (var v = scale.min; v <= scale.max; v++) this.values.push(v);
    var box = el("div", "scales");
    var n = (slide.statements || []).length;
    if (n > 4) box.className = "scales scales-dense";
    var head = el("div", "scales-row scales-head");
    head.appendChild(el("div", "scales-label"));
    var axis = el("div", "scales-axis");
    var ends = el("div", "scales-ends");
    ends.appendChild(el("span", "scales-end", scale.min_label || ""));
    ends.appendChild(el("span", "scales-end scales-end-max", scale.max_label || ""));
    axis.appendChild(ends);
    var ticks = el("div", "scales-ticks");
    this.values.forEach(function (value) {
      ticks.appendChild(el("span", "scales-tick", value));
    });
    axis.appendChild(ticks);
    head.appendChild(axis);
    head.appendChild(el("div", "scales-meanhead", t("results.meanShort")));
    box.appendChild(head);
    this.rows = {};
    var self = this;
    (slide.statements || []).forEach(function (st) {
      var row = el("div", "scales-row");
      row.setAttribute("data-statement", st.id);
      row.appendChild(el("div", "scales-label", st.label));
      var chart = el("div", "scales-chart");
      var hist = el("div", "scales-hist");
      var cols = {};
      self.values.forEach(function (value) {
        var col = el("div", "scales-col");
        var bar = el("div", "scales-colbar");
        bar.setAttribute("data-value", String(value));
        bar.setAttribute("data-count", "0");
        var num = el("span", "scales-colnum", "");
        bar.appendChild(num); // rides on top of its bar
        col.appendChild(bar);
        hist.appendChild(col);
        cols[value] = { bar: bar, num: num };
      });
      var line = el("div", "scales-mean");
      line.hidden = true;
      var ci = el("div", "scales-ci"); // the mean's 95 % interval, a quiet whisker above it
      ci.hidden = true;
      ci.setAttribute("aria-hidden", "true");
      chart.appendChild(hist);
      chart.appendChild(ci);
      chart.appendChild(line);
      row.appendChild(chart);
      var badge = el("div", "scales-mean-badge", "");
      badge.hidden = true;
      row.appendChild(badge);
      box.appendChild(row);
      self.rows[st.id] = { cols: cols, line: line, ci: ci, badge: badge, row: row };
    });
    root.appendChild(box);
  }

  View.prototype.update = function (result) {
    var stats = result.statements || {};
    var n = this.values.length;
    var self = this;
    var ids = Object.keys(this.rows);
    var top = 0;
    ids.forEach(function (id) {
      var counts = (stats[id] && stats[id].counts) || {};
      self.values.forEach(function (v) {
        top = Math.max(top, Number(counts[String(v)]) || 0);
      });
    });
    ids.forEach(function (id) {
      var row = self.rows[id];
      var data = stats[id] || {};
      var counts = data.counts || {};
      self.values.forEach(function (v) {
        var c = Number(counts[String(v)]) || 0;
        var col = row.cols[v];
        col.bar.style.height = (top > 0 ? (100 * c) / top : 0).toFixed(2) + "%";
        col.bar.setAttribute("data-count", String(c));
        col.num.textContent = c > 0 ? String(c) : "";
      });
      if (typeof data.mean === "number") {
        row.line.hidden = false;
        row.line.style.left = (((data.mean - self.min + 0.5) / n) * 100).toFixed(2) + "%";
        row.badge.hidden = false;
        row.badge.textContent = Types.number(data.mean, self.lang);
        row.badge.setAttribute("data-mean", String(data.mean));
        var ci = Array.isArray(data.ci) ? data.ci : null;
        row.ci.hidden = !ci;
        if (ci) {
          // A mean never leaves the scale: neither does its interval on screen.
          var low = Math.max(ci[0], self.min);
          var high = Math.min(ci[1], self.min + n - 1);
          row.ci.style.left = (((low - self.min + 0.5) / n) * 100).toFixed(2) + "%";
          row.ci.style.width = (((high - low) / n) * 100).toFixed(2) + "%";
          row.ci.setAttribute("data-low", String(ci[0]));
          row.ci.setAttribute("data-high", String(ci[1]));
        }
      } else {
        row.ci.hidden = true;
        row.line.hidden = true;
        row.badge.hidden = true;
        row.badge.textContent = "";
        row.badge.removeAttribute("data-mean");
      }
    });
  };

  View.prototype.relayout = function () {};

  Types.register("scales", {
    draft: draft,
    form: form,
    answer: answer,
    summary: summary,
    phoneResult: phoneResult,
    View: View
  });
})(window);
