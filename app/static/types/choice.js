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
    // To assistive technology a single pick is a radio group ("3 of 9"), several picks a group
    // of checkboxes; named after the question.
    var list = el("div", "choices");
    list.setAttribute("role", max === 1 ? "radiogroup" : "group");
    list.setAttribute("aria-label", slide.prompt || slide.title || "");
    var buttons = [];
    var counter = el("p", "hint choice-count");
    var send = el("button", "btn btn-primary btn-send", t("vote.send"));
    send.type = "submit";

    function sync() {
      var current = -1;
      buttons.forEach(function (b, i) {
        var on = picked.indexOf(b.getAttribute("data-id")) >= 0;
        if (on && current < 0) current = i;
        b.setAttribute("aria-checked", on ? "true" : "false");
        b.className = "btn choice" + (on ? " choice-on" : "");
        // A full multiple pick: the others say why they do nothing instead of vanishing from
        // the keyboard's path (a disabled button cannot be reached).
        b.setAttribute("aria-disabled", max > 1 && !on && picked.length >= max ? "true" : "false");
      });
      if (max === 1) {
        // One tab stop for the group, on the picked option (or the first): arrows move within.
        buttons.forEach(function (b, i) {
          b.tabIndex = i === Math.max(current, 0) ? 0 : -1;
        });
      }
      counter.textContent = t("choice.count", { k: picked.length, n: max });
      send.disabled = picked.length === 0;
    }

    (slide.options || []).forEach(function (opt) {
      var b = el("button", "btn choice");
      b.type = "button";
      b.setAttribute("role", max === 1 ? "radio" : "checkbox");
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
        if (i < 0 && picked.length >= max) return;
        if (i >= 0) picked.splice(i, 1);
        else if (picked.length < max) picked.push(opt.id);
        ctx.setDraft(picked);
        ctx.changed();
        sync();
      });
      buttons.push(b);
      list.appendChild(b);
    });
    if (max === 1) {
      list.addEventListener("keydown", function (ev) {
        var step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[ev.key];
        var at = buttons.indexOf(document.activeElement);
        if (at < 0) return;
        var to = ev.key === "Home" ? 0 : ev.key === "End" ? buttons.length - 1 : null;
        if (step) to = (at + step + buttons.length) % buttons.length;
        if (to === null) return;
        // Arrows move the focus, not the pick: picking sends, so it waits for Space or Enter.
        ev.preventDefault();
        buttons[at].tabIndex = -1;
        buttons[to].tabIndex = 0;
        buttons[to].focus();
      });
    }
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

  /* A bar per option on the phone and the projector. A type that builds on choice (quiz)
   * passes look(option, i) -> {row: extra classes, data: {attribute: value}, label: text
   * (phone) or a node (projector) instead of the option's label, fill: the fill's colour
   * class}; every part optional. */

  function phoneBars(slide, r, box, mine, look) {
    var picked = Types.toList(mine);
    (slide.options || []).forEach(function (o, i) {
      var seen = (look && look(o, i)) || {};
      var n = (r.counts && r.counts[o.id]) || 0;
      var share = Types.pct(n, r.responses);
      var row = el("div", "rbar" + (picked.indexOf(o.id) >= 0 ? " rbar-mine" : "") + (seen.row ? " " + seen.row : ""));
      setData(row, seen.data);
      var top = el("div", "rbar-top");
      top.appendChild(el("span", "rbar-label", seen.label !== undefined ? seen.label : o.label));
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

  function setData(node, data) {
    Object.keys(data || {}).forEach(function (name) {
      node.setAttribute(name, data[name]);
    });
  }

  function phoneResult(slide, r, box, ctx) {
    phoneBars(slide, r, box, ctx.mine);
  }

  /* The projector: a bar per option, built once, updated in place (CSS animates widths). */
  function View(slide, root, t, lang, look) {
    // The page passes its context as the fifth argument; a type building on choice, a look.
    if (typeof look !== "function") look = null;
    this.intervals = !look; // a quiz must not hint at its counts before the time is up
    this.rows = {};
    var list = el("div", "bars");
    var n = (slide.options || []).length;
    list.className = "bars" + (n > 6 ? " bars-dense" : "") + (n > 10 ? " bars-xdense" : "");
    var self = this;
    (slide.options || []).forEach(function (opt, i) {
      var seen = (look && look(opt, i)) || {};
      var row = el("div", "bar" + (seen.row ? " " + seen.row : ""));
      row.setAttribute("data-id", opt.id);
      setData(row, seen.data);
      var label = seen.label || el("div", "bar-label", opt.label);
      var track = el("div", "bar-track");
      var fill = el("div", "bar-fill " + (seen.fill || "bar-color-" + (i % 8)));
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
    this.list = list;
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
      row.fill.setAttribute("data-count", String(n));
      row.count.textContent = String(n);
      row.percent.textContent = p + "%";
      if (this.intervals) interval(row, total > 0 && result.ci && result.ci[ids[i]]);
    }
  };

  /* The share's 95 % interval (the server's Wilson interval): a quiet bracket on the track. */
  function interval(row, ci) {
    if (!row.ci) {
      row.ci = el("div", "bar-ci");
      row.ci.setAttribute("aria-hidden", "true");
      row.fill.parentNode.appendChild(row.ci);
    }
    row.ci.hidden = !ci;
    if (!ci) return;
    row.ci.style.left = (100 * ci[0]).toFixed(2) + "%";
    row.ci.style.width = (100 * (ci[1] - ci[0])).toFixed(2) + "%";
    row.ci.setAttribute("data-low", String(ci[0]));
    row.ci.setAttribute("data-high", String(ci[1]));
  }

  View.prototype.relayout = function () {};

  Types.register("choice", {
    draft: draft,
    form: form,
    answer: answer,
    summary: summary,
    phoneResult: phoneResult,
    View: View,
    phoneBars: phoneBars // for types that build on choice (page_builds_on)
  });
})(window);
