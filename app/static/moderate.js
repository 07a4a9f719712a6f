/* Hiding a single word-cloud entry or open answer from every screen, and showing it again
 * (presenter screens only; the server's hide_entry / show_entry actions do the rest).
 * On the projector: ↓ / ↑ (or a click) select an entry on screen, H hides it, U shows the
 * last hidden one again. On the remote: a Hide button per entry, a Show button per hidden
 * one. The texts of hidden entries never come over the websocket (the projector in the room
 * shares it): they are asked for by an admin request when their number changes.
 * A view whose entries carry `data-entry` attributes uses it as `new Entries(slide, root,
 * ctx, order, spellings)`: `order()` gives the entries in reading order, `spellings(text)`
 * (optional) every text a card stands for (an open answer typed alike by several people). */
(function (global) {
  "use strict";

  var L = global.RondvraagLive;
  var el = L.el;

  global.RondvraagI18n.add({
    nl: {
      "moderate.title": "Verbergen",
      "moderate.hide": "Verberg",
      "moderate.show": "Toon weer",
      "moderate.hiddenTitle": "Verborgen ({n})",
      "moderate.hint": "↓ ↑ kies · H verberg · U toon de laatste weer"
    },
    en: {
      "moderate.title": "Hide",
      "moderate.hide": "Hide",
      "moderate.show": "Show again",
      "moderate.hiddenTitle": "Hidden ({n})",
      "moderate.hint": "↓ ↑ select · H hide · U show the last again"
    }
  });

  var LISTED = 60; // entries with a Hide button on the remote (the most frequent / newest)

  function Entries(slide, root, ctx, order, spellings) {
    this.spellings =
      spellings ||
      function (text) {
        return [text];
      };
    this.slide = slide;
    this.root = root;
    this.ctx = ctx;
    this.order = order;
    this.selected = null;
    this.hidden = null; // texts, once known
    this.asked = -1; // the hidden count we fetched the texts for
    this.panel = el("section", "moderate presenter-only");
    this.panel.setAttribute("aria-label", ctx.t("moderate.title"));
    var slideBox = root.closest(".slide") || root;
    slideBox.appendChild(this.panel);
    var self = this;
    root.addEventListener("click", function (ev) {
      var node = ev.target.closest ? ev.target.closest("[data-entry]") : null;
      if (node && root.contains(node)) self.select(node.getAttribute("data-entry"));
    });
    this.state(ctx.state());
  }

  /** The state arrived: learn the hidden texts when their number changed. */
  Entries.prototype.state = function (state) {
    var p = (state && state.presenter) || {};
    if (Array.isArray(p.hidden)) {
      this.hidden = p.hidden.slice();
      this.asked = p.hidden.length;
    }
    var count = typeof p.hidden_count === "number" ? p.hidden_count : 0;
    if (count !== this.asked) {
      this.asked = count;
      this.load();
    }
    this.renderPanel();
  };

  /* Fetch the hidden texts; only the newest request's answer counts (they can overtake each
   * other), and U waits for the one in flight. */
  Entries.prototype.load = function () {
    var self = this;
    var asked = (this.loads = (this.loads || 0) + 1);
    this.loading = L.fetchJSON(this.ctx.api + "/presenter", {}, 10000).then(function (res) {
      if (asked !== self.loads) return self.loading;
      self.loading = null;
      if (res.status !== 200 || !res.body || !res.body.presenter) return;
      self.hidden = res.body.presenter.hidden || [];
      self.renderPanel();
    });
    return this.loading;
  };

  Entries.prototype.send = function (action, text) {
    var self = this;
    return this.ctx.control(action, { question: this.slide.id, entry: text }).then(function () {
      var p = (self.ctx.state() && self.ctx.state().presenter) || {};
      if (Array.isArray(p.hidden)) self.state(self.ctx.state());
    });
  };

  Entries.prototype.hide = function (text) {
    if (this.selected === text) this.selected = null;
    var self = this;
    var sent = this.spellings(text).map(function (spelling) {
      return self.send("hide_entry", spelling);
    });
    return sent[sent.length - 1];
  };

  Entries.prototype.show = function (text) {
    return this.send("show_entry", text);
  };

  Entries.prototype.select = function (text) {
    this.selected = text;
    this.mark();
  };

  /** Outline the selected entry wherever the view drew it (it may have moved or left). */
  Entries.prototype.mark = function () {
    var nodes = this.root.querySelectorAll("[data-entry]");
    var found = false;
    for (var i = 0; i < nodes.length; i++) {
      var on = nodes[i].getAttribute("data-entry") === this.selected;
      found = found || on;
      nodes[i].classList.toggle("entry-selected", on);
      if (on) nodes[i].setAttribute("aria-current", "true");
      else nodes[i].removeAttribute("aria-current");
    }
    if (!found) this.selected = null;
  };

  /** The view drew new results: keep the mark, refresh the remote's list. */
  Entries.prototype.drawn = function () {
    this.mark();
    this.renderPanel();
  };

  Entries.prototype.key = function (key) {
    if (key === "ArrowDown" || key === "ArrowUp") {
      var list = this.order();
      if (!list.length) return false;
      var at = list.indexOf(this.selected);
      var step = key === "ArrowDown" ? 1 : -1;
      at = at < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + step));
      this.select(list[at]);
      return true;
    }
    if ((key === "h" || key === "H") && this.selected !== null) {
      this.hide(this.selected);
      return true;
    }
    if (key === "u" || key === "U") {
      var self = this;
      var again = function () {
        if (self.hidden && self.hidden.length) self.show(self.hidden[self.hidden.length - 1]);
      };
      if (this.loading) this.loading.then(again);
      else if (this.hidden === null) this.load().then(again);
      else again();
      return true;
    }
    return false;
  };

  /** The remote's list: entries with a Hide button, hidden ones with a Show button. */
  Entries.prototype.renderPanel = function () {
    if (!this.ctx.remote()) return;
    var t = this.ctx.t;
    var self = this;
    var key = JSON.stringify([this.order().slice(0, LISTED), this.hidden]);
    if (key === this.panelKey) return;
    this.panelKey = key;
    L.clear(this.panel);
    this.panel.appendChild(el("h2", "moderate-title", t("moderate.title")));
    var list = el("ul", "moderate-list");
    this.order()
      .slice(0, LISTED)
      .forEach(function (text) {
        list.appendChild(item(text, t("moderate.hide"), "hide", function () {
          self.hide(text);
        }));
      });
    this.panel.appendChild(list);
    var hidden = this.hidden || [];
    if (!hidden.length) return;
    this.panel.appendChild(el("h2", "moderate-title", t("moderate.hiddenTitle", { n: hidden.length })));
    var gone = el("ul", "moderate-list moderate-hidden");
    hidden.forEach(function (text) {
      gone.appendChild(item(text, t("moderate.show"), "show", function () {
        self.show(text);
      }));
    });
    this.panel.appendChild(gone);
  };

  function item(text, label, action, act) {
    var li = el("li", "moderate-item");
    li.setAttribute("data-entry-text", text);
    li.appendChild(el("span", "moderate-text", text));
    var b = el("button", "btn moderate-btn moderate-" + action, label);
    b.type = "button";
    b.setAttribute("data-moderate", action);
    b.addEventListener("click", act);
    li.appendChild(b);
    return li;
  }

  global.RondvraagModerate = { Entries: Entries };
})(window);
