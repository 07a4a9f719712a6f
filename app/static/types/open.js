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
  function View(slide, root) {
    this.wall = el("div", "wall");
    root.appendChild(this.wall);
    this.cards = []; // newest first: {text, node}
    this.fitKey = null; // the wall size the text size was chosen for
    this.level = 0; // index into WALL_SIZES
  }

  View.prototype.update = function (result) {
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
      node.classList.add("wall-color-" + (Types.hash(text) % 5));
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
  View.prototype.fit = function (change) {
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

  View.prototype.relayout = function () {
    this.fit("changed");
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
