/* Multiple choice: one tap sends a single pick; several picks need Send. Results as bars. */
(function (global) {
  "use strict";

  var Types = global.RondvraagTypes;
  var el = global.RondvraagLive.el;

  function labels(slide) {
    var map = {};
    (slide.options || []).forEach(function (o) {
      map[o.id] = o.label;
    });
    return map;
  }

  function draft(slide, answer) {
    var known = labels(slide);
    return Types.toList(answer).filter(function (id) {
      return Object.prototype.hasOwnProperty.call(known, id);
    });
  }

  function form(ctx) {
    var slide = ctx.slide;
    var t = ctx.t;
    var max = Math.max(1, slide.multiple || 1);
    var picked = ctx.draft() || [];
    ctx.form.appendChild(
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
          ctx.setDraft(picked);
          sync();
          ctx.submit(opt.id);
          return;
        }
        var i = picked.indexOf(opt.id);
        if (i >= 0) picked.splice(i, 1);
        else if (picked.length < max) picked.push(opt.id);
        ctx.setDraft(picked);
        ctx.changed();
        sync();
      });
      buttons.push(b);
      list.appendChild(b);
    });
    ctx.form.appendChild(list);
    if (max > 1) {
      ctx.form.appendChild(counter);
      ctx.form.appendChild(send);
    }
    sync();
  }

  function answer(slide, picked) {
    if (!picked || !picked.length) return { error: null };
    var max = Math.max(1, slide.multiple || 1);
    return { answer: max === 1 ? picked[0] : picked.slice(0, max) };
  }

  function summary(slide, value, list) {
    var known = labels(slide);
    Types.toList(value).forEach(function (id) {
      list.appendChild(el("li", "summary-item", known[id] !== undefined ? known[id] : id));
    });
  }

  function phoneResult(slide, r, box, ctx) {
    var picked = Types.toList(ctx.mine);
    (slide.options || []).forEach(function (o) {
      var n = (r.counts && r.counts[o.id]) || 0;
      var share = Types.pct(n, r.responses);
      var row = el("div", "rbar" + (picked.indexOf(o.id) >= 0 ? " rbar-mine" : ""));
      var top = el("div", "rbar-top");
      top.appendChild(el("span", "rbar-label", o.label));
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

  /* The projector: a bar per option, built once, updated in place (CSS animates widths). */
  function View(slide, root) {
    this.rows = {};
    var list = el("div", "bars");
    var n = (slide.options || []).length;
    list.className = "bars" + (n > 6 ? " bars-dense" : "") + (n > 10 ? " bars-xdense" : "");
    var self = this;
    (slide.options || []).forEach(function (opt, i) {
      var row = el("div", "bar");
      row.setAttribute("data-id", opt.id);
      var label = el("div", "bar-label", opt.label);
      var track = el("div", "bar-track");
      var fill = el("div", "bar-fill bar-color-" + (i % 8));
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
    root.appendChild(list);
  }

  View.prototype.update = function (result) {
    var counts = result.counts || {};
    var total = result.responses || 0;
    var ids = Object.keys(this.rows);
    for (var i = 0; i < ids.length; i++) {
      var row = this.rows[ids[i]];
      var n = counts[ids[i]] || 0;
      var p = Types.pct(n, total);
      row.fill.style.width = p + "%";
      row.count.textContent = String(n);
      row.percent.textContent = p + "%";
    }
  };

  View.prototype.relayout = function () {};

  Types.register("choice", {
    draft: draft,
    form: form,
    answer: answer,
    summary: summary,
    phoneResult: phoneResult,
    View: View
  });
})(window);
