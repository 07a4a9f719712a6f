/* Ranking: tap the options in order, best first (up to max_ranked); undo the last, or start
 * over. Results: a bar per option by its Borda score, on a scale from 0 to the number of
 * options (n points for a first place, 1 for a last, 0 when not ranked; averaged over all
 * respondents), with the number of first places. See app/domain/slides/ranking.py. */
(function (global) {
  "use strict";

  var Types = global.RondvraagTypes;
  var el = global.RondvraagLive.el;

  global.RondvraagI18n.add({
    nl: {
      "type.ranking": "rangschikking",
      "ranking.hintAll": "Tik de opties in volgorde aan, je favoriet eerst.",
      "ranking.hintTop": "Tik je top {n} in volgorde aan, je favoriet eerst.",
      "ranking.count": "{k} van {n} gerangschikt",
      "ranking.placed": "{label}: plaats {n}.",
      "ranking.removed": "{label} weg van plaats {n}.",
      "ranking.cleared": "Volgorde gewist.",
      "ranking.place": "plaats {n}",
      "ranking.undo": "↶ Laatste ongedaan maken",
      "ranking.clear": "Opnieuw beginnen",
      "ranking.empty": "Tik eerst minstens één optie aan.",
      "ranking.first": "{n}× als eerste",
      "ranking.scale": "score (0–{n})",
      "ranking.phoneScale":
        "Score van 0 tot {n}: een eerste plaats geeft {n} punten, niet gekozen 0."
    },
    en: {
      "type.ranking": "ranking",
      "ranking.hintAll": "Tap the options in order, your favourite first.",
      "ranking.hintTop": "Tap your top {n} in order, your favourite first.",
      "ranking.count": "{k} of {n} ranked",
      "ranking.placed": "{label}: place {n}.",
      "ranking.removed": "{label} off place {n}.",
      "ranking.cleared": "Order cleared.",
      "ranking.place": "place {n}",
      "ranking.undo": "↶ Undo last",
      "ranking.clear": "Start over",
      "ranking.empty": "Tap at least one option first.",
      "ranking.first": "{n}× first",
      "ranking.scale": "score (0–{n})",
      "ranking.phoneScale": "Score from 0 to {n}: a first place gives {n} points, not ranked 0."
    }
  });

  function labels(slide) {
    var map = {};
    (slide.options || []).forEach(function (o) {
      map[o.id] = o.label;
    });
    return map;
  }

  /** How many options one person may rank. */
  function maxRanked(slide) {
    var n = (slide.options || []).length;
    return Math.max(1, Math.min(n, slide.max_ranked || n));
  }

  /** Known option ids in the given order, each once, at most max_ranked. */
  function draft(slide, answer) {
    var known = labels(slide);
    var seen = {};
    return Types.toList(answer)
      .filter(function (id) {
        if (!Object.prototype.hasOwnProperty.call(known, id) || seen[id]) return false;
        seen[id] = true;
        return true;
      })
      .slice(0, maxRanked(slide));
  }

  /* The phone: every option is a button in deck order (nothing moves under the finger); a tap
   * gives it the next place, shown as a number badge and said by the live counter. Placed
   * options (and all others once the ranking is full) are aria-disabled, not disabled, so the
   * keyboard and a screen reader still reach them and hear their place. */
  function form(ctx) {
    var slide = ctx.slide;
    var t = ctx.t;
    var options = slide.options || [];
    var known = labels(slide);
    var max = maxRanked(slide);
    var order = draft(slide, ctx.draft() || []);
    ctx.setDraft(order);
    ctx.form.appendChild(
      el(
        "p",
        "hint",
        max >= options.length ? t("ranking.hintAll") : t("ranking.hintTop", { n: max })
      )
    );
    var list = el("div", "rank-options");
    list.setAttribute("role", "group");
    list.setAttribute("aria-label", slide.prompt || slide.title || "");
    var buttons = [];
    // The counter is the live region: each change says what happened, then the count.
    var status = el("p", "hint rank-count");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    status.setAttribute("aria-atomic", "true");
    var said = el("span", "visually-hidden", "");
    var count = el("span", "rank-count-text", "");
    status.appendChild(said);
    status.appendChild(count);
    var tools = el("div", "rank-tools");
    var undo = ctx.button("btn-secondary rank-undo", t("ranking.undo"), function () {
      if (!order.length) return;
      var id = order.pop();
      edited(t("ranking.removed", { label: known[id], n: order.length + 1 }));
    });
    var clear = ctx.button("btn-secondary rank-clear", t("ranking.clear"), function () {
      if (!order.length) return;
      order.length = 0;
      edited(t("ranking.cleared"));
    });
    tools.appendChild(undo);
    tools.appendChild(clear);
    var send = el("button", "btn btn-primary btn-send rank-send", t("vote.send"));
    send.type = "submit";

    function edited(message) {
      ctx.setDraft(order);
      ctx.changed();
      sync(message);
    }

    function sync(message) {
      var full = order.length >= max;
      buttons.forEach(function (b) {
        var id = b.getAttribute("data-id");
        var at = order.indexOf(id);
        var badge = b.querySelector(".rank-badge");
        b.className = "btn rank-option" + (at >= 0 ? " rank-on" : "");
        badge.textContent = at >= 0 ? String(at + 1) : "";
        // Named with its place in words ("…, plaats 2"): the badge's digit alone says little.
        var name = known[id];
        if (at >= 0) name += ", " + t("ranking.place", { n: at + 1 });
        b.setAttribute("aria-label", name);
        b.setAttribute("aria-disabled", at >= 0 || full ? "true" : "false");
        if (at >= 0) b.setAttribute("data-rank", String(at + 1));
        else b.removeAttribute("data-rank");
      });
      undo.setAttribute("aria-disabled", order.length ? "false" : "true");
      clear.setAttribute("aria-disabled", order.length ? "false" : "true");
      said.textContent = message || "";
      count.textContent = t("ranking.count", { k: order.length, n: max });
      send.disabled = order.length === 0;
    }

    options.forEach(function (opt) {
      var b = el("button", "btn rank-option");
      b.type = "button";
      b.setAttribute("data-id", opt.id);
      var badge = el("span", "rank-badge", "");
      badge.setAttribute("aria-hidden", "true"); // the place is said in words (aria-label)
      b.appendChild(badge);
      b.appendChild(el("span", "rank-label", opt.label));
      b.addEventListener("click", function () {
        if (order.indexOf(opt.id) >= 0 || order.length >= max) return;
        order.push(opt.id);
        edited(t("ranking.placed", { label: opt.label, n: order.length }));
        // A full ranking: the next step is sending it.
        if (order.length >= max) send.focus();
      });
      buttons.push(b);
      list.appendChild(b);
    });
    ctx.form.appendChild(list);
    ctx.form.appendChild(status);
    ctx.form.appendChild(tools);
    ctx.form.appendChild(send);
    sync("");
  }

  function answer(slide, order) {
    var picked = draft(slide, order || []);
    return picked.length ? { answer: picked } : { error: "ranking.empty" };
  }

  function summary(slide, value, list) {
    var known = labels(slide);
    Types.toList(value).forEach(function (id, i) {
      var li = el("li", "summary-item summary-rank");
      li.appendChild(el("span", "summary-rank-place", i + 1 + "."));
      li.appendChild(el("span", "summary-rank-label", known[id] !== undefined ? known[id] : id));
      list.appendChild(li);
    });
  }

  function phoneResult(slide, r, box, ctx) {
    var known = labels(slide);
    var n = (slide.options || []).length || 1;
    var mine = Types.toList(ctx.mine)[0];
    box.appendChild(el("p", "hint rank-scale", ctx.t("ranking.phoneScale", { n: n })));
    (r.ranking || []).forEach(function (entry, i) {
      if (!Object.prototype.hasOwnProperty.call(known, entry.id)) return;
      var row = el("div", "rbar rank-rbar" + (entry.id === mine ? " rbar-mine" : ""));
      row.setAttribute("data-id", entry.id);
      var top = el("div", "rbar-top");
      top.appendChild(el("span", "rbar-label", i + 1 + ". " + known[entry.id]));
      top.appendChild(el("span", "rbar-num", Types.number(entry.score, ctx.lang)));
      row.appendChild(top);
      var track = el("div", "rbar-track");
      var fill = el("div", "rbar-fill");
      fill.style.width = Math.min(100, (100 * entry.score) / n).toFixed(1) + "%";
      track.appendChild(fill);
      row.appendChild(track);
      row.appendChild(el("p", "rank-rfirst", ctx.t("ranking.first", { n: entry.first })));
      box.appendChild(row);
    });
  }

  /* The projector and the remote: a row per option, sorted by score and moved smoothly when
   * the order changes. A bar's length is its score on a scale from 0 to n (the head row names
   * both ends), so 4,2 of 5 fills 84 % of its track whatever the others score. */
  function View(slide, root, t, lang) {
    this.t = t;
    this.lang = lang;
    this.n = (slide.options || []).length;
    this.rows = {};
    var options = slide.options || [];
    var box = el("div", "ranking" + (options.length > 6 ? " ranking-dense" : ""));
    var head = el("div", "ranking-row ranking-head");
    head.appendChild(el("div", "ranking-place"));
    head.appendChild(el("div", "ranking-label"));
    var axis = el("div", "ranking-axis");
    axis.appendChild(el("span", "ranking-end", "0"));
    axis.appendChild(el("span", "ranking-end", String(this.n)));
    head.appendChild(axis);
    var scale = t("ranking.scale", { n: this.n });
    head.appendChild(el("div", "ranking-nums ranking-scalehead", scale));
    box.appendChild(head);
    var self = this;
    options.forEach(function (opt, i) {
      var row = el("div", "ranking-row ranking-item");
      row.setAttribute("data-id", opt.id);
      row.style.order = String(i + 1);
      var place = el("div", "ranking-place", String(i + 1));
      var label = el("div", "ranking-label", opt.label);
      var track = el("div", "ranking-track");
      var fill = el("div", "ranking-fill bar-color-" + (i % 8));
      fill.setAttribute("data-score", "0");
      fill.setAttribute("data-first", "0");
      fill.setAttribute("data-count", "0");
      track.appendChild(fill);
      var nums = el("div", "ranking-nums");
      var score = el("span", "ranking-score", Types.number(0, lang));
      var first = el("span", "ranking-first", t("ranking.first", { n: 0 }));
      nums.appendChild(score);
      nums.appendChild(first);
      row.appendChild(place);
      row.appendChild(label);
      row.appendChild(track);
      row.appendChild(nums);
      box.appendChild(row);
      self.rows[opt.id] = { row: row, place: place, fill: fill, score: score, first: first };
    });
    root.appendChild(box);
  }

  View.prototype.update = function (result) {
    var rows = this.rows;
    var n = this.n || 1;
    var self = this;
    var ids = Object.keys(rows);
    // FLIP: where each row is now, then the new order, then slide each from old to new.
    var before = {};
    ids.forEach(function (id) {
      before[id] = rows[id].row.getBoundingClientRect().top;
    });
    (result.ranking || []).forEach(function (entry, i) {
      var row = rows[entry.id];
      if (!row) return;
      var score = Number(entry.score) || 0;
      row.row.style.order = String(i + 1);
      row.row.setAttribute("data-rank", String(i + 1));
      row.place.textContent = String(i + 1);
      row.fill.style.width = Math.min(100, (100 * score) / n).toFixed(2) + "%";
      row.fill.setAttribute("data-score", String(score));
      row.fill.setAttribute("data-first", String(entry.first));
      row.fill.setAttribute("data-count", String(entry.count));
      row.score.textContent = Types.number(score, self.lang);
      row.first.textContent = self.t("ranking.first", { n: entry.first });
    });
    ids.forEach(function (id) {
      var row = rows[id].row;
      var moved = before[id] - row.getBoundingClientRect().top;
      if (!moved) return;
      row.style.transition = "none";
      row.style.transform = "translateY(" + moved + "px)";
      void row.offsetHeight; // start from the old place…
      row.style.transition = "";
      row.style.transform = ""; // …and glide to the new one (CSS transition)
    });
  };

  View.prototype.relayout = function () {};

  Types.register("ranking", {
    draft: draft,
    form: form,
    answer: answer,
    summary: summary,
    phoneResult: phoneResult,
    View: View
  });
})(window);
