/* The live channel shared by the phone and the projector: a WebSocket that keeps itself
 * connected (jittered exponential backoff, ping every 20 s, instant retry when the device comes
 * back online or the tab becomes visible), plus a fetch wrapper with a timeout.
 * Plain ES2017, no modules. */
(function (global) {
  "use strict";

  var BACKOFF_MIN_MS = 500;
  var BACKOFF_MAX_MS = 15000;
  var PING_EVERY_MS = 20000;
  var SILENCE_LIMIT_MS = 50000; // no frame at all for this long: the socket is dead, replace it
  var GONE_CLOSE_CODE = 4404; // the server closed the socket because the session was deleted

  /** Backoff delays: 0.5 s doubling to 15 s, each with ±50 % jitter so a room full of phones
   * does not reconnect in lockstep after a server restart. */
  function Backoff() {
    this.attempt = 0;
  }
  Backoff.prototype.next = function () {
    var base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, this.attempt));
    this.attempt += 1;
    return Math.round(base * (0.5 + Math.random()));
  };
  Backoff.prototype.reset = function () {
    this.attempt = 0;
  };

  function wsUrl(path) {
    var proto = global.location.protocol === "https:" ? "wss:" : "ws:";
    return proto + "//" + global.location.host + path;
  }

  /**
   * opts.path(): the socket path (called on every attempt, so a new token is picked up);
   * opts.onMessage(obj); opts.onOpen(); opts.onDown(failures): the socket closed or never opened;
   * opts.onGone(): the server closed it because the session was deleted (no reconnecting).
   */
  function LiveSocket(opts) {
    this.opts = opts;
    this.ws = null;
    this.connected = false;
    this.failures = 0;
    this.backoff = new Backoff();
    this.retryTimer = null;
    this.pingTimer = null;
    this.lastFrameAt = 0;
    this.stopped = false;
    var self = this;
    global.addEventListener("online", function () {
      self.kick();
    });
    global.addEventListener("offline", function () {
      self.drop(); // the device says it has no network: the socket is useless, say so now
    });
    global.document.addEventListener("visibilitychange", function () {
      if (global.document.visibilityState === "visible") self.kick();
    });
  }

  LiveSocket.prototype.start = function () {
    this.stopped = false;
    this.connect();
  };

  LiveSocket.prototype.stop = function () {
    this.stopped = true;
    this.clearTimers();
    if (this.ws) {
      try {
        this.ws.close(1000);
      } catch (e) {
        /* already closed */
      }
    }
  };

  /** Reconnect now instead of waiting for the backoff timer (device back online / visible). */
  LiveSocket.prototype.kick = function () {
    if (this.stopped) return;
    if (this.connected) {
      // A phone back from sleep may hold a dead socket: replace it if it has been silent
      // longer than a ping interval, else just prove it is alive.
      if (Date.now() - this.lastFrameAt > PING_EVERY_MS + 5000) this.connect();
      else this.send({ type: "ping" });
      return;
    }
    if (this.ws && this.ws.readyState === 0) return; // CONNECTING
    this.backoff.reset();
    this.connect();
  };

  /** Give up the current socket at once (without waiting for a close handshake that may never
   * come) and retry with backoff. */
  LiveSocket.prototype.drop = function () {
    if (this.stopped || !this.ws) return;
    var old = this.ws;
    this.ws = null;
    old.onopen = old.onmessage = old.onclose = old.onerror = null;
    try {
      old.close();
    } catch (e) {
      /* ignore */
    }
    this.down();
  };

  LiveSocket.prototype.clearTimers = function () {
    if (this.retryTimer) global.clearTimeout(this.retryTimer);
    if (this.pingTimer) global.clearInterval(this.pingTimer);
    this.retryTimer = null;
    this.pingTimer = null;
  };

  LiveSocket.prototype.send = function (obj) {
    if (this.ws && this.ws.readyState === 1) {
      try {
        this.ws.send(JSON.stringify(obj));
        return true;
      } catch (e) {
        return false;
      }
    }
    return false;
  };

  LiveSocket.prototype.connect = function () {
    var self = this;
    this.connected = false;
    this.clearTimers();
    if (this.ws) {
      var old = this.ws;
      this.ws = null;
      old.onopen = old.onmessage = old.onclose = old.onerror = null;
      try {
        old.close();
      } catch (e) {
        /* ignore */
      }
    }
    var ws;
    try {
      ws = new global.WebSocket(wsUrl(this.opts.path()));
    } catch (e) {
      this.down();
      return;
    }
    this.ws = ws;
    ws.onopen = function () {
      if (self.ws !== ws) return;
      self.connected = true;
      self.failures = 0;
      self.backoff.reset();
      self.lastFrameAt = Date.now();
      self.pingTimer = global.setInterval(function () {
        if (Date.now() - self.lastFrameAt > SILENCE_LIMIT_MS) {
          self.connect(); // silent for too long: replace the socket
          return;
        }
        self.send({ type: "ping" });
      }, PING_EVERY_MS);
      if (self.opts.onOpen) self.opts.onOpen();
    };
    ws.onmessage = function (ev) {
      if (self.ws !== ws) return;
      self.lastFrameAt = Date.now();
      var msg;
      try {
        msg = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      if (msg && typeof msg === "object") self.opts.onMessage(msg);
    };
    ws.onclose = function (ev) {
      if (self.ws !== ws) return;
      self.ws = null;
      if (ev && ev.code === GONE_CLOSE_CODE && self.opts.onGone) {
        self.stopped = true; // the session was deleted: reconnecting cannot help
        self.clearTimers();
        self.opts.onGone();
        return;
      }
      self.down();
    };
    ws.onerror = function () {
      /* onclose follows and does the work */
    };
  };

  LiveSocket.prototype.down = function () {
    var self = this;
    this.connected = false;
    this.failures += 1;
    this.clearTimers();
    if (this.opts.onDown) this.opts.onDown(this.failures);
    if (this.stopped) return;
    this.retryTimer = global.setTimeout(function () {
      self.retryTimer = null;
      self.connect();
    }, this.backoff.next());
  };

  /** A results message as a whole result. Change messages (`base`, `changes`: the name of a
   * list sent as runs `[start, end]` of the previous list plus new strings) build on the
   * previous result, which must be the message numbered `base`; returns null when it is not
   * (the caller asks the server to resync). */
  function resultFrom(msg, previous, previousVersion) {
    var r = msg.result;
    if (typeof msg.base !== "number") return r;
    var field = msg.changes;
    if (!previous || previousVersion !== msg.base || previous.id !== r.id || !field) return null;
    var old = previous[field];
    var delta = r[field];
    if (!Array.isArray(old) || !Array.isArray(delta)) return null;
    var list = [];
    for (var i = 0; i < delta.length; i++) {
      var item = delta[i];
      if (Array.isArray(item)) {
        if (item[1] > old.length) return null;
        for (var j = item[0]; j < item[1]; j++) list.push(old[j]);
      } else {
        list.push(item);
      }
    }
    var whole = {};
    Object.keys(r).forEach(function (k) {
      whole[k] = r[k];
    });
    whole[field] = list;
    return whole;
  }

  /** fetch with a timeout; resolves {status, body, retryAfter} (body is parsed JSON or null,
   * retryAfter the Retry-After header in seconds or 0), rejects only on network failure or
   * timeout. */
  function fetchJSON(url, options, timeoutMs) {
    options = options || {};
    var init = {
      method: options.method || "GET",
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store"
    };
    if (options.body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    var controller = typeof global.AbortController === "function" ? new global.AbortController() : null;
    if (controller) init.signal = controller.signal;
    return new Promise(function (resolve, reject) {
      var done = false;
      var timer = global.setTimeout(function () {
        if (done) return;
        done = true;
        if (controller) controller.abort();
        reject(new Error("timeout"));
      }, timeoutMs || 10000);
      global
        .fetch(url, init)
        .then(function (res) {
          return res.text().then(function (text) {
            var body = null;
            try {
              body = text ? JSON.parse(text) : null;
            } catch (e) {
              body = null;
            }
            var wait = parseInt(res.headers.get("Retry-After") || "", 10);
            return { status: res.status, body: body, retryAfter: wait > 0 ? wait : 0 };
          });
        })
        .then(
          function (result) {
            if (done) return;
            done = true;
            global.clearTimeout(timer);
            resolve(result);
          },
          function (err) {
            if (done) return;
            done = true;
            global.clearTimeout(timer);
            reject(err);
          }
        );
    });
  }

  /** Remove all children of a node. */
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  /** Create an element with a class and (escaped) text. */
  function el(tag, className, text) {
    var node = global.document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** A link from the deck: only http(s) URLs become clickable (the loader already insists). */
  function safeLink(link, className) {
    var a = el("a", className, link.label || link.url);
    if (/^https?:\/\//i.test(String(link.url || ""))) {
      a.setAttribute("href", link.url);
      a.setAttribute("target", "_blank");
      a.setAttribute("rel", "noopener noreferrer");
    }
    return a;
  }

  global.RondvraagLive = {
    Backoff: Backoff,
    LiveSocket: LiveSocket,
    fetchJSON: fetchJSON,
    resultFrom: resultFrom,
    clear: clear,
    el: el,
    safeLink: safeLink
  };
})(window);
