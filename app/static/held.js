/* Free-text entries held for the presenter's approval (the deck's `moderation`, app/domain/
 * moderation.py): the presenter's results carry them apart (`result.held`); phones never get
 * them. On the presenter's own screen (the remote) the panel lists each with Approve and Hide;
 * on the projector the room sees only how many wait and a masked line per entry (first
 * letter, then dots), with the selected one marked: A approves it, X hides it, ↑/↓ select.
 * Usage: var held = new RondvraagHeld(t, control); held.update(result) with each result;
 * held.key(key) from the page's key handler (true: handled). Plain ES2017, no modules. */
(function (global) {
  "use strict";

  var el = global.RondvraagLive.el;

  global.RondvraagI18n.add({
    nl: {
      "held.title": "{n} wacht op goedkeuring",
      "held.titleN": "{n} wachten op goedkeuring",
      "held.keys": "A goedkeuren · X verbergen · ↑↓ kiezen",
      "held.approve": "Goedkeuren",
      "held.hide": "Verbergen"
    },
    en: {
      "held.title": "{n} waiting for approval",
      "held.titleN": "{n} waiting for approval",
      "held.keys": "A approve · X hide · ↑↓ select",
      "held.approve": "Approve",
      "held.hide": "Hide"
    }
  });

  function mask(text) {
    var first = Array.from(text.trim())[0] || "";
    return first + " •••";
  }

  function Held(t, control) {
    this.t = t;
    this.control = control;
    this.entries = [];
    this.question = null;
    this.selected = 0;
    this.box = el("aside", "held");
    this.box.setAttribute("aria-live", "polite");
    this.box.setAttribute("aria-label", t("held.titleN", { n: "" }).trim());
    this.box.hidden = true;
    document.body.appendChild(this.box);
  }

  /** A new result for the live question (or null on a slide without one). */
  Held.prototype.update = function (result) {
    var held = result && Array.isArray(result.held) ? result.held : [];
    var current = this.entries[this.selected];
    this.question = result ? result.id : null;
    this.entries = held.slice();
    var kept = current === undefined ? -1 : this.entries.indexOf(current);
    this.selected = kept >= 0 ? kept : Math.min(this.selected, Math.max(this.entries.length - 1, 0));
    this.render();
  };

  Held.prototype.render = function () {
    var self = this;
    var box = this.box;
    while (box.firstChild) box.removeChild(box.firstChild);
    box.hidden = !this.entries.length;
    if (!this.entries.length) return;
    var n = this.entries.length;
    box.appendChild(el("p", "held-title", this.t(n === 1 ? "held.title" : "held.titleN", { n: n })));
    var list = el("ol", "held-list");
    this.entries.forEach(function (entry, i) {
      var item = el("li", "held-item" + (i === self.selected ? " is-selected" : ""));
      item.setAttribute("data-entry", entry);
      item.appendChild(el("span", "held-mask", mask(entry)));
      item.appendChild(el("span", "held-text", entry));
      var approve = el("button", "held-approve", self.t("held.approve"));
      approve.type = "button";
      approve.addEventListener("click", function () {
        self.act("approve_entry", entry);
      });
      var hide = el("button", "held-hide", self.t("held.hide"));
      hide.type = "button";
      hide.addEventListener("click", function () {
        self.act("hide_entry", entry);
      });
      item.appendChild(approve);
      item.appendChild(hide);
      list.appendChild(item);
    });
    box.appendChild(list);
    box.appendChild(el("p", "held-keys", this.t("held.keys")));
  };

  Held.prototype.act = function (action, entry) {
    if (this.question) this.control(action, { question: this.question, entry: entry });
  };

  Held.prototype.key = function (key) {
    if (!this.entries.length) return false;
    var entry = this.entries[this.selected];
    if (key === "a" || key === "A") this.act("approve_entry", entry);
    else if (key === "x" || key === "X") this.act("hide_entry", entry);
    else if (key === "ArrowDown") this.selected = (this.selected + 1) % this.entries.length;
    else if (key === "ArrowUp") this.selected = (this.selected - 1 + this.entries.length) % this.entries.length;
    else return false;
    this.render();
    return true;
  };

  global.RondvraagHeld = Held;
})(window);
