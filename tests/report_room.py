"""A full room for the reference deck, as the report meets it after a real session.

213 participants; 201 pick a role; 190 give 1-5 drive words drawn with Zipf-like frequencies;
180 rate the statements; 140 people give 182 open answers of up to 280 characters, among them
answers typed by several people in different spellings (case, punctuation, accents, spacing,
a typo), a few near misses that mean something else, emoji, markup and a multi-line answer.
Deterministic: the same seed gives the same room.
"""

from __future__ import annotations

import random
from typing import Any

PARTICIPANTS = 213
OPEN_ANSWERS = 182

ROLES = {
    "lokaal-bestuur": 64,
    "vdab": 48,
    "derden": 27,
    "vlaamse-overheid": 18,
    "wsg": 14,
    "vakbond": 11,
    "werkgevers": 8,
    "bedrijf": 6,
    "andere": 5,
}

DRIVES = """vertrouwen; dienstverlening; efficiëntie; samen sterker; expertise delen; win-win;
complementariteit; de klant centraal; middelen bundelen; kennis delen; netwerk; innovatie;
elkaar versterken; gedeelde doelen; lokale verankering; tijdswinst; kostenbesparing;
betere trajecten; draagvlak; schaalvoordeel; continuïteit; leren van elkaar; flexibiliteit;
maatwerk; bereik; toegankelijkheid; één loket; subsidies; opdracht van hogerhand; ambitie;
werkzaamheidsgraad; doelgroep bereiken; engagement; openheid; respect; communicatie;
geen dubbel werk; slagkracht; duurzaamheid; inclusie; zichtbaarheid; goesting; energie;
creativiteit; resultaten; verbinding; impact; samenhang; gelijkwaardigheid; transparantie;
wederzijds respect; korte lijnen; vertrouwdheid; ontmoeting; inspiratie""".replace("\n", " ")

# Answers several people gave, in the spellings they typed (each spelling: how many typed it).
REPEATS: list[dict[str, int]] = [
    {"Vertrouwen": 4, "vertrouwen!": 2, "  vertrouwen ": 1, "Vertrouwen.": 1, "vertrouwn": 1},
    {"Klein beginnen": 5, "klein beginnen!": 2, "Klein begínnen": 1, "klein beginen": 1},
    {"Het is nooit af": 4, "Het is nooit af.": 2, "“Het is nooit af”": 2},
    {
        "Samenwerking is een middel, geen doel": 4,
        "samenwerking is een middel geen doel!": 2,
        "Samenwerkng is een middel, geen doel": 1,
    },
    {"Manage de samenwerking": 3, "Manage de samenwerking!": 1},
    {"Focus op de dienstverlening aan de klant": 3, "focus op de dienstverlening aan de klant": 1},
    {"Teamspirit creëren": 2, "teamspirit creeren": 1},
    {"Meer vertrouwen": 2, "Meer  vertrouwen.": 1},
    {"Rolverdeling": 2},
    {"Top sessie 👍": 2},
]
# Close to an answer above, but saying something else: each stays on its own.
NEAR_MISSES = [
    "Het is niet af",
    "Geen vertrouwen",
    "Niet klein beginnen",
    "Focus op dienstverlening",
    "Samenwerken is een doel",
]
ODD = [
    '<b>vet</b> & <script>alert("x")</script> blijft tekst',
    "Drie dingen:\n- klein beginnen\n- vertrouwen\n- de samenwerking managen",
]

