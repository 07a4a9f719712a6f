"""Answers for the open-wall scenario: Dutch-ish free text, distinct per participant.

An open question (`onthouden` in questions/samenwerking.yaml) takes a string or a list of up to
`max_answers` strings, and answering again replaces the earlier answer. So a wall of P x E
entries is P participants answering E times: first with 1 entry, then 2, ... then E, and the
wall grows. Every entry is a few sentences of the kind people type at the end of a session
about cooperation between public services, cut at a word boundary to a length in
[chars - 20, chars + 10] (never above the question's max_length), deterministic for a seed.
"""

from __future__ import annotations

import random

OPENERS = (
    "Wat ik vooral onthoud:",
    "Voor mij was het meest verrassend dat",
    "Mijn voornemen na vandaag is dat",
    "Ik neem mee dat",
    "Opvallend vond ik dat",
    "Wat me bijblijft, is dat",
    "Eerlijk gezegd had ik niet verwacht dat",
    "Na deze sessie ben ik ervan overtuigd dat",
    "Belangrijkste inzicht voor ons team:",
    "Ik ga maandag al voorstellen dat",
    "Het voorbeeld uit Genk toonde dat",
    "Wat ik zeker doorvertel aan mijn collega's:",
)

CLAUSES = (
    "samenwerking tussen VDAB en de lokale besturen pas werkt als iedereen zijn rol kent",
    "vertrouwen tijd vraagt en je dat niet kan afdwingen met een convenant of een contract",
    "we de werkzoekende zelf veel vaker mee aan tafel moeten vragen",
    "de gemeente een regierol kan opnemen zonder alles zelf te willen doen",
    "kleine successen vieren de motivatie van alle partners echt versterkt",
    "gedeelde doelen belangrijker zijn dan gedeelde budgetten",
    "een vast aanspreekpunt per organisatie veel misverstanden voorkomt",
    "de vakbonden een rol kunnen spelen die ik vooraf had onderschat",
    "we gegevens over trajecten vlotter en veiliger moeten kunnen delen",
    "de drempel naar het OCMW voor veel mensen nog altijd te hoog ligt",
    "een overleg zonder duidelijke agenda vooral energie kost",
    "we te vaak in onze eigen silo's blijven denken en werken",
    "lokale werkgevers graag meedoen als je ze op tijd betrekt",
    "een gezamenlijke intake veel dubbel werk kan vermijden",
    "het netwerk van de welzijnsschakels een onderschatte kracht is",
    "efficiënt samenwerken niet hetzelfde is als snel samenwerken",
    "we de resultaten van ons partnerschap beter moeten meten en tonen",
    "mensen met een grote afstand tot de arbeidsmarkt meer nazorg nodig hebben",
    "coördinatie tussen de diensten minder vrijblijvend mag worden",
    "een kwartaaloverleg met de partners beter werkt dan een jaarlijkse studiedag",
    "het project in Limburg bewijst dat het met weinig middelen kan",
    "de taal van onze formulieren voor veel mensen een echte drempel is",
    "informele contacten minstens zo belangrijk zijn als de formele afspraken",
    "we bij elke nieuwe samenwerking eerst samen het probleem moeten definiëren",
    "jobcoaches en maatschappelijk werkers veel van elkaar kunnen leren",
    "privé en werk combineren voor veel werkzoekenden het echte knelpunt is",
    "we de mobiliteit van werkzoekenden te weinig meenemen in de begeleiding",
    "een gedeeld dashboard de gesprekken met de partners veel concreter maakt",
)

LINKS = (
    "Daarnaast merk ik dat",
    "Bovendien besef ik nu dat",
    "Ook vond ik sterk dat",
    "Verder hoorde ik dat",
    "En niet te vergeten:",
    "Tot slot denk ik dat",
    "Wat mij betreft is het zo dat",
    "Tegelijk zie ik dat",
)

