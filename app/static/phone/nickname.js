/* The nickname a participant picks in a deck with a quiz (the state says `nicknames`), asked
 * before anything else once the phone has joined, and sent with `POST /join {participant,
 * name}`. The server trims it, refuses offensive names and makes it unique ("Anna 2"): the
 * phone keeps the name the server gave. Decks without a quiz never ask (anonymous).
 *
 * window.RondvraagPhoneNickname({api, storage, t, el, done}) -> {needed(state), render(box)}.
 * Plain ES2017, no modules. */
(function (global) {
  "use strict";

  var L = global.RondvraagLive;
  var MAX_NAME = 24; // app/domain/nicknames.py

  function Nickname(options) {
    var storage = options.storage;
    var t = options.t;
    var el = options.el;
    var busy = false;
    var error = "";
    var typed = "";
    var unused = false; // the server said this deck takes no names

    function needed(state) {
      return !!(state && state.nicknames && !state.ended && !unused && !storage.name());
    }

    function render(box) {
      var form = el("form", "nick-form");
      form.setAttribute("novalidate", "");
      form.appendChild(el("h1", "slide-prompt", t("nick.title")));
      form.appendChild(el("p", "hint nick-hint", t("nick.hint")));
      var label = el("label", "nick-label", t("nick.label"));
      label.setAttribute("for", "nick-input");
      var input = el("input", "text-input nick-input");
      input.id = "nick-input";
      input.type = "text";
      input.setAttribute("maxlength", String(MAX_NAME));
      input.setAttribute("autocomplete", "nickname");
      input.setAttribute("autocapitalize", "words");
      input.setAttribute("enterkeyhint", "go");
      input.value = typed;
      var problem = el("p", "notice notice-error nick-error", error);
      problem.id = "nick-error";
      problem.setAttribute("role", "alert");
      problem.hidden = !error;
      if (error) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", "nick-error");
      }
      var send = el("button", "btn btn-primary btn-send nick-send", t(busy ? "nick.sending" : "nick.go"));
      send.type = "submit";
      send.disabled = busy;
      input.addEventListener("input", function () {
        typed = input.value;
      });
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        submit(input.value);
      });
      form.appendChild(label);
      form.appendChild(input);
      form.appendChild(problem);
      form.appendChild(send);
      box.appendChild(form);
      global.setTimeout(function () {
        if (document.activeElement !== input) input.focus();
      }, 0);
    }

    function submit(value) {
      var name = String(value || "").replace(/\s+/g, " ").trim();
      typed = value;
      if (!name) {
        error = t("nick.empty");
        options.done();
        return;
      }
      var token = storage.token();
      if (!token || busy) return;
      busy = true;
      error = "";
      options.done();
      L.fetchJSON(options.api + "/join", { method: "POST", body: { participant: token, name: name } }, 10000).then(
        function (res) {
          busy = false;
          var body = res.body || {};
          if ((res.status === 200 || res.status === 201) && typeof body.name === "string") {
            storage.setName(body.name);
          } else if (res.status === 409 && body.error === "no_nicknames") {
            unused = true;
          } else if (body.error === "name_not_allowed") {
            error = t("nick.notAllowed");
          } else if (body.error === "invalid_name") {
            error = t("nick.invalid", { n: MAX_NAME });
          } else {
            error = t("vote.error");
          }
          options.done();
        },
        function () {
          busy = false;
          error = t("conn.offline");
          options.done();
        }
      );
    }

    return { needed: needed, render: render };
  }

  global.RondvraagPhoneNickname = Nickname;
})(window);
