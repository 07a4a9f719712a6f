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

  /* ---------------------------------------------------------------- rounds per group */

  var PAGE_MS = 10000; // a page of statements stays this long when they do not all fit

  /* G and C both on: a panel per statement, a row per shown group with each round's mean as
   * a dot (the round's colour) and its 95 % interval as a whisker, each on its own line of
   * the same min..max track, and that group's paired shift from the round before in one short
   * line. More statements than fit the screen at a legible size: pages that take turns, and
   * the foot says which are shown. */
  function RoundsSplitView(slide, root, ctx) {
    var split = F.presenter(ctx.state()).split || {};
    this.slide = slide;
    this.ctx = ctx;
    this.scale = slide.scale || { min: 1, max: 5 };
    this.box = el("div", "facet facet-scales facet-rounds-split");
    var heading = F.heading(ctx.t("facet.roundsBy", { title: split.title || "" }), ctx);
    this.legend = el("span", "facet-round-legend"); // which colour is which round
    heading.insertBefore(this.legend, heading.lastChild);
    this.box.appendChild(heading);
    var axis = F.scaleAxis(this.scale);
    axis.classList.add("facet-group-axis");
    this.box.appendChild(axis);
    this.pages = el("div", "facet-pages");
    this.panels = {};
    var self = this;
    (slide.statements || []).forEach(function (st) {
      var panel = el("section", "facet-panel facet-group-panel");
      panel.setAttribute("data-statement", st.id);
      panel.appendChild(el("h2", "facet-panel-title", st.label));
      panel.lastChild.title = st.label;
      var rows = el("div", "facet-group-rows");
      panel.appendChild(rows);
      self.pages.appendChild(panel);
      self.panels[st.id] = { box: panel, rows: rows, cells: {} };
    });
    this.box.appendChild(this.pages);
    this.foot = el("p", "facet-foot", ctx.t("facet.counting"));
    this.box.appendChild(this.foot);
    root.appendChild(this.box);
    this.key = "";
    this.hidden = "";
    this.split = []; // the pages: lists of statement ids
    this.page = 0;
    this.timer = window.setInterval(function () {
      self.turn();
    }, PAGE_MS);
  }

  /** Rows for each shown group in every panel, with a mark per round; rebuilt on change. */
  RoundsSplitView.prototype.build = function (shown, rounds) {
    var t = this.ctx.t;
    var self = this;
    while (this.legend.firstChild) this.legend.removeChild(this.legend.firstChild);
    rounds.forEach(function (r, i) {
      var item = el("span", "facet-round-key");
      item.appendChild(el("span", "facet-key-dot bar-color-" + (i % 8)));
      item.appendChild(document.createTextNode(t("facet.round", { r: r.round })));
      self.legend.appendChild(item);
    });
    Object.keys(this.panels).forEach(function (sid) {
      var panel = self.panels[sid];
      while (panel.rows.firstChild) panel.rows.removeChild(panel.rows.firstChild);
      panel.cells = {};
      shown.forEach(function (g) {
        var row = el("div", "facet-group-row");
        row.setAttribute("data-group", g.id);
        var name = el("div", "facet-lane-label");
        name.title = g.label;
        name.appendChild(el("span", "facet-lane-name", g.label));
        row.appendChild(name);
        var track = el("div", "facet-lane-track facet-rounds-track");
        track.style.setProperty("--rounds", String(rounds.length));
        var marks = {};
        rounds.forEach(function (r, i) {
          var mark = el("div", "facet-round-mark");
          mark.setAttribute("data-round", String(r.round));
          mark.style.top = ((100 * (i + 0.5)) / rounds.length).toFixed(2) + "%";
          var whisker = el("div", "facet-whisker");
          var dot = el("div", "facet-dot bar-color-" + (i % 8));
          mark.appendChild(whisker);
          mark.appendChild(dot);
          track.appendChild(mark);
          marks[r.round] = { box: mark, whisker: whisker, dot: dot };
        });
        row.appendChild(track);
        var shift = el("div", "facet-group-shift", "");
        row.appendChild(shift);
        panel.rows.appendChild(row);
        panel.cells[g.id] = { marks: marks, shift: shift };
      });
    });
  };

  RoundsSplitView.prototype.update = function (result) {
    var rounds = result && result.rounds;
    if (!rounds) return;
    var groups = F.roundsOnView(this, rounds);
    if (!groups) return; // the count by group is on its way (the foot says so)
    var list = groups.all;
    var shown = groups.shown;
    var self = this;
    var min = this.scale.min;
    var max = this.scale.max;
    var last = rounds.length - 1;
    var minGroup = F.presenter(this.ctx.state()).min_group;
    Object.keys(this.panels).forEach(function (sid) {
      var panel = self.panels[sid];
      shown.forEach(function (g) {
        var cell = panel.cells[g.id];
        rounds.forEach(function (r, i) {
          var stat = g.rounds[i] && (g.rounds[i].statements || {})[sid];
          placeMark(cell.marks[r.round], stat, min, max);
        });
        var now = g.rounds[last];
        var shift = now && now.shift ? now.shift[sid] : null;
        cell.shift.setAttribute("data-shift", JSON.stringify(shift || null));
        if (rounds.length < 2) cell.shift.textContent = "";
        else if (!now) {
          cell.shift.textContent = self.ctx.t("facet.groupRoundHidden", {
            r: rounds[last].round,
            n: minGroup
          });
        } else cell.shift.textContent = groupShiftText(self.ctx, shift, minGroup);
      });
    });
    this.hidden = F.suppressedText(this.ctx, list);
    this.paginate();
  };

  /** Mean as a dot, 95 % interval as a whisker; data-mean / data-count / data-low /
   * data-high say what it draws. No answers from this group in this round: no mark. */
  function placeMark(mark, stat, min, max) {
    var has = stat && typeof stat.mean === "number";
    mark.box.hidden = !has;
    mark.box.setAttribute("data-count", String((stat && stat.count) || 0));
    if (!has) {
      mark.box.removeAttribute("data-mean");
      return;
    }
    mark.box.setAttribute("data-mean", String(stat.mean));
    mark.dot.style.left = ((100 * (stat.mean - min)) / (max - min || 1)).toFixed(2) + "%";
    F.placeWhisker(mark.whisker, stat.ci, min, max);
    if (stat.ci && stat.ci.length === 2) {
      mark.box.setAttribute("data-low", String(stat.ci[0]));
      mark.box.setAttribute("data-high", String(stat.ci[1]));
    }
  }

  /** "+0,8 ↑ 60 % · = 30 % · ↓ 10 % (n 12)" or "≈ binnen de ruis (n 12)". */
  function groupShiftText(ctx, shift, minGroup) {
    var t = ctx.t;
    if (!shift) return "";
    if (shift.suppressed) return t("facet.groupShiftHidden", { n: minGroup });
    if (shift.within_noise) return t("facet.groupNoise", { n: shift.paired });
    var p = function (way) {
      return Types.pct(shift.counts[way], shift.paired);
    };
    var change = (shift.change > 0 ? "+" : "") + Types.number(shift.change, ctx.lang);
    return t("facet.groupShift", {
      d: change,
      up: p("up"),
      same: p("same"),
      down: p("down"),
      n: shift.paired
    });
  }

  /** Pages of whole statements that fit the space at the text's size (the remote scrolls
   * instead: one page). */
  RoundsSplitView.prototype.paginate = function () {
    var ids = Object.keys(this.panels);
    var self = this;
    ids.forEach(function (sid) {
      self.panels[sid].box.hidden = false;
    });
    var pages = [[]];
    if (!document.body.classList.contains("remote")) {
      var room = this.pages.clientHeight;
      var gap = parseFloat(getComputedStyle(this.pages).rowGap) || 0;
      var used = 0;
      ids.forEach(function (sid) {
        var h = self.panels[sid].box.offsetHeight;
        var page = pages[pages.length - 1];
        if (page.length && used + gap + h > room) {
          pages.push([]);
          used = 0;
        }
        used += (pages[pages.length - 1].length ? gap : 0) + h;
        pages[pages.length - 1].push(sid);
      });
    } else pages = [ids];
    this.split = pages;
    if (this.page >= pages.length) this.page = 0;
    this.show();
  };

  RoundsSplitView.prototype.show = function () {
    var page = this.split[this.page] || [];
    var self = this;
    Object.keys(this.panels).forEach(function (sid) {
      self.panels[sid].box.hidden = page.indexOf(sid) < 0;
    });
    this.box.setAttribute("data-page", String(this.page + 1));
    this.box.setAttribute("data-pages", String(this.split.length));
    var foot = [];
    if (this.split.length > 1) {
      var ids = Object.keys(this.panels);
      var from = ids.indexOf(page[0]) + 1;
      var to = ids.indexOf(page[page.length - 1]) + 1;
      var what = { from: from, to: to, of: ids.length };
      foot.push(this.ctx.t(from === to ? "facet.pageOne" : "facet.page", what));
    }
    if (this.hidden) foot.push(this.hidden);
    this.foot.textContent = foot.join(" · ");
  };

  /** The next page, every PAGE_MS; stops once this view is off the screen. */
  RoundsSplitView.prototype.turn = function () {
    if (!document.body.contains(this.box)) {
      window.clearInterval(this.timer);
      return;
    }
    if (this.split.length < 2) return;
    this.page = (this.page + 1) % this.split.length;
    this.show();
  };

  RoundsSplitView.prototype.relayout = function () {
    if (this.key) this.paginate();
  };

  var spec = Types.get("scales");
  if (spec) {
    spec.SplitView = SplitView;
    spec.RoundsView = RoundsView;
    spec.RoundsSplitView = RoundsSplitView;
  }
})(window);
