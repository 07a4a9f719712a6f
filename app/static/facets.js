/* The presenter's other looks at the live question: split by group (key G) and its rounds side
 * by side (key C). Presenter screens only (phones never get groups or rounds). The server
 * sends them with the live result when the presenter state asks for them (segments,
 * segments_noise, rounds; see app/facets.py); a slide type draws them with its SplitView and
 * RoundsView (types/NAME.facets.js), built from the parts here so every type shows intervals,
 * hidden groups and noise the same way. A type without them shows the whole room and says
 * so. Plain ES2017, no modules. */
(function (global) {
  "use strict";

  var L = global.RondvraagLive;
  var Types = global.RondvraagTypes;
  var el = L.el;

  global.RondvraagI18n.add({
    nl: {
      "facet.by": "Per groep: {title}",
      "facet.rounds": "Rondes naast elkaar",
      "facet.noAnswer": "Geen antwoord",
      "facet.counting": "Bezig met tellen…",
      "facet.suppressed": "Minder dan {n}: verborgen",
      "facet.allNoise": "Verschillen binnen de ruis",
      "facet.apart": "Verschil: {pairs}; de rest binnen de ruis",
      "facet.allApart": "Verschil: {pairs}",
      "facet.fromAll": "met alle andere",
      "facet.notSplit": "Niet per groep: een {type} toont de hele zaal",
      "facet.notRounds": "Rondes niet naast elkaar voor een {type}: dit is de huidige ronde",
      "facet.oneRound": "Nog maar één ronde: start een nieuwe ronde om te vergelijken",
      "facet.round": "Ronde {r}",
      "facet.n": "n={n}",
      "facet.interval": "streepje: 95 %-interval",
      "facet.shift": "↑ {up} % · = {same} % · ↓ {down} % van de {n} die beide keren antwoordden",
      "facet.shiftNoise": "Binnen de ruis",
      "facet.shiftReal": "Verschoven met {d}",
      "facet.shiftHidden": "Minder dan {n} beide keren: verborgen",
      "facet.roundsBy": "Rondes per groep: {title}",
      "facet.groupShift": "{d} ↑ {up} % · = {same} % · ↓ {down} % (n {n})",
      "facet.groupNoise": "≈ binnen de ruis (n {n})",
      "facet.groupShiftHidden": "minder dan {n} beide keren",
      "facet.groupRoundHidden": "ronde {r}: minder dan {n}",
      "facet.page": "Stellingen {from}–{to} van {of}, de rest volgt",
      "facet.pageOne": "Stelling {from} van {of}, de rest volgt",
      "facet.sharesKey": "% van elke groep, ronde na ronde",
      "facet.splitKey": "Groepen",
      "facet.roundsKey": "Rondes"
    },
    en: {
      "facet.by": "By group: {title}",
      "facet.rounds": "Rounds side by side",
      "facet.noAnswer": "No answer",
      "facet.counting": "Counting…",
      "facet.suppressed": "Fewer than {n}: hidden",
      "facet.allNoise": "Differences within noise",
      "facet.apart": "Different: {pairs}; the rest within noise",
      "facet.allApart": "Different: {pairs}",
      "facet.fromAll": "from all others",
      "facet.notSplit": "Not split: a {type} shows the whole room",
      "facet.notRounds": "Rounds not side by side for a {type}: this is the current round",
      "facet.oneRound": "Only one round so far: start a new round to compare",
      "facet.round": "Round {r}",
      "facet.n": "n={n}",
      "facet.interval": "whisker: 95 % interval",
      "facet.shift": "↑ {up} % · = {same} % · ↓ {down} % of the {n} who answered both times",
      "facet.shiftNoise": "Within noise",
      "facet.shiftReal": "Moved by {d}",
      "facet.shiftHidden": "Fewer than {n} answered both times: hidden",
      "facet.roundsBy": "Rounds by group: {title}",
      "facet.groupShift": "{d} ↑ {up} % · = {same} % · ↓ {down} % (n {n})",
      "facet.groupNoise": "≈ within noise (n {n})",
      "facet.groupShiftHidden": "fewer than {n} both times",
      "facet.groupRoundHidden": "round {r}: fewer than {n}",
      "facet.page": "Statements {from}–{to} of {of}, the rest follows",
      "facet.pageOne": "Statement {from} of {of}, the rest follows",
      "facet.sharesKey": "% of each group, round by round",
      "facet.splitKey": "Groups",
      "facet.roundsKey": "Rounds"
    }
  });

  function presenter(state) {
    return (state && state.presenter) || {};
  }

  /** What the presenter's screens show: "roundsSplit" (G and C both on), "rounds", "split"
   * or "" (the whole room). */
  function mode(state) {
    var p = presenter(state);
    if (p.compare_rounds) return p.split ? "roundsSplit" : "rounds";
    return p.split ? "split" : "";
  }

  /** The split key G moves to: the deck's choice questions in order, then none (null). */
  function nextSplit(state) {
    var p = presenter(state);
    var ids = (p.slides || [])
      .filter(function (s) {
        return s.type === "choice";
      })
      .map(function (s) {
        return s.id;
      });
    var at = ids.indexOf(p.split ? p.split.by : null);
    return at + 1 < ids.length ? ids[at + 1] : null;
  }

  /** The live question's view in the current mode. ctx: {t, lang, state(), control(), …}. */
  function build(type, slide, root, ctx) {
    var m = mode(ctx.state());
    var slideBox = root.closest(".slide");
    // The room needs all the height it can get for the groups: the subtitle gives way.
    if (slideBox) slideBox.classList.toggle("slide-facet", !!m);
    if (m === "split" && type && type.SplitView) return new type.SplitView(slide, root, ctx);
    if (m === "roundsSplit" && type && type.RoundsSplitView) {
      return new type.RoundsSplitView(slide, root, ctx);
    }
    // A type without rounds per group still shows its rounds for the whole room.
    if (m && m !== "split" && type && type.RoundsView) return new type.RoundsView(slide, root, ctx);
    if (m) {
      var head = root.closest(".slide") && root.closest(".slide").querySelector(".head");
      var what = ctx.t("type." + slide.type);
      var note = el("p", "facet-none", ctx.t(m === "split" ? "facet.notSplit" : "facet.notRounds", { type: what }));
      note.setAttribute("role", "status");
      if (head) head.appendChild(note);
    }
    return type && type.View ? new type.View(slide, root, ctx.t, ctx.lang, ctx) : null;
  }

  /** The groups of the current split in the splitting question's order: {id, label, color,
   * result} or {…, suppressed: true}; null until the server's count has arrived. */
  function groups(ctx, result) {
    var split = presenter(ctx.state()).split;
    var segments = result && result.segments;
    if (!split || !segments || result.segments_by !== split.by) return null;
    var list = [];
    split.groups.forEach(function (g, i) {
      var r = segments[g.id];
      if (!r) return;
      list.push({
        id: g.id,
        label: g.label || ctx.t("facet.noAnswer"),
        color: i % 8,
        result: r.suppressed ? null : r,
        suppressed: !!r.suppressed
      });
    });
    return list;
  }

  /** The groups of the current split across `rounds` (each round's result as the server
   * sent it): {id, label, color, rounds: [result or null per round], suppressed} where
   * `suppressed` means hidden in every round (listed once, never with a count); null until
   * every round's count by group has arrived. */
  function roundGroups(ctx, rounds) {
    var per = (rounds || []).map(function (r) {
      return groups(ctx, r);
    });
    if (!per.length || per.some(function (list) { return !list; })) return null;
    var byId = {};
    var list = [];
    per.forEach(function (groupsOfRound, i) {
      groupsOfRound.forEach(function (g) {
        if (!byId[g.id]) {
          byId[g.id] = { id: g.id, label: g.label, color: g.color, rounds: [], suppressed: true };
          list.push(byId[g.id]);
        }
        byId[g.id].rounds[i] = g.result;
        if (!g.suppressed) byId[g.id].suppressed = false;
      });
    });
    return list;
  }

  /** A rounds-by-group view's groups for `rounds`: {all, shown} (shown: not hidden in every
   * round), its rows built again when the rounds or the shown groups changed (view.build);
   * null until every round's count by group has arrived. */
  function roundsOnView(view, rounds) {
    var all = roundGroups(view.ctx, rounds);
    if (!all) return null;
    var shown = all.filter(function (g) {
      return !g.suppressed;
    });
    var key =
      rounds.map(function (r) { return r.round; }).join("|") +
      "/" +
      shown.map(function (g) { return g.id; }).join("|");
    if (key !== view.key) {
      view.key = key;
      view.build(shown, rounds);
    }
    return { all: all, shown: shown };
  }

  /** The heading line of a facet: what it shows, and how to read the whiskers. */
  function heading(text, ctx) {
    var head = el("div", "facet-heading");
    head.appendChild(el("span", "facet-title", text));
    head.appendChild(el("span", "facet-legend", ctx.t("facet.interval")));
    return head;
  }

  /** "Minder dan 5: verborgen — VDAB, WSG": hidden groups by name, never with a count. */
  function suppressedText(ctx, list) {
    var hidden = list.filter(function (g) {
      return g.suppressed;
    });
    if (!hidden.length) return "";
    var n = presenter(ctx.state()).split.min_group;
    return ctx.t("facet.suppressed", { n: n }) + " — " + hidden.map(function (g) {
      return short(g.label);
    }).join(", ");
  }

  /** The noise note of one option or statement, from the pairs of shown groups whose
   * intervals overlap: all of them "within noise"; else the pairs that are apart, named, and
   * the rest within noise. */
  function noiseText(ctx, pairs, list) {
    var shown = list.filter(function (g) {
      return !g.suppressed;
    });
    if (shown.length < 2) return "";
    var within = {};
    (pairs || []).forEach(function (p) {
      within[p[0] + "|" + p[1]] = true;
    });
    var overlaps = function (a, b) {
      return within[a.id + "|" + b.id] || within[b.id + "|" + a.id];
    };
    // A group apart from every other is named once ("Vakbond met alle andere").
    var alone = shown.filter(function (a) {
      return shown.every(function (b) {
        return a === b || !overlaps(a, b);
      });
    });
    var apart = alone.map(function (a) {
      return short(a.label) + " " + ctx.t("facet.fromAll");
    });
    shown.forEach(function (a, i) {
      shown.slice(i + 1).forEach(function (b) {
        if (overlaps(a, b) || alone.indexOf(a) >= 0 || alone.indexOf(b) >= 0) return;
        apart.push(short(a.label) + " ↔ " + short(b.label));
      });
    });
    if (!apart.length) return ctx.t("facet.allNoise");
    var said = apart.slice(0, 2);
    if (apart.length > 2) said.push("+" + (apart.length - 2));
    return ctx.t(pairs && pairs.length ? "facet.apart" : "facet.allApart", { pairs: said.join(", ") });
  }

  function short(label) {
    return label.length > 16 ? label.slice(0, 15) + "…" : label;
  }

  function pctText(x) {
    return Math.round(100 * x) + "%";
  }

  /** One share on a track: a bar as long as the share, its 95 % interval as a quiet whisker,
   * "n · p%" beside it. data-count / data-total say what it draws. */
  function ShareBar(label, color, className) {
    this.row = el("div", "facet-bar " + (className || ""));
    this.row.appendChild(el("div", "facet-bar-label", label));
    this.row.lastChild.title = label;
    var track = el("div", "facet-bar-track");
    this.fill = el("div", "facet-bar-fill bar-color-" + color);
    this.whisker = el("div", "facet-whisker");
    track.appendChild(this.fill);
    track.appendChild(this.whisker);
    this.row.appendChild(track);
    this.num = el("div", "facet-bar-num", "");
    this.row.appendChild(this.num);
  }

  ShareBar.prototype.update = function (count, total, ci) {
    shareBar(this, count, total, ci);
    this.num.textContent = count + " · " + pctText(total > 0 ? count / total : 0);
  };

  /** Draw a share into `bar` ({fill, whisker}): width, interval, and what it stands for. */
  function shareBar(bar, count, total, ci) {
    var share = total > 0 ? count / total : 0;
    bar.fill.style.width = (100 * share).toFixed(2) + "%";
    bar.fill.setAttribute("data-count", String(count));
    bar.fill.setAttribute("data-total", String(total));
    placeWhisker(bar.whisker, ci, 0, 1);
  }

  /** One mean on a min..max axis: a dot at the mean, its 95 % interval as a quiet whisker,
   * the mean and n beside it. data-mean / data-count say what it draws. */
  function MeanLane(label, color, lang, className) {
    this.lang = lang;
    this.row = el("div", "facet-lane " + (className || ""));
    var name = el("div", "facet-lane-label");
    name.title = label;
    name.appendChild(el("span", "facet-lane-name", label));
    this.n = el("span", "facet-lane-n", "");
    name.appendChild(this.n); // how many: never cut off with a long name
    this.row.appendChild(name);
    var track = el("div", "facet-lane-track");
    this.whisker = el("div", "facet-whisker");
    this.dot = el("div", "facet-dot bar-color-" + color);
    track.appendChild(this.whisker);
    track.appendChild(this.dot);
    this.row.appendChild(track);
    this.num = el("div", "facet-lane-num", "");
    this.row.appendChild(this.num);
  }

  MeanLane.prototype.update = function (stat, min, max) {
    var has = stat && typeof stat.mean === "number";
    this.dot.hidden = !has;
    this.row.setAttribute("data-count", String((stat && stat.count) || 0));
    this.n.textContent = stat ? " " + stat.count : "";
    if (!has) {
      this.row.removeAttribute("data-mean");
      this.whisker.hidden = true;
      this.num.textContent = "–";
      return;
    }
    this.row.setAttribute("data-mean", String(stat.mean));
    this.dot.style.left = ((100 * (stat.mean - min)) / (max - min || 1)).toFixed(2) + "%";
    placeWhisker(this.whisker, stat.ci, min, max);
    this.num.textContent = Types.number(stat.mean, this.lang);
  };

  function placeWhisker(whisker, ci, min, max) {
    if (!ci || ci.length !== 2) {
      whisker.hidden = true;
      return;
    }
    var span = max - min || 1;
    var low = Math.max(0, Math.min(1, (ci[0] - min) / span));
    var high = Math.max(0, Math.min(1, (ci[1] - min) / span));
    whisker.hidden = false;
    whisker.style.left = (100 * low).toFixed(2) + "%";
    whisker.style.width = (100 * (high - low)).toFixed(2) + "%";
    whisker.setAttribute("data-low", String(ci[0]));
    whisker.setAttribute("data-high", String(ci[1]));
  }

  /** The value names of a scale above its lanes: min … max, ends named. */
  function scaleAxis(scale) {
    var axis = el("div", "facet-axis");
    axis.appendChild(el("div", "facet-lane-label"));
    var ticks = el("div", "facet-axis-ticks");
    for (var v = scale.min; v <= scale.max; v++) {
      var tick = el("span", "facet-tick", v);
      tick.style.left = ((100 * (v - scale.min)) / (scale.max - scale.min || 1)).toFixed(2) + "%";
      ticks.appendChild(tick);
    }
    axis.appendChild(ticks);
    axis.appendChild(el("div", "facet-lane-num"));
    return axis;
  }

  global.RondvraagFacets = {
    mode: mode,
    nextSplit: nextSplit,
    build: build,
    groups: groups,
    roundGroups: roundGroups,
    roundsOnView: roundsOnView,
    presenter: presenter,
    placeWhisker: placeWhisker,
    short: short,
    heading: heading,
    suppressedText: suppressedText,
    noiseText: noiseText,
    pctText: pctText,
    ShareBar: ShareBar,
    shareBar: shareBar,
    MeanLane: MeanLane,
    scaleAxis: scaleAxis
  };
})(window);
