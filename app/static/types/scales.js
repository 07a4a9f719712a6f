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
    var ends = el("div", "scales-ends");
    ends.appendChild(el("span", "scales-end", scale.min + (scale.min_label ? " · " + scale.min_label : "")));
    ends.appendChild(el("span", "scales-end scales-end-max", (scale.max_label ? scale.max_label + " · " : "") + scale.max));
    head.appendChild(ends);
    box.appendChild(head);
    this.rows = {};
    var self = this;
    (slide.statements || []).forEach(function (st) {
      var row = el("div", "scales-row");
      row.appendChild(el("div", "scales-label", st.label));
      var chart = el("div", "scales-chart");
      var hist = el("div", "scales-hist");
      var cols = {};
      self.values.forEach(function (value) {
        var col = el("div", "scales-col");
        var num = el("span", "scales-colnum", "");
        var bar = el("div", "scales-colbar");
        var tick = el("span", "scales-tick", value);
        col.appendChild(num);
        col.appendChild(bar);
        col.appendChild(tick);
        hist.appendChild(col);
        cols[value] = { bar: bar, num: num };
      });
      var mean = el("div", "scales-mean");
      mean.hidden = true;
      var badge = el("span", "scales-mean-badge", "");
      mean.appendChild(badge);
      chart.appendChild(hist);
      chart.appendChild(mean);
      row.appendChild(chart);
      box.appendChild(row);
      self.rows[st.id] = { cols: cols, mean: mean, badge: badge };
    });
    root.appendChild(box);
  }

  View.prototype.update = function (result) {
    var stats = result.statements || {};
    var n = this.values.length;
    var self = this;
    Object.keys(this.rows).forEach(function (id) {
      var row = self.rows[id];
      var data = stats[id] || {};
      var counts = data.counts || {};
      var top = 0;
      self.values.forEach(function (v) {
        top = Math.max(top, Number(counts[String(v)]) || 0);
      });
      self.values.forEach(function (v) {
        var c = Number(counts[String(v)]) || 0;
        var col = row.cols[v];
        col.bar.style.height = (top > 0 ? (100 * c) / top : 0).toFixed(1) + "%";
        col.num.textContent = c > 0 ? String(c) : "";
      });
      if (typeof data.mean === "number") {
        var pos = ((data.mean - self.min + 0.5) / n) * 100;
        row.mean.hidden = false;
        row.mean.style.left = pos.toFixed(2) + "%";
        row.badge.textContent = Types.number(data.mean, self.lang);
      } else {
        row.mean.hidden = true;
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
