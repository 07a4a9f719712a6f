/* The registry of question types' page code. Each type has one script here
 * (app/static/types/NAME.js, loaded by every page from the server's list of types) that
 * registers what the pages need of it; the page scripts dispatch through this registry and
 * never switch on a type name. Adding a type is a Python module, this script and its CSS.
 *
 * A type registers (every part optional but `View` for a question the projector draws):
 *   draft(slide, answer)            the phone's editable draft from a known answer (or none)
 *   form(ctx)                       builds the answer form into ctx.form; ctx.draft() reads and
 *                                   ctx.setDraft(x) changes the draft, ctx.submit(answer) sends
 *                                   at once (one-tap types), ctx.changed() marks a draft edited
 *   answer(slide, draft)            {answer: …} to send, or {error: "i18n key"} to say why not
 *   summary(slide, answer, list, ctx)  the participant's own answer as <li>s in `list`
 *   phoneResult(slide, result, box, ctx)  the room's results on the phone (ctx.mine: own answer)
 *   View(slide, root, t, lang)      the projector's and remote's live view: .update(result),
 *                                   .relayout(); optional .voting(open, state) (told
 *                                   whenever the state arrives) and .key(key) (a key the presenter pressed
 *                                   that present.js does not use; true: handled)
 * ctx always has t (translator), el, lang; on the phone also api (the session's API path),
 * participant (the token, if joined) and state (the live state, e.g. a timer). Plain ES2017. */
