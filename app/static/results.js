/* Live result views for the projector: bars, word cloud, scales and the answer wall.
 * Each view builds its DOM once per slide and then updates the same nodes in place on every
 * RESULT snapshot, so CSS transitions animate the change and nothing flickers.
 * Participant text is only ever set with textContent. Plain ES2017, no modules. */
(function (global) {
  "use strict";

  var L = global.RondvraagLive;
  var el = L.el;

  var FONT_STACK =
    '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, ' +
    '"Noto Sans", "Liberation Sans", "DejaVu Sans", sans-serif';

  function pct(n, total) {
    return total > 0 ? Math.round((100 * n) / total) : 0;
  }

  function formatNumber(x, lang) {
    var s = x.toFixed(1);
    return lang === "nl" ? s.replace(".", ",") : s;
  }

  /* ------------------------------------------------------------------ choice: bars */

  function ChoiceView(slide, root, t) {
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
    this.t = t;
  }

  ChoiceView.prototype.update = function (result) {
    var counts = result.counts || {};
    var total = result.responses || 0;
    var ids = Object.keys(this.rows);
    for (var i = 0; i < ids.length; i++) {
      var row = this.rows[ids[i]];
      var n = counts[ids[i]] || 0;
      var p = pct(n, total);
      row.fill.style.width = p + "%";
      row.count.textContent = String(n);
      row.percent.textContent = p + "%";
    }
  };

  ChoiceView.prototype.relayout = function () {};

  /* ------------------------------------------------------------------ word cloud */

  var MAX_WORDS = 60;

  function hash(s) {
    var h = 0;
    for (var i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
    return Math.abs(h);
  }

  /** Words placed on an Archimedean spiral, never overlapping. A word keeps its place between
   * updates while its new size still fits there; only new or grown-into-a-neighbour words move.
   * When the room runs out, everything shrinks once and is laid out afresh.
   * The layout is then zoomed to fill the area (a few words would otherwise huddle in the
   * middle of a projector screen); zooming keeps the arrangement and never makes words overlap.
   * The zoom only changes when it must (no longer fits) or gains a lot, so votes streaming in
   * do not make the whole cloud breathe. */
  function CloudView(slide, root) {
    this.root = el("div", "cloud");
    root.appendChild(this.root);
    this.words = {}; // word -> {node, x, y, w, h, size, count}
    this.scale = 1;
    this.zoom = null; // {z, cx, cy}: how the layout is mapped onto the area
    this.last = null;
    this.canvas = global.document.createElement("canvas");
    this.ctx = this.canvas.getContext("2d");
  }

  CloudView.prototype.measure = function (text, size) {
    this.ctx.font = "700 " + size + "px " + FONT_STACK;
    var w = this.ctx.measureText(text).width;
    return { w: Math.ceil(w + size * 0.5), h: Math.ceil(size * 1.2) };
  };

  CloudView.prototype.update = function (result) {
    // A new round (the presenter's reset) starts a new cloud, even when the snapshot with no
    // words at all was skipped: the old words' places would leave gaps.
    var fresh = !!this.last && result.round !== this.last.round;
    if (fresh) {
      this.scale = 1;
      this.zoom = null;
    }
    this.last = result;
    this.layout(fresh);
  };

  CloudView.prototype.relayout = function () {
    if (!this.last) return;
    this.scale = 1;
    this.zoom = null;
    this.layout(true);
  };

  CloudView.prototype.layout = function (fresh) {
    var counts = (this.last && this.last.counts) || {};
    var entries = Object.keys(counts).map(function (w) {
      return { word: w, count: Number(counts[w]) || 0 };
    });
    entries.sort(function (a, b) {
      return b.count - a.count || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0);
    });
    entries = entries.slice(0, MAX_WORDS);
    var rect = this.root.getBoundingClientRect();
    var W = rect.width;
    var H = rect.height;
    if (W < 50 || H < 50) return;

    // Remove words that left the top list.
    var keep = {};
    entries.forEach(function (e) {
      keep[e.word] = true;
    });
    var words = this.words;
    Object.keys(words).forEach(function (w) {
      if (!keep[w]) {
        var node = words[w].node;
        if (node.parentNode) node.parentNode.removeChild(node);
        delete words[w];
      }
    });
    if (fresh) {
      Object.keys(words).forEach(function (w) {
        words[w].x = null;
      });
    }

    // Out of room: first shrink everything in place (shrinking never makes placed words
    // collide, so nothing jumps); only if that does not help, lay the cloud out afresh.
    for (var attempt = 0; attempt < 10; attempt++) {
      if (this.place(entries, W, H)) break;
      this.scale *= 0.85;
      if (attempt === 3) {
        Object.keys(words).forEach(function (w) {
          words[w].x = null;
        });
      }
    }
  };

  CloudView.prototype.place = function (entries, W, H) {
    var maxCount = entries.length ? entries[0].count : 1;
    var minCount = entries.length ? entries[entries.length - 1].count : 1;
    var big = Math.min(H * 0.2, W * 0.11) * this.scale;
    var small = Math.max(16, Math.min(H * 0.05, 40)) * Math.max(this.scale, 0.6);
    if (entries.length > 25) big *= 0.8;
    var placed = [];
    var pad = 6;
    var self = this;

    function fits(box) {
      if (box.x - box.w / 2 < 0 || box.x + box.w / 2 > W) return false;
      if (box.y - box.h / 2 < 0 || box.y + box.h / 2 > H) return false;
      for (var i = 0; i < placed.length; i++) {
        var o = placed[i];
        if (
          Math.abs(box.x - o.x) * 2 < box.w + o.w + pad &&
          Math.abs(box.y - o.y) * 2 < box.h + o.h + pad
        ) {
          return false;
        }
      }
      return true;
    }

    function spiral(box, cx, cy) {
      var aspect = W / H;
      for (var i = 0; i < 2400; i++) {
        var a = i * 0.3;
        var r = 2.2 * a;
        box.x = cx + r * Math.cos(a) * Math.min(aspect, 2.2);
        box.y = cy + r * Math.sin(a);
        if (fits(box)) return true;
      }
      return false;
    }

    var sized = entries.map(function (e) {
      var f =
        maxCount === minCount ? 0.55 : (e.count - minCount) / (maxCount - minCount);
      var size = Math.round(small + (big - small) * Math.sqrt(f));
      var m = self.measure(e.word, size);
      var prev = self.words[e.word];
      return { e: e, size: size, w: m.w, h: m.h, prev: prev };
    });

    // First the words that already have a place (biggest first), then the new ones.
    var order = sized
      .filter(function (s) {
        return s.prev && s.prev.x !== null;
      })
      .concat(
        sized.filter(function (s) {
          return !(s.prev && s.prev.x !== null);
        })
      );

    var results = [];
    for (var i = 0; i < order.length; i++) {
      var s = order[i];
      var box = { x: W / 2, y: H / 2, w: s.w, h: s.h };
      var ok = false;
      if (s.prev && s.prev.x !== null) {
        box.x = s.prev.x;
        box.y = s.prev.y;
        ok = fits(box) || spiral(box, s.prev.x, s.prev.y);
      } else {
        ok = spiral(box, W / 2, H / 2);
      }
      if (!ok) return false;
      placed.push(box);
      results.push({ s: s, box: box });
    }

    var zoom = this.chooseZoom(results, W, H);
    var z = zoom.z;

    // Everything fits: commit to the DOM.
    for (var j = 0; j < results.length; j++) {
      var item = results[j];
      var word = item.s.e.word;
      var rec = this.words[word];
      if (!rec) {
        var node = el("span", "cloud-word cloud-color-" + (hash(word) % 6), word);
        node.style.opacity = "0";
        this.root.appendChild(node);
        rec = { node: node };
        this.words[word] = rec;
        // Force a style flush so the fade-in transition runs.
        void node.offsetWidth;
      }
      rec.x = item.box.x;
      rec.y = item.box.y;
      rec.w = item.box.w;
      rec.h = item.box.h;
      var w = Math.round(rec.w * z);
      var h = Math.round(rec.h * z);
      rec.node.style.left = Math.round(W / 2 + (rec.x - zoom.cx) * z - w / 2) + "px";
      rec.node.style.top = Math.round(H / 2 + (rec.y - zoom.cy) * z - h / 2) + "px";
      rec.node.style.width = w + "px";
      rec.node.style.height = h + "px";
      rec.node.style.lineHeight = h + "px";
      rec.node.style.fontSize = Math.round(item.s.size * z) + "px";
      rec.node.style.opacity = "1";
      rec.node.setAttribute("title", word + " (" + item.s.e.count + ")");
    }
    return true;
  };

  /** How to map the placed words onto W x H: zoom the bounding box of the layout about its
   * centre (factor z, at most 3x and no word above a third of the height) and centre it. The
   * previous mapping is kept while the words still fit inside it and a fresh fit would enlarge
   * them by less than 15%, so a vote that changes one word does not move all the others. */
  CloudView.prototype.chooseZoom = function (results, W, H) {
    var x0 = Infinity;
    var x1 = -Infinity;
    var y0 = Infinity;
    var y1 = -Infinity;
    var biggest = 1;
    for (var i = 0; i < results.length; i++) {
      var b = results[i].box;
      x0 = Math.min(x0, b.x - b.w / 2);
      x1 = Math.max(x1, b.x + b.w / 2);
      y0 = Math.min(y0, b.y - b.h / 2);
      y1 = Math.max(y1, b.y + b.h / 2);
      biggest = Math.max(biggest, results[i].s.size);
    }
    if (!results.length) {
      this.zoom = null;
      return { z: 1, cx: W / 2, cy: H / 2 };
    }
    var m = Math.min(W, H) * 0.03;
    var fit = Math.min((W - 2 * m) / (x1 - x0), (H - 2 * m) / (y1 - y0), 3, (H * 0.34) / biggest);
    fit = Math.max(1, fit);
    var fresh = { z: fit, cx: (x0 + x1) / 2, cy: (y0 + y1) / 2 };
    var old = this.zoom;
    if (old && fit <= old.z * 1.15) {
      // Does the layout still fit the old mapping?
      var left = W / 2 + (x0 - old.cx) * old.z;
      var right = W / 2 + (x1 - old.cx) * old.z;
      var top = H / 2 + (y0 - old.cy) * old.z;
      var bottom = H / 2 + (y1 - old.cy) * old.z;
      if (left >= 0 && top >= 0 && right <= W && bottom <= H) return old;
    }
    this.zoom = fresh;
    return fresh;
  };

  /* ------------------------------------------------------------------ scales */

  function ScalesView(slide, root, t, lang) {
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

  ScalesView.prototype.update = function (result) {
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
        row.badge.textContent = formatNumber(data.mean, self.lang);
      } else {
        row.mean.hidden = true;
      }
    });
  };

  ScalesView.prototype.relayout = function () {};

  /* ------------------------------------------------------------------ open: answer wall */

  /* Text sizes the wall tries, largest first, in vmin (7vmin = 76 px at 1080p: readable from
   * the back of a room). The first size at which every card fits is used; a card wants a column
   * of about WALL_EMS ems, so smaller text means more columns. Below the last size text is too
   * small to read on a projector: then the oldest cards give way instead. */
  var WALL_SIZES = [7, 6, 5.2, 4.5, 3.9, 3.4, 3, 2.65, 2.35];
  var WALL_EMS = 11;
  var WALL_MAX_COLS = 6;

  /** The answer wall: one card per answer, newest first (top of the first column). Cards are
   * made once and kept; only the text size and the number of columns follow the number of
   * answers, so a few answers are big and many still fit. When even the smallest size cannot
   * hold them all, the oldest drop off the end. */
  function WallView(slide, root) {
    this.wall = el("div", "wall");
    root.appendChild(this.wall);
    this.cards = []; // newest first: {text, node}
    this.fitKey = null; // the wall size the text size was chosen for
    this.level = 0; // index into WALL_SIZES
  }

  WallView.prototype.update = function (result) {
    var answers = (result.answers || []).map(String);
    // Multiset diff: keep cards whose text is still there, drop the rest, add the new ones.
    var want = {};
    answers.forEach(function (a) {
      want[a] = (want[a] || 0) + 1;
    });
    var kept = [];
    var removed = false;
    var added = false;
    for (var i = 0; i < this.cards.length; i++) {
      var card = this.cards[i];
      if (want[card.text]) {
        want[card.text] -= 1;
        kept.push(card);
      } else {
        removed = true;
        if (card.node.parentNode) card.node.parentNode.removeChild(card.node);
      }
    }
    this.cards = kept;
    // The answers come oldest first; new ones go on top, newest first.
    for (var j = 0; j < answers.length; j++) {
      var text = answers[j];
      if (!want[text]) continue;
      want[text] -= 1;
      var node = el("div", "wall-card wall-new", text);
      node.classList.add("wall-color-" + (hash(text) % 5));
      if (text.length > 140) node.classList.add("wall-long");
      this.wall.insertBefore(node, this.wall.firstChild);
      this.cards.unshift({ text: text, node: node });
      added = true;
    }
    this.fit(removed ? "changed" : added ? "grew" : "same");
    var fresh = this.wall.querySelectorAll(".wall-new");
    global.requestAnimationFrame(function () {
      global.requestAnimationFrame(function () {
        for (var k = 0; k < fresh.length; k++) fresh[k].classList.remove("wall-new");
      });
    });
  };

  /** Pick the largest text size (and its column count) at which every card fits the wall.
   * `change`: "same" (nothing to do unless the wall was resized), "grew" (cards were only
   * added: the text can only shrink, so the search starts at the current size, one layout in
   * the common case) or "changed" (search from the largest size). */
  WallView.prototype.fit = function (change) {
    var wall = this.wall;
    var style = wall.style;
    if (global.document.body.classList.contains("remote")) {
      // The remote's preview scrolls and has its own fixed sizes.
      style.fontSize = "";
      style.columnCount = "";
      style.columnGap = "";
      this.fitKey = null;
      return;
    }
    var W = wall.clientWidth;
    var H = wall.clientHeight;
    var n = this.cards.length;
    var key = W + "x" + H;
    if (W < 50 || H < 50) return;
    var sameSize = key === this.fitKey;
    if (sameSize && change === "same") return;
    var start = sameSize && change === "grew" ? this.level : 0;
    this.fitKey = key;
    var vmin = Math.min(global.innerWidth, global.innerHeight) / 100;
    for (var i = start; i < WALL_SIZES.length; i++) {
      var font = WALL_SIZES[i] * vmin;
      var gap = font * 0.5;
      var cols = Math.floor((W + gap) / (font * WALL_EMS + gap));
      cols = Math.max(1, Math.min(cols, WALL_MAX_COLS, Math.max(n, 1)));
      style.fontSize = font.toFixed(1) + "px";
      style.columnCount = String(cols);
      style.columnGap = gap.toFixed(1) + "px";
      this.level = i;
      if (wall.scrollWidth <= W + 1 && wall.scrollHeight <= H + 1) return;
    }
  };

  WallView.prototype.relayout = function () {
    this.fit("changed");
  };

  /* ------------------------------------------------------------------ factory */

  function create(slide, root, t, lang) {
    if (slide.type === "choice") return new ChoiceView(slide, root, t, lang);
    if (slide.type === "wordcloud") return new CloudView(slide, root, t, lang);
    if (slide.type === "scales") return new ScalesView(slide, root, t, lang);
    if (slide.type === "open") return new WallView(slide, root, t, lang);
    return null;
  }

  global.RondvraagResults = { create: create, formatNumber: formatNumber };
})(window);