TAILS = (
    "Daar wil ik met ons team snel werk van maken.",
    "Dank aan de sprekers voor de heldere voorbeelden.",
    "Graag volgend jaar een vervolg met concrete cijfers.",
    "Dat ga ik op ons volgende teamoverleg aankaarten.",
    "Benieuwd hoe we dat in onze regio aanpakken.",
    "Dat neem ik mee naar het overleg met onze schepen.",
    "Heel leerrijk, bedankt!",
    "Zeker doen.",
    "Top sessie!",
    "Merci!",
    "Wordt vervolgd.",
    "Dat moet beter.",
    "Straf voorbeeld.",
    "Heel herkenbaar voor ons.",
    "Meer van dit graag.",
    "Zo simpel kan het zijn.",
    "Dat onthoud ik.",
    "Ja!",
)

PLACES = (
    "Genk",
    "Hasselt",
    "Leuven",
    "Gent",
    "Brugge",
    "Mechelen",
    "Aalst",
    "Kortrijk",
    "Turnhout",
    "Sint-Niklaas",
    "Roeselare",
    "Lommel",
    "Maasmechelen",
    "Tongeren",
    "Beringen",
    "Oostende",
)


def entry_length_bounds(chars: int, max_length: int) -> tuple[int, int]:
    """Entries are between chars - 20 and chars + 10 characters, capped at max_length."""
    high = min(chars + 10, max_length)
    return max(1, min(chars - 20, high)), high


def entry(rng: random.Random, low: int, high: int) -> str:
    """One wall entry of whole sentences, between low and high characters long."""
    while True:
        text = f"{rng.choice(OPENERS)} {rng.choice(CLAUSES)}."
        while len(text) <= high:
            if len(text) >= low:
                return text
            room = high - len(text) - 1
            kind = rng.random()
            if kind < 0.25:
                sentence = f"In {rng.choice(PLACES)} zie ik dat {rng.choice(CLAUSES)}."
            elif kind < 0.75:
                sentence = f"{rng.choice(LINKS)} {rng.choice(CLAUSES)}."
            else:
                sentence = rng.choice(TAILS)
            if len(sentence) > room:
                fitting = [t for t in TAILS if len(t) <= room]
                if not fitting:
                    break  # no way to land between low and high: start over
                sentence = rng.choice(fitting)
            text = f"{text} {sentence}"


def wall_texts(phones: int, entries: list[int], chars: int, max_length: int, seed: str):
    """texts[g] = the entries[g] entries of participant g, all distinct across the wall."""
    low, high = entry_length_bounds(chars, max_length)
    rng = random.Random(seed)
    seen: set[str] = set()
    texts: list[list[str]] = []
    for g in range(phones):
        mine: list[str] = []
        while len(mine) < entries[g]:
            text = entry(rng, low, high)
            if text not in seen:  # distinct per participant (and per entry)
                seen.add(text)
                mine.append(text)
        texts.append(mine)
    return texts


def entries_per_phone(phones: int, answers: int) -> list[int]:
    """Spread `answers` wall entries over `phones` participants as evenly as possible."""
    base, extra = divmod(answers, phones)
    return [base + (1 if g < extra else 0) for g in range(phones)]


def submission(i: int, phones: int, entries: list[int], texts: list[list[str]]):
    """(participant, answer) of the wall's i-th submission.

    Round r = i // phones: participant g = i % phones answers with its first min(r + 1, E_g)
    entries, so the wall grows by one entry per participant per round. Once a participant's
    answer is complete, later submissions (when rate x duration exceeds the wall) send the
    same entries rotated by one: the wall keeps its size but changes, so it is published again.
    """
    g = i % phones
    r = i // phones
    mine = texts[g]
    n = min(r + 1, entries[g])
    if r < entries[g] or not mine:
        return g, mine[:n]
    shift = (r - entries[g] + 1) % len(mine)
    return g, mine[shift:] + mine[:shift]
