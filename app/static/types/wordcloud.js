/* Word cloud: a few short entries per person; the projector draws them on a spiral. */
(function (global) {
  "use strict";

  var Types = global.RondvraagTypes;
  var el = global.RondvraagLive.el;

  var FONT_STACK =
    '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, ' +
    '"Noto Sans", "Liberation Sans", "DejaVu Sans", sans-serif';

  function phoneResult(slide, r, box) {
    var words = Object.keys(r.counts || {}).map(function (w) {
      return [w, r.counts[w]];
    });
    words.sort(function (a, b) {
      return b[1] - a[1];
    });
    var top1 = words.length ? words[0][1] : 1;
    var ul = el("ul", "rwords");
    words.slice(0, 30).forEach(function (w) {
      var li = el("li", "rword");
      li.appendChild(el("span", "rword-text", w[0]));
      li.appendChild(el("span", "rword-count", w[1]));
      li.style.fontSize = (1 + (0.8 * w[1]) / top1).toFixed(2) + "em";
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }

  var MAX_WORDS = 60;


  /** Words placed on an Archimedean spiral, never overlapping. A word keeps its place between
   * updates while its new size still fits there; only new or grown-into-a-neighbour words move.
   * When the room runs out, everything shrinks once and is laid out afresh.
   * The layout is then zoomed to fill the area (a few words would otherwise huddle in the
   * middle of a projector screen); zooming keeps the arrangement and never makes words overlap.
   * The zoom only changes when it must (no longer fits) or gains a lot, so votes streaming in
   * do not make the whole cloud breathe. */
  function View(slide, root) {
    this.root = el("div", "cloud");
    root.appendChild(this.root);
    this.words = {}; // word -> {node, x, y, w, h, size, count}
    this.scale = 1;
    this.zoom = null; // {z, cx, cy}: how the layout is mapped onto the area
    this.last = null;
    this.canvas = global.document.createElement("canvas");
    this.ctx = this.canvas.getContext("2d");
  }

  View.prototype.measure = function (text, size) {
    this.ctx.font = "700 " + size + "px " + FONT_STACK;
    var w = this.ctx.measureText(text).width;
    return { w: Math.ceil(w + size * 0.5), h: Math.ceil(size * 1.2) };
  };

  View.prototype.update = function (result) {
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

  View.prototype.relayout = function () {
    if (!this.last) return;
    this.scale = 1;
    this.zoom = null;
    this.layout(true);
  };

  View.prototype.layout = function (fresh) {
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

  View.prototype.place = function (entries, W, H) {
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
        var node = el("span", "cloud-word cloud-color-" + (Types.hash(word) % 6), word);
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
  View.prototype.chooseZoom = function (results, W, H) {
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


  Types.register("wordcloud", {
    draft: Types.textDraft,
    form: function (ctx) {
      Types.textForm(ctx, false);
    },
    answer: Types.textAnswer,
    summary: Types.textSummary,
    phoneResult: phoneResult,
    View: View
  });
})(window);
