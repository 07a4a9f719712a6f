/* Scales on the presenter's screens, split by group (G) and rounds side by side (C): a panel
 * per statement, a lane per group or round with the mean as a dot and its 95 % interval as a
 * whisker on the same min..max axis, so groups compare at a glance and a wide whisker says
 * "few people". Rounds add the paired shift of those who answered both times. */
(function (global) {
  "use strict";

  var Types = global.RondvraagTypes;
  var F = global.RondvraagFacets;
  var el = global.RondvraagLive.el;

  /** The common frame: heading, a panel per statement (label, axis, lanes, note), footnote. */
  function Panels(slide, root, ctx, title, kind) {
    this.slide = slide;
    this.ctx = ctx;
    this.scale = slide.scale || { min: 1, max: 5 };
    this.box = el("div", "facet facet-scales facet-" + kind);
    this.box.appendChild(F.heading(title, ctx));
    var grid = el("div", "facet-panels");
    var n = (slide.statements || []).length;
    var columns = n > 1 ? 2 : 1;
    grid.style.gridTemplateColumns = "repeat(" + columns + ", minmax(0, 1fr))";
    grid.style.gridTemplateRows = "auto repeat(" + Math.ceil(n / columns) + ", minmax(0, 1fr))";
    this.panels = {};
    var self = this;
    // The values' names once above each column of panels (the lanes below line up with it).
    for (var c = 0; c < columns; c++) grid.appendChild(F.scaleAxis(this.scale));
    (slide.statements || []).forEach(function (st) {
      var panel = el("section", "facet-panel");
      panel.setAttribute("data-statement", st.id);
      panel.appendChild(el("h2", "facet-panel-title", st.label));
      panel.lastChild.title = st.label;
      var lanes = el("div", "facet-lanes");
      panel.appendChild(lanes);
      var note = el("p", "facet-note", "");
      panel.appendChild(note);
      grid.appendChild(panel);
      self.panels[st.id] = { lanes: lanes, note: note, rows: {}, key: "" };
    });
    this.box.appendChild(grid);
    this.foot = el("p", "facet-foot", ctx.t("facet.counting"));
    this.box.appendChild(this.foot);
    root.appendChild(this.box);
  }

  /** Lanes for `items` ({id, label, color}) in one panel, rebuilt only when they change. */
  Panels.prototype.lanes = function (sid, items, className) {
    var panel = this.panels[sid];
    var key = items
      .map(function (g) {
        return g.id;
      })
      .join("|");
    if (key !== panel.key) {
      panel.key = key;
      panel.rows = {};
      while (panel.lanes.firstChild) panel.lanes.removeChild(panel.lanes.firstChild);
      var lang = this.ctx.lang;
      items.forEach(function (g) {
        var lane = new F.MeanLane(g.label, g.color, lang, className);
        lane.row.setAttribute("data-group", g.id);
        panel.lanes.appendChild(lane.row);
        panel.rows[g.id] = lane;
      });
    }
    return panel.rows;
  };

  Panels.prototype.relayout = function () {};

  /* ---------------------------------------------------------------- by group */

  function SplitView(slide, root, ctx) {
    var split = (ctx.state().presenter || {}).split || {};
    Panels.call(this, slide, root, ctx, ctx.t("facet.by", { title: split.title || "" }), "split");
  }
  SplitView.prototype = Object.create(Panels.prototype);

  SplitView.prototype.update = function (result) {
    var list = F.groups(this.ctx, result);
    if (!list) return; // the count by group is on its way (the foot says so)
    var shown = list.filter(function (g) {
      return !g.suppressed;
    });
    var self = this;
    Object.keys(this.panels).forEach(function (sid) {
      var lanes = self.lanes(sid, shown, "facet-lane-group");
      shown.forEach(function (g) {
        lanes[g.id].update((g.result.statements || {})[sid], self.scale.min, self.scale.max);
      });
      self.panels[sid].note.textContent = F.noiseText(
        self.ctx,
        (result.segments_noise || {})[sid],
        list
      );
    });
    this.foot.textContent = F.suppressedText(this.ctx, list);
  };

  /* ---------------------------------------------------------------- rounds */

  function RoundsView(slide, root, ctx) {
    Panels.call(this, slide, root, ctx, ctx.t("facet.rounds"), "rounds");
  }
  RoundsView.prototype = Object.create(Panels.prototype);

  RoundsView.prototype.update = function (result) {
    var rounds = result && result.rounds;
    if (!rounds) return;
    var t = this.ctx.t;
    var items = rounds.map(function (r, i) {
      return { id: String(r.round), label: t("facet.round", { r: r.round }), color: i % 8 };
    });
    var last = rounds[rounds.length - 1];
    var self = this;
    Object.keys(this.panels).forEach(function (sid) {
      var lanes = self.lanes(sid, items, "facet-lane-round");
      rounds.forEach(function (r) {
        lanes[String(r.round)].update((r.statements || {})[sid], self.scale.min, self.scale.max);
      });
      var note = self.panels[sid].note;
      note.textContent = rounds.length > 1 ? shiftText(self.ctx, (last.shift || {})[sid]) : "";
      note.setAttribute("data-shift", JSON.stringify((last.shift || {})[sid] || null));
    });
    this.foot.textContent = rounds.length > 1 ? "" : t("facet.oneRound");
  };

  /** "↑ 40 % · = 45 % · ↓ 15 % van 20 die beide keren antwoordden · binnen de ruis". */
  function shiftText(ctx, shift) {
    var t = ctx.t;
    if (!shift) return "";
    if (shift.suppressed) {
      return t("facet.shiftHidden", { n: (ctx.state().presenter || {}).min_group });
    }
    var p = function (way) {
      return Types.pct(shift.counts[way], shift.paired);
    };
    var text = t("facet.shift", { up: p("up"), same: p("same"), down: p("down"), n: shift.paired });
    var change = (shift.change > 0 ? "+" : "") + Types.number(shift.change, ctx.lang);
    // The verdict first: a long line wraps, and this is what the room must read.
    return (shift.within_noise ? t("facet.shiftNoise") : t("facet.shiftReal", { d: change })) + ": " + text;
  }

  var spec = Types.get("scales");
  if (spec) {
    spec.SplitView = SplitView;
    spec.RoundsView = RoundsView;
  }
})(window);
