/* The phone's line to the session: joining, then the live socket. Joining takes the join the
 * server made while rendering the page (app/web/joining.py) or asks POST /join (with the saved
 * token, else the QR code's join key), again after a backoff or the server's Retry-After, and
 * now and then while the room is full or joining is locked. Then it keeps the socket (live.js
 * LiveSocket) open, fetching the state over HTTP while it is down (proxies that block
 * WebSockets; a session that is gone).
 *
 * window.RondvraagPhoneConnection(opts) -> {
 *   takePageJoin(join)  true when this phone goes on with the page's join (first-state `join`);
 *                       a token the phone kept outranks it
 *   start()             join, then open the socket
 *   rejoin()            the token was refused: forget it and join afresh
 *   send(msg)           up the socket (false when it is not open)
 *   stop()}             the session is over
 * opts: code, api (the session's API path), storage (the token), and the page's callbacks:
 * connecting() (a socket starts connecting), open(), message(msg), polled(state), offline(down)
 * (say "reconnecting" or not), joined(), waiting(reason) ("session_full", "joining_locked" or
 * "busy"), gone(), ended().
 * Plain ES2017, no modules. */
(function (global) {
  "use strict";

  var L = global.RondvraagLive;
  var JOIN_TIMEOUT_MS = 10000;
  var POLL_TIMEOUT_MS = 8000;
  var LOOK_AGAIN_MS = 15000; // a full or locked room: join again about this often

  /** The join key from the QR code's URL: it lets a full room behind one address join at once. */
  function joinKey() {
    var match = /[?&]k=([a-z0-9]{1,16})(?:&|$)/.exec(global.location.search);
    return match ? match[1] : null;
  }

  /** The page's join as POST /join would have answered it. */
  function pageJoinResponse(joined) {
    return { status: joined.status, body: joined, retryAfter: joined.retry_after || 0 };
  }

  function Connection(opts) {
    var storage = opts.storage;
    var key = joinKey();
    var backoff = new L.Backoff();
    var stopped = false;
    var socketStarted = false;
    var pageJoin = null; // the page's join, taken by this phone
    var setAside = null; // the page's join, when the phone came with a token of its own

    var socket = new L.LiveSocket({
      path: function () {
        opts.connecting(); // called as each socket starts connecting
        var token = storage.token();
        var q = token ? "?participant=" + encodeURIComponent(token) : "";
        return "/ws/sessions/" + encodeURIComponent(opts.code) + q;
      },
      onOpen: function () {
        opts.offline(false);
        opts.open();
      },
      onMessage: opts.message,
      onDown: function (failures) {
        opts.offline(true);
        if (failures >= 2) poll();
      },
      onGone: opts.gone
    });

    /** The state over HTTP while the socket is down (404: the session is gone). */
    function poll() {
      L.fetchJSON(opts.api, {}, POLL_TIMEOUT_MS).then(
        function (res) {
          if (res.status === 404) opts.gone();
          else if (res.status === 200 && res.body) opts.polled(res.body);
        },
        function () {
          /* still offline */
        }
      );
    }

    function join() {
      if (stopped) return;
      var saved = storage.token();
      var request = saved ? { participant: saved } : key ? { key: key } : {};
      L.fetchJSON(opts.api + "/join", { method: "POST", body: request }, JOIN_TIMEOUT_MS).then(
        function (res) {
          joinAnswered(res, saved);
        },
        function () {
          retryJoin(0, true);
        }
      );
    }

    /** What a join got ({status, body, retryAfter}, from POST /join or from the page itself):
     * go on with the token, wait and try again, or say why not. */
    function joinAnswered(res, saved) {
      var data = res.body || {};
      if ((res.status === 200 || res.status === 201) && typeof data.participant === "string") {
        storage.setToken(data.participant);
        backoff.reset();
        forgetJoinKey();
        if (!socketStarted) {
          socketStarted = true;
          socket.start();
        } else if (saved !== data.participant) {
          socket.connect(); // reconnect with the new token so the server counts us right
        }
        opts.joined();
        return;
      }
      if (res.status === 404) {
        opts.gone();
        return;
      }
      if (res.status === 409 && data.error === "session_ended") {
        opts.ended();
        return;
      }
      if (res.status === 409 && (data.error === "session_full" || data.error === "joining_locked")) {
        // Full, or the presenter paused joining: say so, and look again now and then.
        opts.waiting(data.error);
        global.setTimeout(join, LOOK_AGAIN_MS * (0.75 + Math.random() / 2));
        return;
      }
      if (saved && res.status >= 400 && res.status < 500 && res.status !== 429) {
        storage.forgetToken(); // refused or unreadable token: join fresh
        var offered = setAside;
        setAside = null;
        if (offered) joinAnswered(pageJoinResponse(offered), null); // the page joined us already
        else join();
        return;
      }
      if (res.status === 429) {
        opts.waiting("busy"); // the server is there, just busy: no "offline"
        retryJoin(res.retryAfter, false);
        return;
      }
      retryJoin(0, true);
    }

    /** Join again later: after Retry-After when the server said how long (plus a little jitter,
     * so a room that was told "wait 3 s" does not come back in the same millisecond). */
    function retryJoin(retryAfter, offline) {
      opts.offline(offline);
      var delay = backoff.next();
      if (retryAfter) delay = Math.max(delay, retryAfter * 1000 * (1 + Math.random() / 4));
      global.setTimeout(join, delay);
    }

    /** Once joined, the key has done its job: drop it from the address bar, so a shared or
     * bookmarked link does not carry it. */
    function forgetJoinKey() {
      if (!key || !global.history || !global.history.replaceState) return;
      try {
        global.history.replaceState(null, "", global.location.pathname);
      } catch (e) {
        /* not allowed here: harmless */
      }
    }

    return {
      takePageJoin: function (joined) {
        if (!joined || typeof joined !== "object") return false;
        var token = storage.token();
        if (token && joined.participant !== token) {
          // A token this phone kept outranks the page's: its answers were given with it. The
          // page's join is kept in case the server no longer takes the old token.
          if (typeof joined.participant === "string") setAside = joined;
          return false;
        }
        pageJoin = joined;
        return true;
      },
      start: function () {
        if (pageJoin) joinAnswered(pageJoinResponse(pageJoin), storage.token());
        else join();
      },
      rejoin: function () {
        storage.forgetToken();
        join();
      },
      send: function (msg) {
        return socket.send(msg);
      },
      stop: function () {
        stopped = true;
        socket.stop();
      }
    };
  }

  global.RondvraagPhoneConnection = Connection;
})(window);
