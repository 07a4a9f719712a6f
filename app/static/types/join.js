/* The join slide: the projector shows the QR code, the address and the code full screen;
 * phones that are in already are welcomed. */
(function (global) {
  "use strict";

  var el = global.RondvraagLive.el;

  global.RondvraagTypes.register("join", {
    phoneSlide: function (slide, box, ctx) {
      var wait = el("div", "waiting waiting-join");
      wait.appendChild(el("h1", "slide-prompt", ctx.t("wait.welcome")));
      var start = !ctx.started && ctx.position.index <= 2;
      wait.appendChild(el("p", "wait", ctx.t(start ? "wait.first" : "wait.in")));
      wait.appendChild(el("p", "wait-sub", ctx.t("wait.look")));
      box.appendChild(wait);
    },
    projectorSlide: function (slide, box, ctx) {
      var wrap = el("div", "join");
      var info = el("div", "join-info");
      info.appendChild(el("h1", "join-title", slide.title || ctx.title));
      info.appendChild(el("p", "join-step", ctx.t("present.scan")));
      info.appendChild(el("p", "join-url", ctx.joinUrl));
      info.appendChild(el("p", "join-step", ctx.t("present.entercode")));
      info.appendChild(el("p", "join-code-big", ctx.code));
      wrap.appendChild(ctx.qrImage("join-qr"));
      wrap.appendChild(info);
      box.appendChild(wrap);
    }
  });
})(window);