(function (global) {
  "use strict";

  var types = {};

  global.RondvraagTypes = {
    register: function (name, spec) {
      types[name] = spec;
    },
    get: function (name) {
      return Object.prototype.hasOwnProperty.call(types, name) ? types[name] : null;
    },
    /** Percent of a total, rounded (0 of nothing). */
    pct: function (n, total) {
      return total > 0 ? Math.round((100 * n) / total) : 0;
    },
    /** 1 decimal, a decimal comma in Dutch. */
    number: function (x, lang) {
      var s = x.toFixed(1);
      return lang === "nl" ? s.replace(".", ",") : s;
    },
    /** A small stable hash of a text (a word keeps its colour between updates). */
    hash: function (s) {
      var h = 0;
      for (var i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
      return Math.abs(h);
    },
    toList: toList,
    columnPages: columnPages,
    textDraft: textDraft,
    textForm: textForm,
    textAnswer: textAnswer,
    textSummary: textSummary
  };

  /** Pages of a multi-column box of fixed height (positioned, so it is its children's
   * offsetParent): what does not fit flows on into columns to the right of the box. A page is
   * as many columns as the box's width shows; `offsets[p]`: how far to shift the box left to
   * show page p. Measured from where the columns really are (offsetLeft ignores transforms,
   * so a shifted box or a card still fading in measures the same). */
  function columnPages(box) {
    var starts = [];
    var lefts = [];
    for (var i = 0; i < box.children.length; i++) {
      var left = box.children[i].offsetLeft;
      lefts.push(left);
      var known = starts.some(function (s) {
        return Math.abs(s - left) <= 2;
      });
      if (!known) starts.push(left);
    }
    starts.sort(function (a, b) {
      return a - b;
    });
    var perPage = Math.max(
      1,
      starts.filter(function (s) {
        return s < box.clientWidth - 2;
      }).length
    );
    var pageOf = lefts.map(function (left) {
      var column = 0;
      while (column + 1 < starts.length && starts[column + 1] <= left + 2) column += 1;
      return Math.floor(column / perPage);
    });
    var offsets = [];
    for (var c = 0; c < starts.length; c += perPage) offsets.push(starts[c]);
    if (!offsets.length) offsets.push(0);
    return { pageOf: pageOf, count: offsets.length, offsets: offsets };
  }

  function toList(answer) {
    if (answer === null || answer === undefined) return [];
    return Array.isArray(answer) ? answer.slice() : [answer];
  }

  /* ---------------------------------------------------------------- free text (word cloud, open)
   * Shared like the server's FreeText base: a few typed entries, up to max_answers. */

  function textDraft(slide, answer) {
    var list = toList(answer).map(String);
    return list.length ? list : [""];
  }

  function textForm(ctx, multiline) {
    var el = global.RondvraagLive.el;
    var slide = ctx.slide;
    var t = ctx.t;
    var entries = ctx.draft();
    if (!entries || !entries.length) {
      entries = [""];
      ctx.setDraft(entries);
    }
    var max = Math.max(1, slide.max_answers || 1);
    var maxLen = Math.max(1, slide.max_length || 280);
    if (max > 1) ctx.form.appendChild(el("p", "hint", t("text.upto", { n: max })));
    var list = el("div", "text-inputs");
    ctx.form.appendChild(list);
    var inputs = [];
    var add = ctx.button("btn-secondary btn-add", t("text.add"), function () {
      next().focus();
    });

    function syncAdd() {
      add.hidden = entries.length >= max;
      inputs.forEach(function (input, i) {
        // Enter moves on to the next entry while more are allowed; on the last it sends.
        if (!multiline) input.setAttribute("enterkeyhint", i < max - 1 ? "next" : "send");
      });
    }

    /** The entry after the last: a new field while the limit allows. */
    function next() {
      if (entries.length < max) {
        entries.push("");
        addInput(entries.length - 1);
        syncAdd();
      }
      return inputs[inputs.length - 1];
    }

    function addInput(index) {
      var wrap = el("div", "text-field");
      var input = el(multiline ? "textarea" : "input", "text-input");
      if (!multiline) input.type = "text";
      else input.rows = 3;
      input.setAttribute("maxlength", String(maxLen));
      input.setAttribute("autocomplete", "off");
      input.setAttribute("autocapitalize", "sentences");
      var placeholder = max > 1 ? t("text.placeholderN", { i: index + 1 }) : t("text.placeholder");
      input.setAttribute("placeholder", placeholder);
      // Named after the question, so a screen reader says what is asked, not "edit text".
      var name = slide.prompt || slide.title || placeholder;
      input.setAttribute("aria-label", max > 1 ? name + " (" + placeholder + ")" : name);
      input.value = entries[index] || "";
      if (!multiline) {
        input.addEventListener("keydown", function (ev) {
          if (ev.key !== "Enter" || ev.isComposing) return;
          var i = inputs.indexOf(input);
          if (i < max - 1) {
            ev.preventDefault(); // not "send the first word alone"
            (i + 1 < inputs.length ? inputs[i + 1] : next()).focus();
          }
        });
      }
      var counter = el("span", "text-counter", "");
      function count() {
        var left = maxLen - input.value.length;
        counter.textContent =
          left <= Math.min(40, maxLen / 2) ? t("text.remaining", { n: left }) : "";
      }
      input.addEventListener("input", function () {
        entries[index] = input.value;
        ctx.changed();
        count();
      });
      count();
      wrap.appendChild(input);
      wrap.appendChild(counter);
      list.appendChild(wrap);
      inputs.push(input);
      return input;
    }

    for (var i = 0; i < entries.length && i < max; i++) addInput(i);
    ctx.form.appendChild(add);
    syncAdd();
    var send = el("button", "btn btn-primary btn-send", t("vote.send"));
    send.type = "submit";
    ctx.form.appendChild(send);
  }

  /** The typed entries, trimmed, without empties or repeats (case-insensitive). */
  function textAnswer(slide, draft) {
    var seen = {};
    var entries = (draft || [])
      .map(function (s) {
        return String(s).replace(/\s+/g, " ").trim();
      })
      .filter(function (s) {
        var k = s.toLowerCase();
        if (!s || seen[k]) return false;
        seen[k] = true;
        return true;
      });
    if (!entries.length) return { error: "text.empty" };
    var max = Math.max(1, slide.max_answers || 1);
    return { answer: max === 1 ? entries[0] : entries.slice(0, max) };
  }

  function textSummary(slide, answer, list) {
    var el = global.RondvraagLive.el;
    toList(answer).forEach(function (text) {
      list.appendChild(el("li", "summary-item", text));
    });
  }
})(window);
