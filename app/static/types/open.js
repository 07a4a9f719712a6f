/* Open question: free answers; the projector shows them as a wall of cards. */
(function (global) {
  "use strict";

  var Types = global.RondvraagTypes;
  var el = global.RondvraagLive.el;

  function phoneResult(slide, r, box) {
    var list = el("ul", "ranswers");
    (r.answers || []).slice().reverse().slice(0, 40).forEach(function (a) {
      list.appendChild(el("li", "ranswer", a));
    });
    box.appendChild(list);
  }


  /* Text sizes the wall tries, largest first, in vmin (7vmin = 76 px at 1080p). The first size
   * at which every card fits one page is used; a card wants a column of about WALL_EMS ems, so
   * smaller text means more columns. The last size (3.1vmin: 3.1 % of a landscape screen's
   * height, legible from the back row) is the one the wall pages at when not everything fits. */
  var WALL_SIZES = [7, 6, 5.2, 4.5, 3.9, 3.4, 3.1];
  var WALL_EMS = 10.5;
  var WALL_MAX_COLS = 6;
  // How long a page stays up: time to read it (~22 characters a second), 6 to 20 seconds.
  var PAGE_MS = { base: 3000, perChar: 45, min: 6000, max: 20000 };
  var FLUSH_MS = 1000;

  /** Identical answers (case and spacing aside) as one group with a count, shown in their
   * most frequent spelling; `last`: where its newest copy is in `answers` (oldest first). */
  function groupAnswers(answers) {
    var byKey = {};
    var groups = [];
    answers.forEach(function (text, i) {
      var key = text.replace(/\s+/g, " ").trim().toLowerCase();
      var g = byKey[key];
      if (!g) {
        g = byKey[key] = { key: key, text: text, count: 0, last: i, spellings: {} };
        groups.push(g);
      }
      g.count += 1;
      g.last = i;
      g.spellings[text] = (g.spellings[text] || 0) + 1;
      if (g.spellings[text] > g.spellings[g.text]) g.text = text;
    });
    return groups;
  }

  /** While voting is open the newest answer comes first; once closed the most frequent. */
  function ordered(groups, open) {
    return groups.slice().sort(function (a, b) {
      if (!open && b.count !== a.count) return b.count - a.count;
      return b.last - a.last;
    });
  }

  /** The answer wall: one card per distinct answer (repeats carry a count). When the cards do
   * not fit at a legible size the wall pages through them by itself at a reading pace, and
   * says plainly which answers are up ("Antwoorden 19–36 van 182"). The presenter pauses it
   * with P and steps with [ and ]. New answers appear on the first page (within a second when
   * it pages); on a later page they wait for the next page turn (the indicator counts them),
   * so a page never changes while people read it. The remote shows every card in a
   * scrolling list. */
  function View(slide, root, t, lang, ctx) {
    this.t = t;
    this.box = el("div", "wall-view");
    this.viewport = el("div", "wall-viewport");
    // On the remote it scrolls: a keyboard must be able to reach it and scroll.
    this.viewport.setAttribute("tabindex", "0");
    this.viewport.setAttribute("role", "region");
    this.viewport.setAttribute("aria-label", slide.prompt || "");
    this.wall = el("div", "wall");
    this.wall.setAttribute("role", "list"); // every answer, also those on other pages
    // One line of fixed height, so what it says never changes the wall's size: the range
    // always shows, the rest (page, paused, new) gives way when the line is full.
    this.pager = el("p", "wall-pager");
    this.pagerMain = el("span", "wall-pager-main");
    this.pagerMore = el("span", "wall-pager-more");
    this.pager.appendChild(this.pagerMain);
    this.pager.appendChild(this.pagerMore);
    this.viewport.appendChild(this.wall);
    this.box.appendChild(this.viewport);
    this.box.appendChild(this.pager);
    root.appendChild(this.box);
    this.nodes = {}; // group key -> card
    this.groups = []; // on the wall, in order
    this.shown = null; // the result on the wall
    this.pending = null; // a newer result, put up at the next page turn
    this.open = true;
    this.pages = { pageOf: [], count: 1, offsets: [0] };
    this.page = 0;
    this.paused = false;
    this.timer = null;
    this.flushTimer = null;
    this.fitKey = null; // the wall size the text size was chosen for
    this.level = 0; // index into WALL_SIZES
    this.moderation = moderation(this, slide, ctx);
  }

  /** The presenter hides an answer (moderate.js): the cards in wall order; a card stands for
   * every spelling of an answer typed alike, so all of them are hidden. */
  function moderation(view, slide, ctx) {
    var Moderate = global.RondvraagModerate;
    if (!Moderate || !ctx || !ctx.control) return null;
    var order = function () {
      return view.groups.map(function (g) {
        return g.text;
      });
    };
    var spellings = function (text) {
      var group = view.groups.filter(function (g) {
        return g.text === text;
      })[0];
      return group ? Object.keys(group.spellings) : [text];
    };
    return new Moderate.Entries(slide, view.wall, ctx, order, spellings);
  }

  View.prototype.remote = function () {
    return global.document.body.classList.contains("remote");
  };

  View.prototype.update = function (result) {
    var shown = this.shown;
    if (shown && !this.pending && sameAnswers(shown, result)) {
      this.shown = result; // fresh counts of people, the same wall
      return;
    }
    var paged = this.pages.count > 1 && !this.remote();
    if (paged && shown && shown.round === result.round) {
      // A later page waits for the next turn; the first page takes new answers at most once
      // a second (a wall of hundreds of cards is not laid out ten times a second).
      this.pending = result;
      if (this.page === 0 && !this.flushTimer) {
        var self = this;
        this.flushTimer = global.setTimeout(function () {
          self.flushTimer = null;
          if (self.page === 0 && self.pending && self.wall.isConnected) {
            var next = self.pending;
            self.pending = null;
            self.apply(next);
          }
        }, FLUSH_MS);
      }
      this.renderPager();
      return;
    }
    if (shown && shown.round !== result.round) this.page = 0;
    this.pending = null;
    this.apply(result);
  };

  function sameAnswers(a, b) {
    var x = a.answers || [];
    var y = b.answers || [];
    if (a.round !== b.round || a.total !== b.total || x.length !== y.length) return false;
    for (var i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }

  /** Put `result` up: cards made once per answer and kept (only counts and order change). */
  View.prototype.apply = function (result) {
    this.shown = result;
    var groups = ordered(groupAnswers((result.answers || []).map(String)), this.open);
    var nodes = {};
    var added = false;
    for (var i = 0; i < groups.length; i++) {
      var g = groups[i];
      var node = this.nodes[g.key];
      if (!node) {
        node = card(g.text, this.t);
        added = true;
      }
      fill(node, g, this.t);
      nodes[g.key] = node;
    }
    var removed = false;
    var self = this;
    Object.keys(this.nodes).forEach(function (key) {
      if (!nodes[key]) {
        removed = true;
        var gone = self.nodes[key];
        if (gone.parentNode) gone.parentNode.removeChild(gone);
      }
    });
    // Into order with as few moves as possible: new answers on top are one insert each.
    var cursor = this.wall.firstChild;
    for (var j = 0; j < groups.length; j++) {
      var want = nodes[groups[j].key];
      if (want === cursor) cursor = cursor.nextSibling;
      else this.wall.insertBefore(want, cursor);
    }
    this.nodes = nodes;
    this.groups = groups;
    if (this.moderation) this.moderation.drawn();
    this.fit(removed || !this.open ? "changed" : added ? "grew" : "same");
    this.paginate();
    var fresh = this.wall.querySelectorAll(".wall-new");
    global.requestAnimationFrame(function () {
      global.requestAnimationFrame(function () {
        for (var k = 0; k < fresh.length; k++) fresh[k].classList.remove("wall-new");
      });
    });
  };

  function card(text, t) {
    var node = el("div", "wall-card wall-new wall-color-" + (Types.hash(text) % 5));
    node.setAttribute("role", "listitem");
    node.setAttribute("data-entry", text);
    node.appendChild(el("span", "wall-text", text));
    var badge = el("span", "wall-count");
    badge.appendChild(el("span", "wall-count-n")).setAttribute("aria-hidden", "true");
    badge.appendChild(el("span", "visually-hidden"));
    node.appendChild(badge);
    return node;
  }

  function fill(node, g, t) {
    var n = g.count;
    if (node.firstChild.textContent !== g.text) node.firstChild.textContent = g.text;
    node.setAttribute("data-entry", g.text);
    // A single answer's card holds its text only (nothing hidden that a copy would pick up).
    var badge = node.lastChild;
    badge.hidden = n < 2;
    badge.firstChild.textContent = n < 2 ? "" : "×" + n;
    badge.lastChild.textContent = n < 2 ? "" : " (" + t("wall.times", { n: n }) + ")";
  }

  /** Pick the largest text size (and its column count) at which every card fits one page; at
   * the smallest the cards flow on into further pages. `change`: "same" (nothing to do unless
   * the wall was resized), "grew" (cards were only added: the text can only shrink, so the
   * search starts at the current size) or "changed" (search from the largest size). */
  View.prototype.fit = function (change) {
    var wall = this.wall;
    var style = wall.style;
    if (this.remote()) {
      // The remote's list scrolls and has its own fixed sizes.
      style.fontSize = "";
      style.columnCount = "";
      style.columnGap = "";
      wall.classList.remove("wall-paged");
      this.fitKey = null;
      return;
    }
    var W = wall.clientWidth;
    var H = wall.clientHeight;
    var n = this.groups.length;
    var key = W + "x" + H;
    if (W < 50 || H < 50) return;
    var sameSize = key === this.fitKey;
    if (sameSize && change === "same") return;
    var paged = wall.classList.contains("wall-paged");
    if (sameSize && change === "grew" && paged) {
      // More cards on a wall that already pages: it still does. Only a card taller than a
      // column needs fewer, wider columns.
      this.narrow(H);
      return;
    }
    var start = sameSize && change === "grew" ? this.level : 0;
    this.fitKey = key;
    var vmin = Math.min(global.innerWidth, global.innerHeight) / 100;
    var cols = 1;
    wall.classList.remove("wall-paged");
    for (var i = start; i < WALL_SIZES.length; i++) {
      var font = WALL_SIZES[i] * vmin;
      var gap = font * 0.5;
      cols = Math.floor((W + gap) / (font * WALL_EMS + gap));
      cols = Math.max(1, Math.min(cols, WALL_MAX_COLS, Math.max(n, 1)));
      style.fontSize = font.toFixed(1) + "px";
      style.columnCount = String(cols);
      style.columnGap = gap.toFixed(1) + "px";
      this.level = i;
      if (wall.scrollWidth <= W + 1 && wall.scrollHeight <= H + 1) return;
    }
    // Pages: columns fill one after the other (not balanced), the rest flows on to the right.
    // A card is never split: fewer, wider columns until the tallest card fits one.
    wall.classList.add("wall-paged");
    this.narrow(H);
  };

  View.prototype.narrow = function (H) {
    var cols = Number(this.wall.style.columnCount) || 1;
    while (cols > 1 && this.tallest() > H) {
      cols -= 1;
      this.wall.style.columnCount = String(cols);
    }
  };

  View.prototype.tallest = function () {
    var most = 0;
    for (var i = 0; i < this.wall.children.length; i++) {
      most = Math.max(most, this.wall.children[i].offsetHeight);
    }
    return most;
  };

  /** Which card is on which page, then show the current page (kept in range). */
  View.prototype.paginate = function () {
    this.pages = this.remote()
      ? { pageOf: [], count: 1, offsets: [0] }
      : Types.columnPages(this.wall);
    if (this.page >= this.pages.count) this.page = 0;
    this.showPage();
  };

  View.prototype.showPage = function () {
    var x = this.pages.offsets[this.page] || 0;
    this.wall.style.transform = x ? "translateX(" + -x.toFixed(1) + "px)" : "";
    // Cards on other pages are out of sight but stay in the page for screen readers.
    this.renderPager();
    this.schedule();
  };

  /** The answers on page `p`, counted as the room counts them: a card of 3 is 3 answers. */
  View.prototype.range = function (p) {
    var from = 0;
    var to = 0;
    var pageOf = this.pages.pageOf;
    for (var i = 0; i < this.groups.length; i++) {
      var page = pageOf.length ? pageOf[i] : 0;
      if (page < p) from += this.groups[i].count;
      if (page <= p) to += this.groups[i].count;
    }
    return { from: from + 1, to: to };
  };

  View.prototype.renderPager = function () {
    var t = this.t;
    var r = this.shown || {};
    var held = (r.answers || []).length;
    var total = typeof r.total === "number" ? Math.max(r.total, held) : held;
    var main = "";
    var more = [];
    var n = this.pages.count;
    var span = n > 1 ? this.range(this.page) : { from: 1, to: held };
    if (held < total) {
      main = t("wall.rangeNewest", { from: span.from, to: span.to, held: held });
      more.push(t("wall.total", { n: total }));
    } else if (n > 1) main = t("wall.range", { from: span.from, to: span.to, total: total });
    else if (held) main = t.count("wall.all", total);
    if (n > 1) more.push(t("wall.page", { p: this.page + 1, n: n }));
    if (n > 1 && this.paused) more.push(t("wall.paused"));
    var waiting = this.pending ? (this.pending.total || 0) - (r.total || 0) : 0;
    if (waiting > 0) more.push(t("wall.new", { n: waiting }));
    this.pagerMain.textContent = main;
    this.pagerMore.textContent = more.length ? "\u00a0· " + more.join(" · ") : "";
    this.box.classList.toggle("wall-is-paged", n > 1);
  };

  /** The next page turn: after the time it takes to read this page. */
  View.prototype.schedule = function () {
    if (this.timer) global.clearTimeout(this.timer);
    this.timer = null;
    if (this.paused || this.pages.count < 2 || this.remote()) return;
    var chars = 0;
    for (var i = 0; i < this.groups.length; i++) {
      if (this.pages.pageOf[i] === this.page) chars += this.groups[i].text.length;
    }
    var ms = Math.min(PAGE_MS.max, Math.max(PAGE_MS.min, PAGE_MS.base + chars * PAGE_MS.perChar));
    var self = this;
    this.timer = global.setTimeout(function () {
      self.timer = null;
      self.turn(1);
    }, ms);
  };

  /** One page on (or back). Answers that arrived meanwhile go up now; the wall continues at
   * the first card not yet shown, so a card may come again but none is skipped. */
  View.prototype.turn = function (step) {
    if (!this.wall.isConnected) return; // the slide has gone
    var target = this.page + step;
    var count = this.pages.count;
    if (this.pending) {
      var anchor = null;
      if (target > 0 && target < count) {
        var at = this.pages.pageOf.indexOf(target);
        if (at >= 0) anchor = this.groups[at].key;
      }
      var result = this.pending;
      this.pending = null;
      this.apply(result);
      count = this.pages.count;
      if (anchor !== null) {
        for (var i = 0; i < this.groups.length; i++) {
          if (this.groups[i].key === anchor) target = this.pages.pageOf[i];
        }
      }
    }
    if (target >= count) target = 0;
    if (target < 0) target = count - 1;
    this.page = target;
    this.showPage();
  };

  /** P pauses and resumes the paging, ] and [ step it. */
  View.prototype.key = function (key) {
    if (this.moderation && this.moderation.key(key)) return true;
    if (this.remote()) return false;
    if (key === "p" || key === "P") {
      this.paused = !this.paused;
      this.renderPager();
      this.schedule();
    } else if (key === "]") this.turn(1);
    else if (key === "[") this.turn(-1);
    else return false;
    return true;
  };

  /** Voting opened or closed: the order changes (newest first, or most frequent first). */
  View.prototype.voting = function (open, state) {
    if (this.moderation) this.moderation.state(state);
    if (open === this.open) return;
    this.open = open;
    var result = this.pending || this.shown;
    this.pending = null;
    this.page = 0;
    if (result) this.apply(result);
  };

  View.prototype.relayout = function () {
    this.fit("changed");
    this.paginate();
  };


  Types.register("open", {
    draft: Types.textDraft,
    form: function (ctx) {
      Types.textForm(ctx, (ctx.slide.max_length || 280) > 60);
    },
    answer: Types.textAnswer,
    summary: Types.textSummary,
    phoneResult: phoneResult,
    View: View
  });
})(window);
