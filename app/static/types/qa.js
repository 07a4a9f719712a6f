/* Audience Q&A: the room asks questions and upvotes the ones it wants answered.
 * Phone: a box to ask (several questions per person, up to the slide's max_questions), and the
 * room's shown questions sorted by votes or newest, each upvoted (or taken back) with one tap.
 * Its answer is built by requests of its own (POST /qa/…, see app/web/qa.py), so the form stays
 * up (`keepsForm`) and the list is updated in place (focus stays on the button you tapped).
 * Projector: the most upvoted questions large, the pinned one highlighted on top. The presenter
 * selects one with ↑/↓ and pins it (p), marks it answered (b) or hides it (h); the remote also
 * lists the questions waiting for approval (moderation: true) with approve/hide buttons:
 * those come by an admin request only, never over the socket the projector and phones share.
 * See app/domain/slides/qa.py. */
(function (global) {
  "use strict";

  var Types = global.RondvraagTypes;
  var L = global.RondvraagLive;
  var el = L.el;

  global.RondvraagI18n.add({
    nl: {
      "type.qa": "vragen uit de zaal",
      "qa.label": "Jouw vraag",
      "qa.ask": "Vraag stellen",
      "qa.left": "nog {n} tekens",
      "qa.sent": "Je vraag staat erbij. Je mag er nog {n} stellen.",
      "qa.sentLast": "Je vraag staat erbij. Dat was je laatste op deze slide.",
      "qa.sentPending": "Je vraag is ontvangen en wacht op goedkeuring van de presentator.",
      "qa.limit": "Je hebt het maximum van {n} vragen gesteld. Stem op de vragen van anderen!",
      "qa.empty": "Typ eerst je vraag.",
      "qa.error": "Dat lukte niet. Probeer het nog eens.",
      "qa.wait": "Even wachten, je gaat te snel.",
      "qa.room": "Vragen uit de zaal",
      "qa.sortBy": "Sorteren",
      "qa.sortVotes": "Meeste stemmen",
      "qa.sortNewest": "Nieuwste",
      "qa.none": "Nog geen vragen. Stel de eerste!",
      "qa.votes": "{n} stemmen",
      "qa.votes1": "1 stem",
      "qa.upvote": "Stem op: {text}",
      "qa.voted": "Je stem is geteld.",
      "qa.unvoted": "Je stem is ingetrokken.",
      "qa.answered": "beantwoord",
      "qa.pinned": "nu aan bod",
      "qa.mine": "jouw vraag",
      "qa.minePending": "Wacht op goedkeuring",
      "qa.mineHidden": "Niet getoond",
      "qa.held": "{held} van {total} vragen getoond",
      "qa.waiting": "{n} wachten op goedkeuring",
      "qa.answeredCount": "{n} beantwoord",
      "qa.keys": "↑/↓ kiezen · p vastzetten · b beantwoord · h verbergen",
      "qa.approve": "Goedkeuren",
      "qa.hide": "Verbergen",
      "qa.markAnswered": "Beantwoord",
      "qa.pin": "Vastzetten",
      "qa.unpin": "Losmaken",
      "qa.pendingTitle": "Niet getoond",
      "qa.shownTitle": "Getoond"
    },
    en: {
      "type.qa": "audience Q&A",
      "qa.label": "Your question",
      "qa.ask": "Ask",
      "qa.left": "{n} characters left",
      "qa.sent": "Your question is in. You may ask {n} more.",
      "qa.sentLast": "Your question is in. That was your last one on this slide.",
      "qa.sentPending": "Your question arrived and waits for the presenter's approval.",
      "qa.limit": "You asked the most questions allowed ({n}). Upvote the others' questions!",
      "qa.empty": "Type your question first.",
      "qa.error": "That did not work. Please try again.",
      "qa.wait": "One moment, you are going too fast.",
      "qa.room": "Questions from the room",
      "qa.sortBy": "Sort",
      "qa.sortVotes": "Most votes",
      "qa.sortNewest": "Newest",
      "qa.none": "No questions yet. Ask the first!",
      "qa.votes": "{n} votes",
      "qa.votes1": "1 vote",
      "qa.upvote": "Upvote: {text}",
      "qa.voted": "Your vote counts.",
      "qa.unvoted": "Your vote was taken back.",
      "qa.answered": "answered",
      "qa.pinned": "now",
      "qa.mine": "your question",
      "qa.minePending": "Waiting for approval",
      "qa.mineHidden": "Not shown",
      "qa.held": "{held} of {total} questions shown",
      "qa.waiting": "{n} waiting for approval",
      "qa.answeredCount": "{n} answered",
      "qa.keys": "↑/↓ select · p pin · b answered · h hide",
      "qa.approve": "Approve",
      "qa.hide": "Hide",
      "qa.markAnswered": "Answered",
      "qa.pin": "Pin",
      "qa.unpin": "Unpin",
      "qa.pendingTitle": "Not shown",
      "qa.shownTitle": "Shown"
    }
  });

  function row(answer) {
    var r = answer && typeof answer === "object" && !Array.isArray(answer) ? answer : {};
    return { asked: Array.isArray(r.asked) ? r.asked : [], up: Array.isArray(r.up) ? r.up : [] };
  }

  function votesText(t, n) {
    return n === 1 ? t("qa.votes1") : t("qa.votes", { n: n });
  }

  function maxQuestions(slide) {
    return Math.max(1, slide.max_questions || 5);
  }

  /* ------------------------------------------------------------------ the phone */

  // What this phone is changing now: votes sent but not yet in a results message.
  var phone = { sort: "votes", adjust: {}, slide: null };

  function form(ctx) {
    var slide = ctx.slide;
    var t = ctx.t;
    var maxLen = Math.max(1, slide.max_length || 280);
    var id = "qa-text-" + slide.id;
    var label = el("label", "qa-label", t("qa.label"));
    label.setAttribute("for", id);
    var area = el("textarea", "qa-text");
    area.id = id;
    area.rows = 3;
    area.maxLength = maxLen;
    area.value = typeof ctx.draft() === "string" ? ctx.draft() : "";
    var left = el("p", "qa-left", t("qa.left", { n: maxLen - area.value.length }));
    left.id = id + "-left";
    area.setAttribute("aria-describedby", left.id);
    var status = el("p", "qa-status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var send = ctx.button("btn-primary qa-send", t("qa.ask"), ask);
    ctx.form.appendChild(label);
    ctx.form.appendChild(area);
    ctx.form.appendChild(left);
    ctx.form.appendChild(send);
    ctx.form.appendChild(status);
    limit();

    area.addEventListener("input", function () {
      left.textContent = t("qa.left", { n: maxLen - area.value.length });
      ctx.setDraft(area.value);
      ctx.changed();
    });

    function asked() {
      return row(ctx.held()).asked.length;
    }

    function limit() {
      var full = asked() >= maxQuestions(slide);
      area.disabled = full;
      send.disabled = full;
      if (full) status.textContent = t("qa.limit", { n: maxQuestions(slide) });
    }

    function ask() {
      var text = area.value.trim();
      if (!text) {
        status.textContent = t("qa.empty");
        area.focus();
        return;
      }
      send.disabled = true;
      ctx.post("/qa/" + encodeURIComponent(slide.id), { text: text }).then(
        function (res) {
          send.disabled = false;
          if (res.status === 201 && res.body && res.body.id) {
            var mine = row(ctx.held());
            var at = new Date().toISOString();
            var status0 = slide.moderation ? "pending" : "shown";
            var entry = { id: res.body.id, text: text, at: at, status: status0, pinned: false };
            ctx.keep({ asked: mine.asked.concat([entry]), up: mine.up });
            area.value = "";
            ctx.setDraft("");
            left.textContent = t("qa.left", { n: maxLen });
            var more = maxQuestions(slide) - asked();
            status.textContent = slide.moderation
              ? t("qa.sentPending")
              : more > 0
                ? t("qa.sent", { n: more })
                : t("qa.sentLast");
            limit();
            if (!area.disabled) area.focus();
          } else if (res.status === 429) {
            status.textContent = t("qa.wait");
          } else {
            status.textContent =
              res.body && typeof res.body.detail === "string" ? res.body.detail : t("qa.error");
          }
        },
        function () {
          send.disabled = false;
          status.textContent = t("qa.error");
        }
      );
    }
  }

  /** The room's questions on the phone, built once per slide and updated in place. */
  function phoneResult(slide, result, box, ctx) {
    var t = ctx.t;
    var ui = box.qaList;
    if (!ui || ui.slide !== slide.id || !box.contains(ui.root)) {
      L.clear(box);
      ui = box.qaList = buildPhoneList(slide, box, ctx);
    }
    ui.ctx = ctx;
    ui.result = result;
    drawPhoneList(ui, t);
  }

  function buildPhoneList(slide, box, ctx) {
    var t = ctx.t;
    var ui = { slide: slide.id, items: {}, ctx: ctx, result: null };
    ui.root = el("div", "qa-room");
    var head = el("div", "results-head");
    head.appendChild(el("h2", "results-title", t("qa.room")));
    ui.count = el("span", "results-count");
    head.appendChild(ui.count);
    ui.root.appendChild(head);
    var sorts = el("div", "qa-sort");
    sorts.setAttribute("role", "group");
    sorts.setAttribute("aria-label", t("qa.sortBy"));
    ui.sortButtons = {};
    [
      ["votes", "qa.sortVotes"],
      ["newest", "qa.sortNewest"]
    ].forEach(function (pair) {
      var b = el("button", "btn btn-secondary qa-sort-btn", t(pair[1]));
      b.type = "button";
      b.setAttribute("data-sort", pair[0]);
      b.addEventListener("click", function () {
        phone.sort = pair[0];
        drawPhoneList(ui, t);
      });
      ui.sortButtons[pair[0]] = b;
      sorts.appendChild(b);
    });
    ui.root.appendChild(sorts);
    ui.mine = el("ul", "qa-mine");
    ui.root.appendChild(ui.mine);
    ui.list = el("ul", "qa-list");
    ui.root.appendChild(ui.list);
    ui.empty = el("p", "qa-empty", t("qa.none"));
    ui.root.appendChild(ui.empty);
    ui.note = el("p", "qa-held");
    ui.root.appendChild(ui.note);
    ui.said = el("p", "visually-hidden");
    ui.said.setAttribute("role", "status");
    ui.said.setAttribute("aria-live", "polite");
    ui.root.appendChild(ui.said);
    box.appendChild(ui.root);
    return ui;
  }

  function drawPhoneList(ui, t) {
    var result = ui.result || {};
    var ctx = ui.ctx;
    var mine = row(ctx.held());
    var myIds = {};
    mine.asked.forEach(function (e) {
      myIds[e.id] = e;
    });
    var up = {};
    mine.up.forEach(function (id) {
      up[id] = true;
    });
    var entries = (Array.isArray(result.entries) ? result.entries : []).slice();
    if (result !== ui.seen) {
      // A newer results message: votes whose request returned are in it now, and a vote
      // whose request is still out is in it once its entry's count moved by that vote (a
      // results message can come before the response to the vote: count it once, not twice).
      entries.forEach(function (e) {
        var adj = phone.adjust[e.id];
        if (adj && (adj.delta > 0 ? e.votes >= adj.base + adj.delta : e.votes <= adj.base + adj.delta)) {
          adj.counted = true;
        }
      });
      Object.keys(phone.adjust).forEach(function (id) {
        if (phone.adjust[id].settled) delete phone.adjust[id];
      });
      ui.seen = result;
    }
    if (phone.sort === "newest") {
      entries.sort(function (a, b) {
        return a.at < b.at ? 1 : a.at > b.at ? -1 : 0;
      });
    }
    Object.keys(ui.sortButtons).forEach(function (k) {
      ui.sortButtons[k].setAttribute("aria-pressed", String(k === phone.sort));
    });
    // This participant's own questions that the room does not see (yet): theirs alone.
    L.clear(ui.mine);
    mine.asked.forEach(function (e) {
      if (e.status !== "pending" && e.status !== "hidden") return;
      var li = el("li", "qa-item qa-own qa-" + e.status);
      li.appendChild(el("p", "qa-item-text", e.text));
      li.appendChild(el("p", "qa-tag", t(e.status === "pending" ? "qa.minePending" : "qa.mineHidden")));
      ui.mine.appendChild(li);
    });
    var focused = global.document.activeElement;
    var seen = {};
    entries.forEach(function (e, i) {
      seen[e.id] = true;
      var item = ui.items[e.id] || (ui.items[e.id] = phoneItem(ui, e, t));
      var adj = phone.adjust[e.id];
      var voted = adj ? adj.up : !!up[e.id];
      var votes = Math.max(0, (e.votes || 0) + (adj && !adj.counted ? adj.delta : 0));
      item.text.textContent = e.text;
      item.li.className =
        "qa-item qa-" + e.status + (e.pinned ? " qa-is-pinned" : "") + (myIds[e.id] ? " qa-is-mine" : "");
      item.li.setAttribute("data-id", e.id);
      item.li.setAttribute("data-votes", String(votes));
      item.li.setAttribute("data-status", e.status);
      item.tags.textContent = [
        e.pinned ? t("qa.pinned") : "",
        e.status === "answered" ? t("qa.answered") : "",
        myIds[e.id] ? t("qa.mine") : ""
      ]
        .filter(Boolean)
        .join(" · ");
      item.button.setAttribute("aria-pressed", String(voted));
      item.button.setAttribute("aria-label", t("qa.upvote", { text: e.text }) + ", " + votesText(t, votes));
      item.count.textContent = String(votes);
      item.entry = e;
      if (ui.list.children[i] !== item.li) ui.list.insertBefore(item.li, ui.list.children[i] || null);
    });
    Object.keys(ui.items).forEach(function (id) {
      if (!seen[id]) {
        var gone = ui.items[id].li;
        if (gone.parentNode) gone.parentNode.removeChild(gone);
        delete ui.items[id];
      }
    });
    if (focused && focused !== global.document.activeElement && ui.root.contains(focused)) {
      focused.focus({ preventScroll: true }); // moved up or down the list: still yours
    }
    var total = typeof result.visible === "number" ? result.visible : entries.length;
    ui.count.textContent = String(total);
    ui.empty.hidden = entries.length > 0 || mine.asked.length > 0;
    ui.note.textContent = total > entries.length ? t("qa.held", { held: entries.length, total: total }) : "";
  }

  function phoneItem(ui, entry, t) {
    var li = el("li", "qa-item");
    var button = el("button", "qa-vote");
    button.type = "button";
    button.appendChild(el("span", "qa-arrow", "▲"));
    var count = el("span", "qa-vote-count", "0");
    button.appendChild(count);
    var body = el("div", "qa-item-body");
    var text = el("p", "qa-item-text");
    var tags = el("p", "qa-tag");
    body.appendChild(text);
    body.appendChild(tags);
    li.appendChild(body);
    li.appendChild(button);
    var item = { li: li, button: button, count: count, text: text, tags: tags, entry: entry };
    button.addEventListener("click", function () {
      vote(ui, item, t);
    });
    return item;
  }

  function vote(ui, item, t) {
    var ctx = ui.ctx;
    var id = item.entry.id;
    var slideId = ui.slide;
    var before = item.button.getAttribute("aria-pressed") === "true";
    var up = !before;
    var mine = row(ctx.held());
    var base = mine.up.indexOf(id) >= 0;
    var delta = (up ? 1 : 0) - (base ? 1 : 0);
    var shown = item.entry.votes || 0;
    phone.adjust[id] = { up: up, delta: delta, base: shown, counted: delta === 0, settled: false };
    drawPhoneList(ui, t);
    ctx
      .post("/qa/" + encodeURIComponent(slideId) + "/" + encodeURIComponent(id) + "/vote", { up: up })
      .then(
        function (res) {
          if (res.status === 200) {
            var now = row(ctx.held());
            var list = now.up.filter(function (v) {
              return v !== id;
            });
            if (up) list.push(id);
            ctx.keep({ asked: now.asked, up: list });
            // Counted already: the server's number stands; else until the next results message.
            if (phone.adjust[id]) {
              if (phone.adjust[id].counted) delete phone.adjust[id];
              else phone.adjust[id].settled = true;
            }
            ui.said.textContent = t(up ? "qa.voted" : "qa.unvoted");
          } else {
            delete phone.adjust[id];
            ui.said.textContent =
              res.status === 429
                ? t("qa.wait")
                : res.body && typeof res.body.detail === "string"
                  ? res.body.detail
                  : t("qa.error");
          }
          drawPhoneList(ui, t);
        },
        function () {
          delete phone.adjust[id];
          ui.said.textContent = t("qa.error");
          drawPhoneList(ui, t);
        }
      );
  }

  function summary(slide, answer, list, ctx) {
    row(answer).asked.forEach(function (e) {
      list.appendChild(el("li", null, e.text));
    });
  }

  /* ------------------------------------------------------------------ projector and remote */

  var TOP = 8; // questions the projector shows at most (the pinned one first): those that fit

  function View(slide, root, t) {
    this.slide = slide;
    this.t = t;
    this.root = root;
    this.selected = null; // the entry id the presenter's keys act on
    this.entries = [];
    this.remote = global.document.body.classList.contains("remote");
    this.code = global.document.body.getAttribute("data-code") || "";
    root.classList.add("qa-view");
    this.status = el("p", "qa-counts");
    this.list = el("ol", "qa-board");
    root.appendChild(this.list);
    root.appendChild(this.status);
    this.keys = el("p", "qa-keys presenter-only", t("qa.keys"));
    root.appendChild(this.keys);
    this.pendingBox = el("section", "qa-pending presenter-only");
    root.appendChild(this.pendingBox);
    this.pendingSeen = -1;
  }

  View.prototype.update = function (result) {
    var t = this.t;
    var all = Array.isArray(result.entries) ? result.entries : [];
    this.result = result;
    // The room sees what is still to answer; answered ones are counted below the board.
    var open = all.filter(function (e) {
      return e.status !== "answered";
    });
    var remote = global.document.body.classList.contains("remote");
    this.entries = remote ? all : open.slice(0, TOP);
    if (this.selected && !this.entries.some(function (e) {
      return e.id === this.selected;
    }, this)) {
      this.selected = null;
    }
    L.clear(this.list);
    this.list.className = "qa-board" + (remote ? " qa-board-remote" : "");
    var self = this;
    this.entries.forEach(function (e) {
      var li = el("li", "qa-entry qa-" + e.status + (e.pinned ? " qa-is-pinned" : ""));
      li.setAttribute("data-id", e.id);
      li.setAttribute("data-votes", String(e.votes));
      li.setAttribute("data-status", e.status);
      li.setAttribute("data-pinned", String(!!e.pinned));
      if (e.id === self.selected) li.classList.add("qa-selected");
      var votes = el("span", "qa-entry-votes");
      votes.appendChild(el("span", "qa-arrow", "▲"));
      votes.appendChild(el("span", "qa-entry-count", String(e.votes)));
      li.appendChild(votes);
      var body = el("div", "qa-entry-body");
      if (e.pinned) body.appendChild(el("p", "qa-entry-tag", t("qa.pinned")));
      else if (e.status === "answered") body.appendChild(el("p", "qa-entry-tag", t("qa.answered")));
      body.appendChild(el("p", "qa-entry-text", e.text));
      li.appendChild(body);
      if (remote) li.appendChild(self.actions(e));
      li.addEventListener("click", function () {
        self.selected = e.id;
        self.update(self.result);
      });
      self.list.appendChild(li);
    });
    if (!remote) this.fit();
    var parts = [];
    var answered = all.length - open.length;
    var total = typeof result.visible === "number" ? result.visible : all.length;
    if (!all.length && !result.pending) parts.push(t("qa.none"));
    else if (!remote && total - answered > this.entries.length)
      parts.push(t("qa.held", { held: this.entries.length, total: total - answered }));
    if (answered) parts.push(t("qa.answeredCount", { n: answered }));
    if (result.pending) parts.push(t("qa.waiting", { n: result.pending }));
    this.status.textContent = parts.join(" · ");
    this.root.setAttribute("data-pending", String(result.pending || 0));
    if (remote && (result.pending || 0) !== this.pendingSeen) this.loadPending();
  };

  /** Keep the entries that fit the board whole (the last ones go first). */
  View.prototype.fit = function () {
    var list = this.list;
    var bottom = list.getBoundingClientRect().bottom;
    while (list.children.length > 1) {
      var last = list.children[list.children.length - 1];
      if (last.getBoundingClientRect().bottom <= bottom + 1) break;
      list.removeChild(last);
      this.entries = this.entries.slice(0, list.children.length);
    }
  };

  View.prototype.relayout = function () {
    if (this.result) this.update(this.result);
  };

  View.prototype.actions = function (e) {
    var t = this.t;
    var self = this;
    var box = el("div", "qa-actions");
    var list = e.status === "pending" || e.status === "hidden"
      ? [["approve", "qa.approve"], ["hide", "qa.hide"]]
      : [
          [e.pinned ? "unpin" : "pin", e.pinned ? "qa.unpin" : "qa.pin"],
          e.status === "answered" ? null : ["answered", "qa.markAnswered"],
          ["hide", "qa.hide"]
        ].filter(Boolean);
    list.forEach(function (pair) {
      if (pair[0] === "hide" && e.status === "hidden") return;
      var b = el("button", "btn btn-secondary qa-act qa-act-" + pair[0], t(pair[1]));
      b.type = "button";
      b.addEventListener("click", function (ev) {
        ev.stopPropagation();
        self.moderate(e.id, pair[0]);
      });
      box.appendChild(b);
    });
    return box;
  };

  View.prototype.moderate = function (id, action) {
    var self = this;
    var path =
      "/api/sessions/" + encodeURIComponent(this.code) + "/qa/" + encodeURIComponent(this.slide.id) +
      "/" + encodeURIComponent(id) + "/moderate";
    return L.fetchJSON(path, { method: "POST", body: { action: action } }, 10000).then(function () {
      self.loadPending();
    });
  };

  /** The remote only: the questions waiting for approval, by an admin request (they never
   * come over the socket, which the projector shares). */
  View.prototype.loadPending = function () {
    var self = this;
    var t = this.t;
    if (!global.document.body.classList.contains("remote")) return;
    this.pendingSeen = (this.result && this.result.pending) || 0;
    var path = "/api/sessions/" + encodeURIComponent(this.code) + "/qa/" + encodeURIComponent(this.slide.id);
    L.fetchJSON(path, {}, 10000).then(function (res) {
      if (res.status !== 200 || !res.body) return;
      var waiting = (res.body.entries || []).filter(function (e) {
        return e.status === "pending" || e.status === "hidden";
      });
      L.clear(self.pendingBox);
      if (!waiting.length) return;
      self.pendingBox.appendChild(el("h2", "qa-pending-title", t("qa.pendingTitle")));
      var ul = el("ul", "qa-board qa-board-remote");
      waiting.forEach(function (e) {
        var li = el("li", "qa-entry qa-" + e.status);
        li.setAttribute("data-id", e.id);
        li.setAttribute("data-status", e.status);
        var body = el("div", "qa-entry-body");
        body.appendChild(el("p", "qa-entry-tag", t(e.status === "pending" ? "qa.minePending" : "qa.mineHidden")));
        body.appendChild(el("p", "qa-entry-text", e.text));
        li.appendChild(body);
        li.appendChild(self.actions(e));
        ul.appendChild(li);
      });
      self.pendingBox.appendChild(ul);
    });
  };

  /** Projector keys: ↑/↓ select a question, p pin/unpin, b answered, h hide. */
  View.prototype.key = function (key) {
    var ids = this.entries.map(function (e) {
      return e.id;
    });
    if (!ids.length) return false;
    var at = ids.indexOf(this.selected);
    if (key === "ArrowDown" || key === "ArrowUp") {
      var step = key === "ArrowDown" ? 1 : -1;
      at = at < 0 ? (step > 0 ? 0 : ids.length - 1) : Math.min(ids.length - 1, Math.max(0, at + step));
      this.selected = ids[at];
      this.update(this.result);
      return true;
    }
    var entry = this.entries[at];
    if (!entry) return false;
    if (key === "p" || key === "P") this.moderate(entry.id, entry.pinned ? "unpin" : "pin");
    else if (key === "b" || key === "B") this.moderate(entry.id, "answered");
    else if (key === "h" || key === "H") this.moderate(entry.id, "hide");
    else return false;
    return true;
  };

  Types.register("qa", {
    keepsForm: true,
    draft: function (slide, answer) {
      return "";
    },
    form: form,
    answer: function () {
      return { error: "" }; // asking goes by its own button and request (see form)
    },
    summary: summary,
    phoneResult: phoneResult,
    View: View
  });
})(window);
