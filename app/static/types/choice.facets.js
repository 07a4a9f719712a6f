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

  function SplitView(slide, root, ctx) {
    this.slide = slide;
    this.ctx = ctx;
    var split = (ctx.state().presenter || {}).split || {};
    this.box = el("div", "facet facet-choice facet-split");
    this.box.appendChild(F.heading(ctx.t("facet.by", { title: split.title || "" }), ctx));
    this.grid = el("div", "facet-panels");
    this.box.appendChild(this.grid);
    this.note = el("p", "facet-note", "");
    this.box.appendChild(this.note);
    this.foot = el("p", "facet-foot", ctx.t("facet.counting"));
    this.box.appendChild(this.foot);
    this.key = "";
    this.panels = {};
    root.appendChild(this.box);
  }

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
    var slide = this.slide;
    var self = this;
    if (key !== this.key) {
      this.key = key;
      this.panels = {};
      while (this.grid.firstChild) this.grid.removeChild(this.grid.firstChild);
      var columns = shown.length > 4 ? 3 : Math.max(1, Math.min(2, shown.length));
      this.grid.style.gridTemplateColumns = "repeat(" + columns + ", minmax(0, 1fr))";
      shown.forEach(function (g) {
        var panel = el("section", "facet-panel");
        panel.setAttribute("data-group", g.id);
        var title = el("h2", "facet-panel-title facet-group-title", g.label);
        panel.appendChild(title);
        var bars = {};
        (slide.options || []).forEach(function (o, i) {
          var bar = new F.ShareBar(o.label, g.color, "facet-bar-option");
          bar.row.setAttribute("data-option", o.id);
          bar.row.setAttribute("data-index", String(i));
          panel.appendChild(bar.row);
          bars[o.id] = bar;
        });
        self.grid.appendChild(panel);
        self.panels[g.id] = { bars: bars, title: title };
      });
    }
    shown.forEach(function (g) {
      var r = g.result;
      var panel = self.panels[g.id];
      panel.title.textContent = g.label + " · " + self.ctx.t("facet.n", { n: r.responses });
      Object.keys(panel.bars).forEach(function (id) {
        panel.bars[id].update((r.counts || {})[id] || 0, r.responses || 0, (r.ci || {})[id]);
      });
    });
    // Noise: the options on which every shown group is within noise of every other.
    var noise = result.segments_noise || {};
    var quiet = (slide.options || []).filter(function (o) {
      var text = F.noiseText(self.ctx, noise[o.id], list);
      return text === self.ctx.t("facet.allNoise");
    });
    this.note.textContent =
      shown.length > 1 && quiet.length
        ? this.ctx.t("facet.allNoise") +
          ": " +
          quiet
            .map(function (o) {
              return o.label;
            })
            .join(", ")
        : "";
    this.foot.textContent = F.suppressedText(this.ctx, list);
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

  var spec = Types.get("choice");
  if (spec) {
    spec.SplitView = SplitView;
    spec.RoundsView = RoundsView;
  }
})(window);
