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
  // Word sizes as parts of the screen height (the projector): a word's area grows with its
  // count (size ∝ √count), from the top word at BIG down to SMALL, the least still legible from
  // the back row. When not every word fits, the big words give way first, but the top word
  // never below BIG_LEAST; then the least mentioned words are left out, and the cloud says so.
  var BIG = 0.16;
  var BIG_LEAST = 0.125;
  var SMALL = 0.031;

  /** Words placed on a spiral from the centre, never overlapping, sized by count. A word keeps
   * its place between updates while its new size still fits there; only new or grown words
   * move. Every word (the view holds the 100 most mentioned) is also in a ranked list with
   * counts: always there for screen readers, shown on the projector with W (paged with [ and ]
   * when long) and on the remote whenever the cloud cannot hold every word. */
  function View(slide, root, t, lang, ctx) {
    this.t = t;
    this.root = el("div", "cloud-view");
    this.area = el("div", "cloud");
    this.area.setAttribute("aria-hidden", "true"); // the ranked list says the same, in order
    this.more = el("p", "cloud-more");
    this.listBox = el("section", "cloud-listbox visually-hidden");
    this.listTitle = el("p", "cloud-list-title");
    this.listTitleMain = el("span", "cloud-list-title-main");
    this.listTitleMore = el("span", "cloud-list-title-more");
    this.listTitle.appendChild(this.listTitleMain);
    this.listTitle.appendChild(this.listTitleMore);
    this.listPort = el("div", "cloud-list-port");
    this.list = el("ol", "cloud-list");
    this.list.setAttribute("aria-label", t("cloud.list"));
    this.listPort.appendChild(this.list);
    this.listBox.appendChild(this.listTitle);
    this.listBox.appendChild(this.listPort);
    this.root.appendChild(this.area);
    this.root.appendChild(this.more);
    this.root.appendChild(this.listBox);
    root.appendChild(this.root);
    this.words = {}; // word -> {node, x, y, w, h, size, count}: what is on screen
    this.scale = 1; // the big words' size, as a part of BIG..BIG_LEAST
    this.last = null;
    this.listShown = false; // the presenter pressed W
    this.listPage = 0;
    this.listPages = { pageOf: [], count: 1, offsets: [0] };
    this.canvas = global.document.createElement("canvas");
    this.ctx = this.canvas.getContext("2d");
    this.moderation = moderation(this, slide, root, ctx);
  }

  /** The presenter hides a word (moderate.js): the words on screen, most mentioned first;
   * on the remote every word the view holds. */
  function moderation(view, slide, root, ctx) {
    var Moderate = global.RondvraagModerate;
    if (!Moderate || !ctx || !ctx.control) return null;
    return new Moderate.Entries(slide, view.area, ctx, function () {
      var words = view.last ? view.entries() : [];
      return words
        .filter(function (e) {
          return view.remote() || !!view.words[e.word];
        })
        .map(function (e) {
          return e.word;
        });
    });
  }

  View.prototype.voting = function (open, state) {
    if (this.moderation) this.moderation.state(state);
  };

  View.prototype.remote = function () {
    return global.document.body.classList.contains("remote");
  };

  View.prototype.measure = function (text, size) {
    this.ctx.font = "700 " + size + "px " + FONT_STACK;
    var w = this.ctx.measureText(text).width;
    return { w: Math.ceil(w + size * 0.2), h: Math.ceil(size * 1.15) };
  };

  View.prototype.update = function (result) {
    // A new round (the presenter's reset) starts a new cloud, even when the snapshot with no
    // words at all was skipped: the old words' places would leave gaps.
    var fresh = !!this.last && result.round !== this.last.round;
    if (fresh) this.scale = 1;
    this.last = result;
    this.layout(fresh);
    if (this.moderation) this.moderation.drawn();
  };

  View.prototype.relayout = function () {
    if (!this.last) return;
    this.scale = 1;
    this.layout(true);
  };

  /** All words the view holds, most mentioned first (ties alphabetical, as the server). */
  View.prototype.entries = function () {
    var counts = (this.last && this.last.counts) || {};
    var entries = Object.keys(counts).map(function (w) {
      return { word: w, count: Number(counts[w]) || 0 };
    });
    entries.sort(function (a, b) {
      return b.count - a.count || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0);
    });
    return entries;
  };

  View.prototype.layout = function (fresh) {
    var before = this.area.getBoundingClientRect();
    this.layoutOnce(fresh);
    // The note under the cloud may have taken a line more or less: lay out again in the room
    // that is really there.
    var after = this.area.getBoundingClientRect();
    if (Math.abs(after.height - before.height) > 1) this.layoutOnce(true);
  };

  View.prototype.layoutOnce = function (fresh) {
    var entries = this.entries();
    this.renderList(entries);
    var cloud = entries.slice(0, MAX_WORDS);
    var rect = this.area.getBoundingClientRect();
    var W = rect.width;
    var H = rect.height;
    if (W < 50 || H < 50) {
      this.renderMore(entries, null);
      return;
    }
    // Out of room: shrink the big words step by step, laying the cloud out afresh each time;
    // keep the try that leaves out fewest words.
    var best = this.place(cloud, W, H, fresh);
    while (best.missing.length && this.scale > 0) {
      this.scale = Math.max(0, this.scale - 0.25);
      var next = this.place(cloud, W, H, true);
      if (next.missing.length < best.missing.length) best = next;
    }
    this.scale = best.scale; // the next update starts from the sizes on screen
    this.commit(best, W, H);
    this.renderMore(entries, best);
  };

  /** Font sizes in px: √count scaled so the top word is between BIG and BIG_LEAST of the
   * screen height (a remote preview: of the cloud's own height), never under SMALL. */
  View.prototype.sizes = function (entries, W, H) {
    var remote = this.remote();
    var screenH = remote ? H : global.innerHeight;
    var small = remote ? 14 : Math.ceil(SMALL * screenH);
    var share = remote ? 0.22 : BIG_LEAST + (BIG - BIG_LEAST) * this.scale;
    var big = Math.min(share * screenH, H / 1.25);
    if (entries.length) {
      var top = this.measure(entries[0].word, 100);
      big = Math.min(big, (100 * W * 0.95) / top.w); // the top word fits across
    }
    big = Math.max(big, small);
    var most = entries.length ? entries[0].count : 1;
    return entries.map(function (e) {
      return Math.max(small, Math.round(big * Math.sqrt(e.count / most)));
    });
  };

  /** Place `entries` (biggest first): words already on screen try their place first. */
  View.prototype.place = function (entries, W, H, fresh) {
    var sizes = this.sizes(entries, W, H);
    var step = Math.max(6, Math.min(W, H) * 0.015);
    var pad = Math.max(4, step * 0.5);
    var placed = [];
    var missing = [];
    var aspect = Math.min(W / H, 2.2);

    function fits(box) {
      if (box.x - box.w / 2 < 0 || box.x + box.w / 2 > W) return false;
      if (box.y - box.h / 2 < 0 || box.y + box.h / 2 > H) return false;
      for (var i = 0; i < placed.length; i++) {
        var o = placed[i].box;
        if (
          Math.abs(box.x - o.x) * 2 < box.w + o.w + pad &&
          Math.abs(box.y - o.y) * 2 < box.h + o.h + pad
        ) {
          return false;
        }
      }
      return true;
    }

    // An Archimedean spiral walked in steps of about equal length, wider than high like the
    // screen, until it has swept the whole area.
    function spiral(box, cx, cy) {
      // Far enough out that the spiral's ellipse covers the farthest corner.
      var dx = Math.max(cx, W - cx) / aspect;
      var dy = Math.max(cy, H - cy);
      var reach = Math.sqrt(dx * dx + dy * dy) + step;
      var theta = 0;
      var r = 0;
      while (r < reach) {
        box.x = cx + r * Math.cos(theta) * aspect;
        box.y = cy + r * Math.sin(theta);
        if (fits(box)) return true;
        theta += Math.min(0.5, step / Math.max(r, 1));
        r = (step * theta) / Math.PI; // two steps further out each turn
      }
      return false;
    }

    var order = entries.map(function (e, i) {
      return i;
    });
    var words = this.words;
    if (!fresh) {
      // Words on screen first (they keep their place when they can), then the new ones.
      order.sort(function (a, b) {
        var pa = words[entries[a].word] ? 0 : 1;
        var pb = words[entries[b].word] ? 0 : 1;
        return pa - pb || a - b;
      });
    }
    for (var k = 0; k < order.length; k++) {
      var i = order[k];
      var e = entries[i];
      var m = this.measure(e.word, sizes[i]);
      var box = { x: W / 2, y: H / 2, w: m.w, h: m.h };
      var prev = fresh ? null : words[e.word];
      var ok;
      if (prev) {
        box.x = prev.x;
        box.y = prev.y;
        ok = fits(box) || spiral(box, prev.x, prev.y);
      } else ok = spiral(box, W / 2, H / 2);
      if (ok) placed.push({ e: e, size: sizes[i], box: box });
      else missing.push(e);
    }
    return { placed: placed, missing: missing, scale: this.scale };
  };

  /** Put the placed words on screen; words left out leave. */
  View.prototype.commit = function (layout, W, H) {
    var keep = {};
    layout.placed.forEach(function (p) {
      keep[p.e.word] = true;
    });
    var words = this.words;
    Object.keys(words).forEach(function (w) {
      if (!keep[w]) {
        var node = words[w].node;
        if (node.parentNode) node.parentNode.removeChild(node);
        delete words[w];
      }
    });
    for (var j = 0; j < layout.placed.length; j++) {
      var item = layout.placed[j];
      var word = item.e.word;
      var rec = words[word];
      if (!rec) {
        var node = el("span", "cloud-word cloud-color-" + (Types.hash(word) % 6), word);
        node.setAttribute("data-entry", word);
        node.style.opacity = "0";
        this.area.appendChild(node);
        rec = { node: node };
        words[word] = rec;
        void node.offsetWidth; // a style flush, so the fade-in runs
      }
      var b = item.box;
      rec.x = b.x;
      rec.y = b.y;
      rec.node.style.left = Math.round(b.x - b.w / 2) + "px";
      rec.node.style.top = Math.round(b.y - b.h / 2) + "px";
      rec.node.style.width = b.w + "px";
      rec.node.style.height = b.h + "px";
      rec.node.style.lineHeight = b.h + "px";
      rec.node.style.fontSize = item.size + "px";
      rec.node.style.opacity = "1";
      rec.node.setAttribute("data-count", String(item.e.count));
      rec.node.setAttribute("title", word + " (" + item.e.count + ")");
    }
  };

  /** "Nog 12 woorden niet getoond (elk hooguit 2× genoemd)": the words the cloud left out,
   * counting those beyond the view; on the remote the ranked list is shown instead. */
  View.prototype.renderMore = function (entries, layout) {
    var distinct = Math.max(Number((this.last && this.last.distinct) || 0), entries.length);
    var shown = layout ? layout.placed.length : 0;
    var hidden = layout ? distinct - shown : 0;
    var most = 0;
    if (layout) {
      var onScreen = {};
      layout.placed.forEach(function (p) {
        onScreen[p.e.word] = true;
      });
      entries.forEach(function (e) {
        if (!onScreen[e.word]) most = Math.max(most, e.count);
      });
      if (!most && entries.length) most = entries[entries.length - 1].count;
    }
    var t = this.t;
    var note = hidden === 1 ? t("cloud.more1", { c: most }) : t("cloud.moreN", { n: hidden, c: most });
    this.more.textContent = hidden > 0 ? note : "";
    if (layout && this.remote()) this.setListShown(hidden > 0);
  };

  /** The ranked list: every word the view holds, with its count. */
  View.prototype.renderList = function (entries) {
    var t = this.t;
    var list = this.list;
    while (list.firstChild) list.removeChild(list.firstChild);
    entries.forEach(function (e) {
      var li = el("li", "cloud-item");
      li.appendChild(el("span", "cloud-item-word", e.word));
      var n = el("span", "cloud-item-count", e.count);
      n.setAttribute("aria-hidden", "true");
      li.appendChild(n);
      li.appendChild(el("span", "visually-hidden", " (" + t("cloud.times", { n: e.count }) + ")"));
      list.appendChild(li);
    });
    this.paginateList();
  };

  View.prototype.setListShown = function (shown) {
    this.listBox.classList.toggle("visually-hidden", !shown);
    // Shown, it may scroll (the remote): a keyboard must be able to reach and scroll it.
    if (shown) {
      this.listBox.setAttribute("tabindex", "0");
      this.listBox.setAttribute("aria-label", this.t("cloud.list"));
    } else {
      this.listBox.removeAttribute("tabindex");
      this.listBox.removeAttribute("aria-label");
    }
    this.root.classList.toggle("cloud-list-shown", shown);
    this.paginateList();
  };

  View.prototype.paginateList = function () {
    var shown = !this.listBox.classList.contains("visually-hidden") && !this.remote();
    this.listPages = shown ? Types.columnPages(this.list) : { pageOf: [], count: 1, offsets: [0] };
    if (this.listPage >= this.listPages.count) this.listPage = 0;
    var x = this.listPages.offsets[this.listPage] || 0;
    this.list.style.transform = x ? "translateX(" + -x.toFixed(1) + "px)" : "";
    this.renderListTitle();
  };

  /** One line of fixed height (what it says never changes the list's room): which words are
   * up, then the page and how many words there are beyond the view, as far as they fit. */
  View.prototype.renderListTitle = function () {
    var t = this.t;
    var items = this.list.children.length;
    var distinct = Math.max(Number((this.last && this.last.distinct) || 0), items);
    var main = t("cloud.list");
    var more = [];
    var pages = this.listPages;
    if (pages.count > 1) {
      var from = pages.pageOf.indexOf(this.listPage) + 1;
      var to = pages.pageOf.lastIndexOf(this.listPage) + 1;
      main = t("cloud.listRange", { from: from, to: to, total: items });
      more.push(t("wall.page", { p: this.listPage + 1, n: pages.count }));
    }
    if (distinct > items) more.push(t("cloud.listNewest", { held: items, total: distinct }));
    this.listTitleMain.textContent = main;
    this.listTitleMore.textContent = more.length ? "\u00a0· " + more.join(" · ") : "";
  };

  /** W shows or hides the ranked list; [ and ] page through it while it is shown. */
  View.prototype.key = function (key) {
    if (this.moderation && this.moderation.key(key)) return true;
    if (this.remote()) return false;
    if (key === "w" || key === "W") {
      this.listShown = !this.listShown;
      this.listPage = 0;
      this.setListShown(this.listShown);
      return true;
    }
    if (!this.listShown || (key !== "[" && key !== "]")) return false;
    var n = this.listPages.count;
    this.listPage = (this.listPage + (key === "]" ? 1 : n - 1)) % n;
    this.paginateList();
    return true;
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
