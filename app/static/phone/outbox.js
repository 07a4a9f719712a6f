/* The outbox: the answer this phone gave that the server has not confirmed yet. Kept in storage
 * (phone/storage.js) so a reload does not lose it; sent with POST /responses once the phone has
 * a token; after a failure sent again after the server's Retry-After, else a jittered backoff,
 * and at once when the device is back online. It holds one answer: a newer one replaces it and
 * goes next. Dropped when the server accepts it or refuses it for good.
 *
 * window.RondvraagOutbox(opts) -> {put(question, answer), send(), pending() -> {question,
 * answer} or null, holds(question), drop(question) (a new round began), stop()}.
 * opts: api (the session's API path), storage (the token, the kept answer) and the callbacks:
 *   status(question, "sending" | "pending")  a send began / failed and will be retried
 *   accepted(question, answer, replaced)     stored (answer as stored); replaced: a newer
 *                                            answer was put meanwhile and is sent next
 *   refused(entry, status, body)             a definite no (400, 404, 409, 413...): dropped
 *   tokenRefused()                           join again; send() once joined
 *   gone()                                   the session no longer exists
 * Plain ES2017, no modules. */
(function (global) {
  "use strict";

  var L = global.RondvraagLive;
  var TIMEOUT_MS = 15000;
  var MAX_REJOINS = 2; // a token refused this often in a row is not the token's fault

  function Outbox(opts) {
    var storage = opts.storage;
    var entry = storage.pending(); // {question, answer} not yet confirmed by the server
    var inflight = false;
    var stopped = false;
    var rejoins = 0; // joins asked for since the last answer the server took
    var backoff = new L.Backoff();
    var retryTimer = null;

    function forget(p) {
      if (entry === p) {
        entry = null;
        storage.dropPending();
      }
    }

    /** Try again: after the server's Retry-After when it gave one, else after the backoff. */
    function scheduleRetry(retryAfter) {
      if (retryTimer) return;
      var delay = backoff.next();
      if (retryAfter) delay = Math.max(delay, retryAfter * 1000 * (1 + Math.random() / 4));
      retryTimer = global.setTimeout(function () {
        retryTimer = null;
        send();
      }, delay);
    }

    function send() {
      if (!entry || inflight || !storage.token() || stopped) return;
      if (retryTimer) {
        global.clearTimeout(retryTimer);
        retryTimer = null;
      }
      var p = entry;
      inflight = true;
      opts.status(p.question, "sending");
      L.fetchJSON(
        opts.api + "/responses",
        {
          method: "POST",
          body: { participant: storage.token(), question: p.question, answer: p.answer }
        },
        TIMEOUT_MS
      ).then(
        function (res) {
          inflight = false;
          answered(p, res.status, res.body || {}, res.retryAfter);
        },
        function () {
          inflight = false;
          if (entry === p) {
            opts.status(p.question, "pending");
            scheduleRetry();
          } else {
            send();
          }
        }
      );
    }

    function answered(p, status, data, retryAfter) {
      var replaced = entry !== p;
      if (status >= 200 && status < 300) {
        rejoins = 0;
        backoff.reset();
        forget(p);
        opts.accepted(p.question, data.answer !== undefined ? data.answer : p.answer, replaced);
        if (replaced) send();
        return;
      }
      if (replaced) {
        send();
        return;
      }
      if ((status === 401 || status === 403) && rejoins < MAX_REJOINS) {
        // The token was refused (server secret changed, storage wiped): join again, then resend.
        rejoins += 1;
        opts.tokenRefused();
        return;
      }
      if (status === 429 || status >= 500 || status === 0) {
        opts.status(p.question, "pending");
        scheduleRetry(retryAfter);
        return;
      }
      if (status === 404 && data && data.error === "unknown_session") {
        opts.gone();
        return;
      }
      // A definite no: the answer will never be accepted as it is.
      forget(p);
      opts.refused(p, status, data);
    }

    global.addEventListener("online", function () {
      backoff.reset();
      send();
    });

    return {
      put: function (question, answer) {
        entry = { question: question, answer: answer };
        storage.keepPending(entry);
        backoff.reset();
      },
      send: send,
      pending: function () {
        return entry;
      },
      holds: function (question) {
        return !!entry && entry.question === question;
      },
      drop: function (question) {
        if (entry && entry.question === question) forget(entry);
      },
      stop: function () {
        stopped = true;
      }
    };
  }

  global.RondvraagOutbox = Outbox;
})(window);
