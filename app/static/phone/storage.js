/* What the phone keeps of one session across reloads, in localStorage (in this page's memory
 * where storage is blocked: private mode, old Safari): the participant token (who this phone is;
 * its answers were given with it), the drafts (unsent edits per question, so nothing typed is
 * lost when the presenter moves on and back, the page reloads or the connection drops), and the
 * answer the outbox has not had confirmed, and the nickname given (decks with a quiz). Keys:
 * rondvraag:p:CODE, rondvraag:drafts:CODE, rondvraag:pending:CODE, rondvraag:name:CODE.
 *
 * window.RondvraagPhoneStorage(code) -> {token(), setToken(t), forgetToken(), name(), setName(n),
 * draft(question, round) (undefined when none was edited), keepDraft(question, round, draft),
 * dropDraft(question), pending() -> {question, answer} or null, keepPending(p), dropPending()}.
 * Plain ES2017, no modules. */
(function (global) {
  "use strict";

  var memory = {}; // every value set, for when localStorage refuses it

  function get(key) {
    try {
      var v = global.localStorage.getItem(key);
      if (v !== null) return v;
    } catch (e) {
      /* storage blocked (private mode, old Safari): memory only */
    }
    return Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : null;
  }

  function set(key, value) {
    memory[key] = value;
    try {
      global.localStorage.setItem(key, value);
    } catch (e) {
      /* memory copy is enough */
    }
  }

  function del(key) {
    delete memory[key];
    try {
      global.localStorage.removeItem(key);
    } catch (e) {
      /* ignore */
    }
  }

  function readDrafts(key) {
    try {
      var drafts = JSON.parse(get(key) || "{}");
      if (drafts && typeof drafts === "object" && !Array.isArray(drafts)) return drafts;
    } catch (e) {
      /* corrupt: start afresh */
    }
    return {};
  }

  function readPending(key) {
    var raw = get(key);
    if (!raw) return null;
    try {
      var p = JSON.parse(raw);
      if (p && typeof p.question === "string" && p.answer !== undefined) return p;
    } catch (e) {
      /* corrupt: drop */
    }
    del(key);
    return null;
  }

  function PhoneStorage(code) {
    var tokenKey = "rondvraag:p:" + code;
    var draftsKey = "rondvraag:drafts:" + code;
    var pendingKey = "rondvraag:pending:" + code;
    var nameKey = "rondvraag:name:" + code;
    var token = get(tokenKey);
    var drafts = readDrafts(draftsKey); // question id -> {round, draft}

    return {
      token: function () {
        return token;
      },
      setToken: function (value) {
        token = value;
        set(tokenKey, value);
      },
      forgetToken: function () {
        del(tokenKey);
        del(nameKey); // a new participant has no nickname yet
        token = null;
      },
      name: function () {
        return get(nameKey);
      },
      setName: function (value) {
        set(nameKey, value);
      },
      draft: function (question, round) {
        var kept = drafts[question];
        return kept && kept.round === round ? kept.draft : undefined;
      },
      keepDraft: function (question, round, draft) {
        drafts[question] = { round: round, draft: draft };
        set(draftsKey, JSON.stringify(drafts));
      },
      dropDraft: function (question) {
        if (!Object.prototype.hasOwnProperty.call(drafts, question)) return;
        delete drafts[question];
        set(draftsKey, JSON.stringify(drafts));
      },
      pending: function () {
        return readPending(pendingKey);
      },
      keepPending: function (entry) {
        set(pendingKey, JSON.stringify(entry));
      },
      dropPending: function () {
        del(pendingKey);
      }
    };
  }

  global.RondvraagPhoneStorage = PhoneStorage;
})(window);
