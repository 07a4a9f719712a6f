/* The venue check on the presenter's own phone (/check/CODE): a few round trips to the server,
 * the median told to the presenter's screens (POST /api/sessions/CODE/check), and a plain
 * answer here. Reaching this page at all already proves the Wi-Fi lets phones through. */
(function () {
  "use strict";

  var body = document.body;
  var code = body.getAttribute("data-code") || "";
  var result = document.getElementById("check-result");
  var again = document.getElementById("check-again");
  var TRIES = 5;

  function once() {
    var started = performance.now();
    return fetch("/healthz", { cache: "no-store" }).then(function (res) {
      if (!res.ok) throw new Error("HTTP " + res.status);
      return performance.now() - started;
    });
  }

  function say(text, kind) {
    result.textContent = text;
    result.className = "notice notice-" + kind;
  }

  function measure() {
    again.hidden = true;
    var times = [];
    var chain = Promise.resolve();
    for (var i = 0; i < TRIES; i++) {
      chain = chain.then(once).then(function (ms) {
        times.push(ms);
      });
    }
    chain
      .then(function () {
        times.sort(function (a, b) {
          return a - b;
        });
        var median = Math.round(times[Math.floor(times.length / 2)]);
        return fetch("/api/sessions/" + encodeURIComponent(code) + "/check", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ rtt_ms: median })
        }).then(function (res) {
          if (!res.ok) throw new Error("HTTP " + res.status);
          say(body.getAttribute("data-ok").replace("{ms}", String(median)), "ok");
        });
      })
      .catch(function () {
        say(body.getAttribute("data-fail"), "error");
      })
      .then(function () {
        again.hidden = false;
      });
  }

  again.addEventListener("click", measure);
  measure();
})();
