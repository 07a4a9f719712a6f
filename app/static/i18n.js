/* Rondvraag UI strings in Dutch and English, and the rule that picks a language.
 * Plain ES2017, no modules: loaded with a <script> tag before phone.js / present.js. */
(function (global) {
  "use strict";

  var STRINGS = {
    nl: {
      "app.name": "Rondvraag",
      "conn.reconnecting": "Verbinding herstellen…",
      "conn.offline": "Offline",
      "conn.online": "Verbonden",
      "load.joining": "Even geduld, je wordt aangemeld…",
      "load.gone": "Deze sessie bestaat niet (meer). Controleer de code.",
      "load.home": "Naar de startpagina",
      "join.busy": "Veel mensen melden zich tegelijk aan; nog even geduld…",
      "join.full": "Deze sessie zit vol. Je wordt binnengelaten zodra er plaats is.",
      "join.locked": "Aanmelden is even gesloten door de presentator. We proberen het zo opnieuw.",
      "ended.thanks": "Deze sessie is afgelopen. Bedankt om mee te doen!",
      "wait.next": "Wacht op de volgende vraag…",
      "wait.welcome": "Welkom!",
      "wait.first": "Je bent binnen. Wacht op de eerste vraag…",
      "wait.in": "Je bent binnen. Wacht op de volgende vraag…",
      "wait.look": "Kijk mee op het scherm vooraan.",
      "vote.closed": "Stemmen is gesloten",
      "vote.notyet": "Stemmen is nog niet geopend",
      "vote.send": "Verstuur",
      "vote.sending": "Bezig met versturen…",
      "vote.received": "Antwoord ontvangen ✓",
      "vote.change": "Wijzig je antwoord",
      "vote.yours": "Jouw antwoord",
      "vote.none": "Je hebt op deze vraag niet geantwoord.",
      "vote.pending": "Je antwoord wordt verzonden zodra je weer verbinding hebt.",
      "vote.toolate": "Je antwoord kwam te laat aan: de vraag is niet meer open.",
      "vote.closedDraft": "Het stemmen werd gesloten voor je antwoord verstuurd was. Je tekst blijft bewaard als het stemmen weer opengaat.",
      "vote.unsent": "Niet verstuurd",
      "vote.error": "Er ging iets mis. Probeer het opnieuw.",
      "choice.pickone": "Kies één antwoord",
      "choice.pickmany": "Kies tot {n} antwoorden",
      "choice.count": "{k} van {n} gekozen",
      "text.placeholder": "Typ je antwoord",
      "text.placeholderN": "Antwoord {i}",
      "text.add": "+ Nog een antwoord",
      "text.remaining": "nog {n} tekens",
      "text.empty": "Typ eerst een antwoord.",
      "text.upto": "Tot {n} antwoorden",
      "scales.rate": "Geef elke stelling een score",
      "scales.missing": "Kies eerst een score.",
      "results.title": "Resultaten",
      "results.responses1": "1 antwoord",
      "results.responsesN": "{n} antwoorden",
      "results.mean": "gemiddeld",
      "results.hidden": "Resultaten verborgen",
      "results.hiddenHint": "Druk op spatie of op « Resultaten tonen » om ze te tonen",
      "present.connected1": "1 verbonden",
      "present.connectedN": "{n} verbonden",
      "present.connectedTitle": "deelnemers met een open verbinding",
      "results.meanShort": "gem.",
      "wall.range": "Antwoorden {from}–{to} van {total}",
      "wall.rangeNewest": "Antwoorden {from}–{to} van de nieuwste {held}",
      "wall.total": "{n} in totaal",
      "wall.all1": "1 antwoord",
      "wall.allN": "Alle {n} antwoorden",
      "wall.page": "pagina {p} van {n}",
      "wall.paused": "gepauzeerd",
      "wall.new": "+{n} nieuw",
      "wall.times": "{n} keer",
      "cloud.list": "Alle woorden, meest genoemd eerst",
      "cloud.listRange": "Woorden {from}–{to} van {total}",
      "cloud.listNewest": "de {held} meest genoemde van {total} woorden",
      "cloud.times": "{n} keer",
      "cloud.more1": "Nog 1 woord niet getoond ({c}× genoemd)",
      "cloud.moreN": "Nog {n} woorden niet getoond (elk hooguit {c}× genoemd)",
      "present.open": "Stemmen open",
      "present.closed": "Stemmen gesloten",
      "present.join": "Ga naar",
      "present.code": "Code",
      "present.scan": "Scan de QR-code of surf naar",
      "present.entercode": "en geef de code in:",
      "present.prev": "Vorige",
      "present.next": "Volgende",
      "present.openVoting": "Stemmen openen",
      "present.closeVoting": "Stemmen sluiten",
      "present.reveal": "Resultaten tonen",
      "present.hide": "Resultaten verbergen",
      "present.qr": "QR-code",
      "present.fullscreen": "Volledig scherm",
      "present.reset": "Nieuwe ronde",
      "present.resetConfirm": "Een nieuwe ronde starten? De huidige antwoorden verdwijnen van het scherm maar blijven bewaard in de export.",
      "present.report": "Rapport",
      "present.csv": "CSV",
      "present.slides": "Dia",
      "present.failed": "Actie mislukt: {msg}",
      "present.loginAgain": "Je sessie is verlopen. Meld opnieuw aan.",
      "present.keys": "→ volgende · ← vorige · spatie resultaten · O stemmen · Q QR · R repetitie · F volledig scherm",
      "present.waiting": "Verbinden met de server…",
      "present.more": "Meer…",
      "present.lock": "Aanmelden sluiten",
      "present.unlock": "Aanmelden openen",
      "present.locked": "Aanmelden gesloten",
      "present.joinsPerMin": "+{n}/min",
      "present.joinsTitle": "aanmeldingen in de laatste minuut",
      "present.end": "Sessie beëindigen",
      "present.endConfirm": "De sessie beëindigen? Daarna kan niemand nog antwoorden; de resultaten en de export blijven.",
      "present.ended": "Sessie beëindigd",
      "present.rehearsal": "Repetitie · {n} gesimuleerde deelnemers",
      "present.rehearse": "Repetitie met {n} deelnemers",
      "present.endRehearsal": "Repetitie stoppen",
      "present.endedUntil": "Sessie beëindigd · antwoorden gewist op {date}",
      "present.deckErrors": "Het deckbestand laadt niet zoals het nu bewaard is; de vorige versie blijft in gebruik. Verbeter:",
      "present.deckOutOfStep": "Niet elk serverproces toont dezelfde versie van het deck (nog niet herladen, of een ander bestand).",
      "venue.reached1": "1 telefoon heeft de server bereikt",
      "venue.reachedN": "{n} telefoons hebben de server bereikt",
      "venue.phone": "Een telefoon deed de test om {time}: {ms} ms heen en terug. De wifi laat telefoons door.",
      "venue.test": "Test eerst met je eigen telefoon op de wifi van de zaal:",
      "venue.none": "Na een minuut heeft nog geen enkele telefoon de server bereikt. Gastnetwerken laten toestellen vaak niet met elkaar praten (isolatie). Test met je eigen telefoon via de link hierboven; lukt dat niet, zet dan de hotspot van je telefoon aan en verbind deze computer en de zaal daarmee.",
      "type.choice": "meerkeuze",
      "type.wordcloud": "woordwolk",
      "type.open": "open vraag",
      "type.scales": "schalen",
      "type.content": "dia",
      "type.join": "meedoen"
    },
    en: {
      "app.name": "Rondvraag",
      "conn.reconnecting": "Reconnecting…",
      "conn.offline": "Offline",
      "conn.online": "Connected",
      "load.joining": "One moment, joining…",
      "load.gone": "This session does not exist (any more). Check the code.",
      "load.home": "Go to the start page",
      "join.busy": "Many people are joining at once; one moment…",
      "join.full": "This session is full. You get in as soon as there is room.",
      "join.locked": "The presenter has paused joining. We will try again shortly.",
      "ended.thanks": "This session has ended. Thank you for taking part!",
      "wait.next": "Waiting for the next question…",
      "wait.welcome": "Welcome!",
      "wait.first": "You're in. Waiting for the first question…",
      "wait.in": "You're in. Waiting for the next question…",
      "wait.look": "Keep an eye on the screen at the front.",
      "vote.closed": "Voting is closed",
      "vote.notyet": "Voting has not opened yet",
      "vote.send": "Send",
      "vote.sending": "Sending…",
      "vote.received": "Answer received ✓",
      "vote.change": "Change your answer",
      "vote.yours": "Your answer",
      "vote.none": "You did not answer this question.",
      "vote.pending": "Your answer will be sent as soon as you are back online.",
      "vote.toolate": "Your answer arrived too late: the question is no longer open.",
      "vote.closedDraft": "Voting closed before your answer was sent. What you wrote is kept in case voting opens again.",
      "vote.unsent": "Not sent",
      "vote.error": "Something went wrong. Please try again.",
      "choice.pickone": "Pick one answer",
      "choice.pickmany": "Pick up to {n} answers",
      "choice.count": "{k} of {n} picked",
      "text.placeholder": "Type your answer",
      "text.placeholderN": "Answer {i}",
      "text.add": "+ Add another answer",
      "text.remaining": "{n} characters left",
      "text.empty": "Type an answer first.",
      "text.upto": "Up to {n} answers",
      "scales.rate": "Rate each statement",
      "scales.missing": "Pick a score first.",
      "results.title": "Results",
      "results.responses1": "1 response",
      "results.responsesN": "{n} responses",
      "results.mean": "mean",
      "results.hidden": "Results hidden",
      "results.hiddenHint": "Press space or « Show results » to show them",
      "present.connected1": "1 connected",
      "present.connectedN": "{n} connected",
      "present.connectedTitle": "participants with an open connection",
      "results.meanShort": "mean",
      "wall.range": "Answers {from}–{to} of {total}",
      "wall.rangeNewest": "Answers {from}–{to} of the newest {held}",
      "wall.total": "{n} in all",
      "wall.all1": "1 answer",
      "wall.allN": "All {n} answers",
      "wall.page": "page {p} of {n}",
      "wall.paused": "paused",
      "wall.new": "+{n} new",
      "wall.times": "{n} times",
      "cloud.list": "All words, most mentioned first",
      "cloud.listRange": "Words {from}–{to} of {total}",
      "cloud.listNewest": "the {held} most mentioned of {total} words",
      "cloud.times": "{n} times",
      "cloud.more1": "1 more word not shown (mentioned {c}×)",
      "cloud.moreN": "{n} more words not shown (each mentioned {c}× or less)",
      "present.open": "Voting open",
      "present.closed": "Voting closed",
      "present.join": "Go to",
      "present.code": "Code",
      "present.scan": "Scan the QR code or go to",
      "present.entercode": "and enter the code:",
      "present.prev": "Previous",
      "present.next": "Next",
      "present.openVoting": "Open voting",
      "present.closeVoting": "Close voting",
      "present.reveal": "Show results",
      "present.hide": "Hide results",
      "present.qr": "QR code",
      "present.fullscreen": "Full screen",
      "present.reset": "New round",
      "present.resetConfirm": "Start a new round? The current answers leave the screen but stay in the export.",
      "present.report": "Report",
      "present.csv": "CSV",
      "present.slides": "Slide",
      "present.failed": "Action failed: {msg}",
      "present.loginAgain": "Your login has expired. Please log in again.",
      "present.keys": "→ next · ← previous · space results · O voting · Q QR · R rehearsal · F full screen",
      "present.waiting": "Connecting to the server…",
      "present.more": "More…",
      "present.lock": "Lock joining",
      "present.unlock": "Open joining",
      "present.locked": "Joining locked",
      "present.joinsPerMin": "+{n}/min",
      "present.joinsTitle": "joins in the last minute",
      "present.end": "End session",
      "present.endConfirm": "End the session? Nobody can answer after that; the results and the export stay.",
      "present.ended": "Session ended",
      "present.rehearsal": "Rehearsal · {n} simulated participants",
      "present.rehearse": "Rehearse with {n} participants",
      "present.endRehearsal": "End rehearsal",
      "present.endedUntil": "Session ended · answers deleted on {date}",
      "present.deckErrors": "The deck file as saved does not load; the last good version stays in use. Fix:",
      "present.deckOutOfStep": "Not every server process shows the same version of the deck (not reloaded yet, or a different file).",
      "venue.reached1": "1 phone has reached the server",
      "venue.reachedN": "{n} phones have reached the server",
      "venue.phone": "A phone ran the test at {time}: {ms} ms there and back. The Wi-Fi lets phones through.",
      "venue.test": "Test with your own phone on the venue Wi-Fi first:",
      "venue.none": "After a minute no phone has reached the server yet. Guest networks often keep devices from talking to each other (isolation). Test with your own phone through the link above; if that fails, switch on your phone's hotspot and connect this computer and the room to it.",
      "type.choice": "choice",
      "type.wordcloud": "word cloud",
      "type.open": "open question",
      "type.scales": "scales",
      "type.content": "slide",
      "type.join": "join"
    }
  };

  function supported(lang) {
    return lang === "nl" || lang === "en";
  }

  /** The ?lang= override wins, then (if allowed) the browser's first nl/en preference, then the
   * deck language. The projector passes useBrowser=false: it speaks the deck's language. */
  function pickLanguage(deckLanguage, useBrowser) {
    var m = /[?&]lang=([a-zA-Z-]+)/.exec(global.location ? global.location.search : "");
    if (m && supported(m[1].toLowerCase())) return m[1].toLowerCase();
    if (useBrowser) {
      var prefs = (global.navigator && global.navigator.languages) || [];
      if (!prefs.length && global.navigator && global.navigator.language) {
        prefs = [global.navigator.language];
      }
      for (var i = 0; i < prefs.length; i++) {
        var base = String(prefs[i]).toLowerCase().split("-")[0];
        if (supported(base)) return base;
      }
    }
    return supported(deckLanguage) ? deckLanguage : "nl";
  }

  function Translator(lang) {
    var table = STRINGS[lang] || STRINGS.nl;
    var t = function (key, params) {
      var s = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : STRINGS.nl[key];
      if (s === undefined) return key;
      if (params) {
        s = s.replace(/\{(\w+)\}/g, function (all, name) {
          return Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : all;
        });
      }
      return s;
    };
    t.lang = table === STRINGS[lang] ? lang : "nl";
    /** "1 antwoord" / "5 antwoorden": picks key+"1" or key+"N". */
    t.count = function (key, n) {
      return n === 1 ? t(key + "1", { n: n }) : t(key + "N", { n: n });
    };
    return t;
  }

  /** A slide type's own strings ({nl: {...}, en: {...}}), added by its script in
   * static/types/, so a new type touches no shared file. Keys already here win. */
  function add(strings) {
    Object.keys(strings).forEach(function (lang) {
      var table = STRINGS[lang];
      if (!table) return;
      Object.keys(strings[lang]).forEach(function (key) {
        if (!Object.prototype.hasOwnProperty.call(table, key)) table[key] = strings[lang][key];
      });
    });
  }

  global.RondvraagI18n = {
    strings: STRINGS,
    add: add,
    pickLanguage: pickLanguage,
    translator: Translator
  };
})(window);
