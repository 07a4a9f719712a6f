/* A countdown from the server's time: a question's timer as the state carries it
 * (state.timer.remaining_ms, measured by the server when it sent the state), counted down on
 * this device's monotonic clock, never its wall clock, so a projector or phone whose clock is
 * wrong still shows what the server will do. Each new state restarts it from the server's
 * figure, so a reconnecting screen is right at once.
 * Usage: var clock = new RondvraagCountdown(node, t, options); clock.set(state); t: the i18n
 * translator; options: {unit: " s" after the seconds, low: seconds from which it shows
 * .countdown-low (10)}. Used by the projector (present.js, types/quiz.js) and phones (phone.js).
 * Plain ES2017, no modules. */
(function (global) {
  "use strict";

  global.RondvraagI18n.add({
    nl: { "timer.left": "nog {n} seconden", "present.timer": "Timer", "present.timerMore": "30 s erbij" },
    en: { "timer.left": "{n} seconds left", "present.timer": "Timer", "present.timerMore": "30 s more" }
  });

  function monotonic() {
    return global.performance && global.performance.now ? global.performance.now() : Date.now();
  }

  function Countdown(node, t, options) {
    this.node = node;
    this.t = t;
    this.unit = (options && options.unit) || "";
    this.low = (options && options.low) || 10;
    this.ends = null;
    this.tick = null;
    node.setAttribute("role", "timer"); // not read out every second
    node.hidden = true;
  }

  /** Seconds left now (rounded up), or null without a running timer. */
  Countdown.prototype.left = function () {
    if (this.ends === null) return null;
    return Math.max(0, Math.ceil((this.ends - monotonic()) / 1000));
  };

  Countdown.prototype.set = function (state) {
    var timer = state && state.voting_open && state.timer;
    if (!timer || typeof timer.remaining_ms !== "number") {
      this.stop();
      return;
    }
    var self = this;
    this.ends = monotonic() + timer.remaining_ms;
    this.node.hidden = false;
    this.show();
    if (!this.tick) {
      this.tick = global.setInterval(function () {
        self.show();
      }, 200);
    }
  };

  Countdown.prototype.stop = function () {
    this.ends = null;
    if (this.tick) global.clearInterval(this.tick);
    this.tick = null;
    this.node.hidden = true;
  };

  Countdown.prototype.show = function () {
    if (!this.node.isConnected) {
      this.stop(); // its slide is gone
      return;
    }
    var left = this.left();
    if (left === null) return;
    var m = Math.floor(left / 60);
    var s = left % 60;
    this.node.textContent = m ? m + ":" + (s < 10 ? "0" : "") + s : s + this.unit;
    this.node.setAttribute("data-seconds", String(left));
    this.node.setAttribute("aria-label", this.t("timer.left", { n: left }));
    this.node.classList.toggle("countdown-low", left <= this.low);
  };

  global.RondvraagCountdown = Countdown;
})(window);
