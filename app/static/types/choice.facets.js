/* Choice on the presenter's screens, split by group (G) and rounds side by side (C). By group:
 * small multiples, a panel per group with each option's share of that group (so a group of 12
 * and one of 70 compare as shares), the 95 % interval as a quiet whisker. Rounds: per option a
 * bar per round. */
(function (global) {
  "use strict";

  var Types = global.RondvraagTypes;
  var F = global.RondvraagFacets;
  var el = global.RondvraagLive.el;

  function labelOf(slide, id) {
    var found = (slide.options || []).filter(function (o) {
      return o.id === id;
    })[0];
    return found ? found.label : id;
  }

  /* ---------------------------------------------------------------- by group */

  /* A table: a row per option, a column per shown group, each cell the option's share of that
   * group as a number and a bar with its 95 % interval; "≈" at the end of a row whose groups
   * are all within noise of each other. Nine options by five groups stay readable. */
  function SplitView(slide, root, ctx) {
    this.slide = slide;
    this.ctx = ctx;
    var split = (ctx.state().presenter || {}).split || {};
    this.box = el("div", "facet facet-choice facet-split");
    this.box.appendChild(F.heading(ctx.t("facet.by", { title: split.title || "" }), ctx));
    this.table = el("div", "facet-table");
    this.box.appendChild(this.table);
    this.foot = el("p", "facet-foot", ctx.t("facet.counting"));
    this.box.appendChild(this.foot);
    this.key = "";
    this.cells = {};
    this.marks = {};
    this.heads = {};
    root.appendChild(this.box);
  }

  /** The table's head row: an empty corner, then each group's name and a slot for its n. */
  function groupHeads(table, shown) {
    var heads = {};
    table.appendChild(el("div", "facet-table-corner"));
    shown.forEach(function (g) {
      var head = el("div", "facet-table-head");
      head.setAttribute("data-group", g.id);
      head.title = g.label;
      head.appendChild(el("span", "facet-table-group", g.label));
      heads[g.id] = el("span", "facet-table-n", "");
      head.appendChild(heads[g.id]);
      table.appendChild(head);
    });
    return heads;
  }

  SplitView.prototype.build = function (shown) {
    var table = this.table;
    var self = this;
    while (table.firstChild) table.removeChild(table.firstChild);
    table.style.gridTemplateColumns =
      "minmax(0, 28%) repeat(" + shown.length + ", minmax(0, 1fr)) 1.2em";
    table.style.setProperty("--groups", String(shown.length)); // for the 4:3 layout
    this.cells = {};
    this.marks = {};
    this.heads = groupHeads(table, shown);
    table.appendChild(el("div", "facet-table-corner"));
    (this.slide.options || []).forEach(function (o) {
      var label = el("div", "facet-table-option", o.label);
      label.title = o.label;
      table.appendChild(label);
      shown.forEach(function (g) {
        var cell = el("div", "facet-cell");
        cell.setAttribute("data-group", g.id);
        cell.setAttribute("data-option", o.id);
        var num = el("div", "facet-cell-num", "");
        var track = el("div", "facet-bar-track facet-cell-track");
        var fill = el("div", "facet-bar-fill bar-color-" + g.color);
        var whisker = el("div", "facet-whisker");
        track.appendChild(fill);
        track.appendChild(whisker);
        cell.appendChild(num);
        cell.appendChild(track);
        table.appendChild(cell);
        self.cells[g.id + "|" + o.id] = { num: num, fill: fill, whisker: whisker };
      });
      var mark = el("div", "facet-noise-mark", "");
      mark.setAttribute("data-option", o.id);
      table.appendChild(mark);
      self.marks[o.id] = mark;
    });
  };

  SplitView.prototype.update = function (result) {
    var list = F.groups(this.ctx, result);
    if (!list) return;
    var shown = list.filter(function (g) {
      return !g.suppressed;
    });
    var key = shown
      .map(function (g) {
        return g.id;
      })
      .join("|");
    if (key !== this.key) {
      this.key = key;
      this.build(shown);
    }
    var self = this;
    var t = this.ctx.t;
    var noise = result.segments_noise || {};
    shown.forEach(function (g) {
      var r = g.result;
      self.heads[g.id].textContent = " " + r.responses;
      (self.slide.options || []).forEach(function (o) {
        var cell = self.cells[g.id + "|" + o.id];
        var count = (r.counts || {})[o.id] || 0;
        var total = r.responses || 0;
        F.shareBar(cell, count, total, (r.ci || {})[o.id]);
        cell.num.textContent = F.pctText(total > 0 ? count / total : 0);
      });
    });
    var quiet = 0;
    (this.slide.options || []).forEach(function (o) {
      var within = F.noiseText(self.ctx, noise[o.id], list) === t("facet.allNoise");
      if (within) quiet += 1;
      self.marks[o.id].textContent = within ? "≈" : "";
      self.marks[o.id].title = within ? t("facet.allNoise") : "";
    });
    var foot = [];
    if (shown.length > 1 && quiet) foot.push("≈ " + t("facet.allNoise").toLowerCase());
    var hidden = F.suppressedText(this.ctx, list);
    if (hidden) foot.push(hidden);
    this.foot.textContent = foot.join(" · ");
  };

  SplitView.prototype.relayout = function () {};

  /* ---------------------------------------------------------------- rounds */

  function RoundsView(slide, root, ctx) {
    this.slide = slide;
    this.ctx = ctx;
    this.box = el("div", "facet facet-choice facet-rounds");
    this.box.appendChild(F.heading(ctx.t("facet.rounds"), ctx));
    this.list = el("div", "facet-options");
    this.box.appendChild(this.list);
    this.foot = el("p", "facet-foot", ctx.t("facet.counting"));
    this.box.appendChild(this.foot);
    this.key = "";
    this.rows = {};
    root.appendChild(this.box);
  }

  RoundsView.prototype.update = function (result) {
    var rounds = result && result.rounds;
    if (!rounds) return;
    var t = this.ctx.t;
    var key = rounds
      .map(function (r) {
        return r.round;
      })
      .join("|");
    var self = this;
    if (key !== this.key) {
      this.key = key;
      this.rows = {};
      while (this.list.firstChild) this.list.removeChild(this.list.firstChild);
      (this.slide.options || []).forEach(function (o) {
        var block = el("section", "facet-option");
        block.setAttribute("data-option", o.id);
        block.appendChild(el("h2", "facet-option-title", labelOf(self.slide, o.id)));
        var bars = {};
        rounds.forEach(function (r, i) {
          var bar = new F.ShareBar(t("facet.round", { r: r.round }), i % 8, "facet-bar-round");
          bar.row.setAttribute("data-round", String(r.round));
          block.appendChild(bar.row);
          bars[r.round] = bar;
        });
        self.list.appendChild(block);
        self.rows[o.id] = bars;
      });
    }
    Object.keys(this.rows).forEach(function (id) {
      rounds.forEach(function (r) {
        self.rows[id][r.round].update((r.counts || {})[id] || 0, r.responses || 0, (r.ci || {})[id]);
      });
    });
    this.foot.textContent =
      rounds.length > 1
        ? rounds
            .map(function (r) {
              return t("facet.round", { r: r.round }) + ": " + t("facet.n", { n: r.responses });
            })
            .join(" · ")
        : t("facet.oneRound");
  };

  RoundsView.prototype.relayout = function () {};

  /* ---------------------------------------------------------------- rounds per group */

  /* G and C both on: a compact table, a row per option, a column per shown group, each cell
   * the option's share of that group in every round in % ("40 → 55"), so a group's change reads
   * across; the heads give each group's number of answers per round. A group hidden in a
   * round (fewer than min_group) shows "–" there, never a count. */
  function RoundsSplitView(slide, root, ctx) {
    var split = F.presenter(ctx.state()).split || {};
    this.slide = slide;
    this.ctx = ctx;
    this.box = el("div", "facet facet-choice facet-rounds-split");
    var heading = F.heading(ctx.t("facet.roundsBy", { title: split.title || "" }), ctx);
    heading.lastChild.textContent = ctx.t("facet.sharesKey"); // no whiskers here: what it is
    this.box.appendChild(heading);
    this.table = el("div", "facet-table facet-round-table");
    this.box.appendChild(this.table);
    this.foot = el("p", "facet-foot", ctx.t("facet.counting"));
    this.box.appendChild(this.foot);
    this.key = "";
    this.cells = {};
    this.heads = {};
    root.appendChild(this.box);
  }

  RoundsSplitView.prototype.build = function (shown, rounds) {
    var table = this.table;
    var self = this;
    while (table.firstChild) table.removeChild(table.firstChild);
    table.style.gridTemplateColumns = "minmax(0, 26%) repeat(" + shown.length + ", minmax(0, 1fr))";
    table.style.setProperty("--groups", String(shown.length)); // for the 4:3 layout
    this.cells = {};
    this.heads = groupHeads(table, shown);
    (this.slide.options || []).forEach(function (o) {
      var label = el("div", "facet-table-option", o.label);
      label.title = o.label;
      table.appendChild(label);
      shown.forEach(function (g) {
        var cell = el("div", "facet-round-cell");
        cell.setAttribute("data-group", g.id);
        cell.setAttribute("data-option", o.id);
        var shares = {};
        rounds.forEach(function (r, i) {
          if (i) cell.appendChild(el("span", "facet-round-arrow", " → "));
          var share = el("span", "facet-round-share", "");
          share.setAttribute("data-round", String(r.round));
          cell.appendChild(share);
          shares[r.round] = share;
        });
        table.appendChild(cell);
        self.cells[g.id + "|" + o.id] = shares;
      });
    });
  };

  RoundsSplitView.prototype.update = function (result) {
    var rounds = result && result.rounds;
    if (!rounds) return;
    var groups = F.roundsOnView(this, rounds);
    if (!groups) return;
    var list = groups.all;
    var shown = groups.shown;
    var self = this;
    shown.forEach(function (g) {
      self.heads[g.id].textContent =
        "n " +
        g.rounds
          .map(function (r) {
            return r ? String(r.responses) : "–";
          })
          .join(" → ");
      (self.slide.options || []).forEach(function (o) {
        var shares = self.cells[g.id + "|" + o.id];
        rounds.forEach(function (round, i) {
          var r = g.rounds[i];
          var span = shares[round.round];
          if (!r) {
            span.textContent = "–";
            span.removeAttribute("data-count");
            span.removeAttribute("data-total");
            return;
          }
          var count = (r.counts || {})[o.id] || 0;
          var total = r.responses || 0;
          span.setAttribute("data-count", String(count));
          span.setAttribute("data-total", String(total));
          span.textContent = String(Math.round(total > 0 ? (100 * count) / total : 0));
        });
      });
    });
    var t = this.ctx.t;
    var foot = [
      rounds
        .map(function (r) {
          return t("facet.round", { r: r.round });
        })
        .join(" → ")
    ];
    var hidden = F.suppressedText(this.ctx, list);
    if (hidden) foot.push(hidden);
    this.foot.textContent = foot.join(" · ");
  };

  RoundsSplitView.prototype.relayout = function () {};

  var spec = Types.get("choice");
  if (spec) {
    spec.SplitView = SplitView;
    spec.RoundsView = RoundsView;
    spec.RoundsSplitView = RoundsSplitView;
  }
})(window);
