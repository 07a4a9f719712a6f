/* Leaderboard: the top of the room by quiz points (slide.leaderboard, from the server once the
 * scores are loaded: [{name, score, rank}], equal scores share a rank). The projector lists
 * them large; a phone shows its own place (GET /standing) above the top. Names are the
 * participants' own text: always set with textContent. */
(function (global) {
  "use strict";

  var L = global.RondvraagLive;
  var el = L.el;

  global.RondvraagI18n.add({
    nl: {
      "type.leaderboard": "klassement",
      "board.title": "Klassement",
      "board.counting": "De punten worden geteld…",
      "board.empty": "Nog geen punten: eerst de quiz.",
      "board.points": "{n} punten",
      "board.you": "Jij staat op plaats {rank} van {of}",
      "board.youNone": "Je hebt nog geen punten.",
      "board.players": "{n} deelnemers met punten"
    },
    en: {
      "type.leaderboard": "leaderboard",
      "board.title": "Leaderboard",
      "board.counting": "Counting the points…",
      "board.empty": "No points yet: the quiz comes first.",
      "board.points": "{n} points",
      "board.you": "You are number {rank} of {of}",
      "board.youNone": "You have no points yet.",
      "board.players": "{n} participants with points"
    }
  });

  function number(n, lang) {
    return Number(n).toLocaleString(lang === "nl" ? "nl-BE" : "en-GB");
  }

  function rows(slide, list, t, lang, mine) {
    (slide.leaderboard || []).forEach(function (row) {
      var li = el("li", "board-row" + (mine && row.name === mine ? " board-mine" : ""));
      li.setAttribute("data-rank", String(row.rank));
      li.setAttribute("data-score", String(row.score));
      li.setAttribute("data-name", row.name);
      li.appendChild(el("span", "board-rank", String(row.rank)));
      li.appendChild(el("span", "board-name", row.name));
      li.appendChild(el("span", "board-score", number(row.score, lang)));
      li.setAttribute("aria-label", row.rank + ". " + row.name + ", " + t("board.points", { n: number(row.score, lang) }));
      list.appendChild(li);
    });
  }

  function status(slide, t) {
    if (!slide.leaderboard) return t("board.counting");
    if (!slide.leaderboard.length) return t("board.empty");
    return null;
  }

  global.RondvraagTypes.register("leaderboard", {
    phoneSlide: function (slide, box, ctx) {
      var t = ctx.t;
      box.appendChild(el("h1", "slide-prompt", slide.title || t("board.title")));
      var you = el("p", "board-you");
      you.setAttribute("role", "status");
      box.appendChild(you);
      var waiting = status(slide, t);
      if (waiting) {
        box.appendChild(el("p", "wait", waiting));
        return;
      }
      var list = el("ol", "board board-phone");
      rows(slide, list, t, ctx.lang, null);
      box.appendChild(list);
      var url = ctx.api + "/standing" + (ctx.participant ? "?participant=" + encodeURIComponent(ctx.participant) : "");
      L.fetchJSON(url, {}, 8000).then(
        function (res) {
          var me = res.status === 200 ? res.body : null;
          if (!me) return;
          you.setAttribute("data-rank", me.rank === null ? "" : String(me.rank));
          you.setAttribute("data-score", String(me.score));
          you.textContent = "";
          if (me.name) you.appendChild(el("strong", "board-you-name", me.name));
          if (me.rank === null) {
            you.appendChild(el("span", "board-you-place", t("board.youNone")));
            return;
          }
          you.appendChild(el("span", "board-you-place", t("board.you", { rank: me.rank, of: me.of })));
          you.appendChild(el("span", "board-you-score", t("board.points", { n: number(me.score, ctx.lang) })));
          Array.prototype.forEach.call(list.children, function (li) {
            if (li.getAttribute("data-name") === me.name) li.classList.add("board-mine");
          });
        },
        function () {}
      );
    },
    projectorSlide: function (slide, box, ctx) {
      var t = ctx.t;
      var wrap = el("div", "board-wrap");
      wrap.appendChild(el("h1", "board-title", slide.title || t("board.title")));
      var waiting = status(slide, t);
      if (waiting) {
        wrap.appendChild(el("p", "board-status", waiting));
      } else {
        var list = el("ol", "board board-projector");
        rows(slide, list, t, ctx.lang, null);
        wrap.appendChild(list);
        wrap.appendChild(el("p", "board-players", t("board.players", { n: slide.players || 0 })));
      }
      box.appendChild(wrap);
    }
  });
})(window);