SENTENCES = """Samenwerken is geen doel op zich maar een middel om de dienstverlening te verbeteren.
Het motief moet een complex probleem zijn dat niemand alleen oplost.
Klein beginnen en pas daarna opschalen lijkt me heel verstandig.
Vertrouwen groeit door samen te doen, niet door er eerst over te praten.
Een samenwerkingsovereenkomst is minder belangrijk dan ik dacht.
De rol van de netwerkmanager werd heel duidelijk uitgelegd.
Ik neem mee dat je niet voor alles en voor altijd moet samenwerken.
Bij ons in de regio zitten we te veel in vergaderingen zonder resultaat.
De getuigenissen van W13 en Welzijnsband waren erg herkenbaar.
We moeten de klant of cliënt veel meer centraal zetten in onze afspraken.
Het verschil tussen VDAB en OCMW is net de reden om samen te werken.
Ik had niet verwacht dat je geen inhoudelijk expert moet zijn om te managen.
Communicatie blijft de sleutel: formeel en informeel overleg.
Maak de samenwerking zichtbaar voor de gebruikers, bijvoorbeeld op één locatie.
Durf te experimenteren en aanvaard dat sommige probeersels mislukken.
De rolverdeling tussen operator, promotor en visiebewaker ga ik bespreken met mijn team.
Evalueer regelmatig of je nog op koers zit, het kompas van de dienstverlening.
De digitale kloof wordt groter als we alles automatiseren.
Ik vond de video van Patrick Kenis over vertrouwen een eyeopener.
Bij de volgende stuurgroep stel ik de vraag: waarvoor doen we het eigenlijk?
GDPR wordt te vaak gebruikt als excuus om geen gegevens te delen.
Samenwerking vraagt tijd, en die tijd moet je ook inplannen en financieren.
Wederzijds respect voor elkaars opdracht en beperkingen is de basis.
Het blijft moeilijk als de partners ongelijk zijn in middelen en mandaat.
Enthousiasme is besmettelijk: zoek de mensen die er goesting in hebben.
Ik ga met onze schepen praten over een gedeelde werkwinkel.
De 80 procent werkzaamheidsgraad halen we alleen samen, of niet.
Concrete afspraken over wie wat doet voorkomen veel frustratie achteraf.
Mooi dat jullie geen recept gaven maar wel patronen die je herkent.
Onze lokale werkgevers moeten er veel vroeger bij betrokken worden.""".splitlines()


def open_answers(rng: random.Random) -> list[str]:
    """182 open answers in a shuffled order: the repeats, near misses, odd ones and the rest
    unique answers of one to four sentences, at most 280 characters."""
    answers = [text for spellings in REPEATS for text, n in spellings.items() for _ in range(n)]
    answers += NEAR_MISSES + ODD
    seen = set(answers)
    while len(answers) < OPEN_ANSWERS:
        picked = rng.sample(SENTENCES, rng.choice((1, 1, 1, 1, 1, 2, 2, 2, 3, 4)))
        text = ""
        for sentence in picked:
            if len(text) + len(sentence) + 1 > 280:
                break
            text = f"{text} {sentence}".strip()
        if text not in seen:
            seen.add(text)
            answers.append(text)
    rng.shuffle(answers)
    return answers


def zipf_words(rng: random.Random, people: int) -> list[list[str]]:
    """1-5 different words per person, the r-th most popular word drawn about 1/r as often."""
    words = [w.strip() for w in DRIVES.split(";") if w.strip()]
    weights = [1 / rank for rank in range(1, len(words) + 1)]
    answers = []
    for _ in range(people):
        wanted = rng.choice((1, 2, 3, 3, 4, 5))
        picked: list[str] = []
        while len(picked) < wanted:
            word = rng.choices(words, weights)[0]
            if word not in picked:
                picked.append(word if rng.random() > 0.2 else word.capitalize())
        answers.append(picked)
    return answers


def room(seed: int = 2023) -> dict[str, list[tuple[int, Any]]]:
    """Per question of the reference deck: (participant number, answer) in the order sent."""
    rng = random.Random(seed)
    people = list(range(PARTICIPANTS))
    roles = [role for role, n in ROLES.items() for _ in range(n)]
    rng.shuffle(roles)
    choice = list(zip(rng.sample(people, len(roles)), roles, strict=True))
    cloud = list(zip(rng.sample(people, 190), zipf_words(rng, 190), strict=True))
    statements = ("overeenkomst", "expert", "vertrouwen", "klein-beginnen")
    leaning = {"overeenkomst": 2, "expert": 4, "vertrouwen": 3, "klein-beginnen": 4}
    scales = []
    for person in rng.sample(people, 180):
        rated = statements if rng.random() > 0.15 else rng.sample(statements, 2)
        scales.append(
            (person, {s: min(5, max(1, round(rng.gauss(leaning[s], 1.0)))) for s in rated})
        )
    texts = open_answers(rng)
    writers = rng.sample(people, 140)
    per_person = [1] * 106 + [2] * 26 + [3] * 8  # 182 answers from 140 people
    opened, start = [], 0
    for person, n in zip(writers, per_person, strict=True):
        opened.append((person, texts[start : start + n]))
        start += n
    return {"rol": choice, "drijfveren": cloud, "stellingen": scales, "onthouden": opened}
