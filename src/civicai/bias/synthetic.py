"""Synthetic analysis runs with known, injected bias: the ground truth the audit is tested and evaluated on.

`make_run(folder, seed, bias=None)` writes what `civicai analyse` writes (input.csv, themes.json,
assignments.csv, rejected.csv, run.json) for a consultation whose groups are, by construction, treated
alike, except where `bias` pushes one group's submissions out at one stage:
- "accepted": the group's rows are rejected;
- "assigned": the group's submissions are always left unassigned;
- "quoted":   the group is never quoted;
- "cited":    the group's quotes are never the ones the summary cites.
`strength` (0..1) is the share of the group's submissions affected.
"""
from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

DISTRICTS = {"Riverside": 0.35, "Old Town": 0.25, "Hillcrest": 0.20, "Northgate": 0.12, "Docklands": 0.08}
AGE_BANDS = {"35-64": 0.40, "18-34": 0.28, "65+": 0.20, "under 18": 0.09, "": 0.03}
LANGUAGES = {"en": 0.70, "fr": 0.14, "de": 0.10, "nl": 0.06}
TOPICS = [  # (en, fr, de, nl)
    ("the buses should run more often", "les bus devraient passer plus souvent", "die Busse sollten öfter fahren",
     "de bussen moeten vaker rijden"),
    ("we need safe cycle lanes to school", "il faut des pistes cyclables sûres vers l'école",
     "wir brauchen sichere Radwege zur Schule", "we hebben veilige fietspaden naar school nodig"),
    ("more trees and shade in the streets would help in summer", "plus d'arbres et d'ombre dans les rues aiderait en été",
     "mehr Bäume und Schatten in den Straßen würden im Sommer helfen", "meer bomen en schaduw in de straten helpt in de zomer"),
    ("home insulation grants are too hard to get", "les aides à l'isolation sont trop difficiles à obtenir",
     "Zuschüsse für die Dämmung sind zu schwer zu bekommen", "isolatiesubsidies zijn te moeilijk te krijgen"),
    ("parking fees are too high for residents", "le stationnement est trop cher pour les habitants",
     "das Parken ist für Anwohner zu teuer", "parkeren is te duur voor bewoners"),
    ("solar panels should go on every public roof", "il faut des panneaux solaires sur chaque toit public",
     "auf jedes öffentliche Dach gehören Solaranlagen", "op elk openbaar dak horen zonnepanelen"),
    ("the district heating network is too expensive", "le réseau de chaleur est trop cher",
     "die Fernwärme ist zu teuer", "het warmtenet is te duur"),
    ("recycling should be collected every week", "le recyclage devrait être collecté chaque semaine",
     "der Wertstoffmüll sollte jede Woche abgeholt werden", "het recyclingafval moet elke week worden opgehaald"),
    ("the river floods our cellars every winter", "la rivière inonde nos caves chaque hiver",
     "der Fluss überflutet jeden Winter unsere Keller", "de rivier overstroomt elke winter onze kelders"),
    ("many families cannot pay their energy bills", "beaucoup de familles ne peuvent pas payer l'énergie",
     "viele Familien können ihre Energierechnung nicht zahlen", "veel gezinnen kunnen hun energierekening niet betalen"),
    ("the old town should be free of cars", "la vieille ville devrait être sans voitures",
     "die Altstadt sollte autofrei sein", "de oude stad moet autovrij worden"),
    ("the station needs better train connections", "la gare a besoin de meilleures correspondances",
     "der Bahnhof braucht bessere Zugverbindungen", "het station heeft betere treinverbindingen nodig"),
]
# More themes than topics: each topic again with an aspect (theme t = topic t % 12, aspect t // 12).
ASPECTS = [("", "", "", ""),
           (", especially near the schools", ", surtout près des écoles", ", vor allem bei den Schulen",
            ", vooral bij de scholen"),
           (", and this is urgent", ", et c'est urgent", ", und das ist dringend", ", en dat is dringend")]
OPENERS = {"en": ["As a {who} in {place}, I think", "My {who} and I in {place} feel", "In {place},"],
           "fr": ["Comme {who} à {place}, je pense que", "À {place},"],
           "de": ["Als {who} in {place} finde ich,", "In {place}"],
           "nl": ["Als {who} in {place} vind ik dat", "In {place}"]}
WHO = {"en": ["mother", "father", "man", "woman", "pensioner"], "fr": ["mère", "père", "homme", "femme"],
       "de": ["Mutter", "Vater", "Mann", "Frau"], "nl": ["moeder", "vader", "man", "vrouw"]}
# A personal detail makes each text nearly unique, as real submissions are (a summary that quotes one
# submission then cites that one, not every identical template text).
DETAILS = {"en": "I have lived here for {y} years.", "fr": "J'habite ici depuis {y} ans.",
           "de": "Ich wohne seit {y} Jahren hier.", "nl": "Ik woon hier al {y} jaar."}
CLOSERS = {"en": ["", "Thank you.", "Please act now.", "Kind regards.", "We are waiting.", "Listen to us."],
           "fr": ["", "Merci.", "Agissez vite.", "Cordialement.", "Nous attendons."],
           "de": ["", "Danke.", "Bitte handeln Sie.", "Mit freundlichen Grüßen.", "Wir warten."],
           "nl": ["", "Dank u.", "Doe er iets aan.", "Met vriendelijke groet.", "Wij wachten."]}
SENTIMENTS = {"negative": 0.3, "neutral": 0.4, "positive": 0.3}
STAGES = ("accepted", "assigned", "quoted", "cited")


@dataclass(frozen=True)
class Bias:
    column: str  # "district" or "age_band"
    group: str
    stage: str  # one of STAGES
    strength: float = 1.0


def _pick(rng: np.random.Generator, table: dict[str, float], n: int) -> np.ndarray:
    keys = list(table)
    return rng.choice(np.array(keys, dtype=object), size=n, p=np.array(list(table.values())) / sum(table.values()))


def _text(rng: np.random.Generator, topic: int, lang: str, place: str) -> str:
    idx = {"en": 0, "fr": 1, "de": 2, "nl": 3}[lang]
    opener = rng.choice(OPENERS[lang]).format(who=rng.choice(WHO[lang]), place=place)
    detail = DETAILS[lang].format(y=int(rng.integers(1, 80)))
    closer = rng.choice(CLOSERS[lang])
    return f"{opener} {TOPICS[topic % len(TOPICS)][idx]}{ASPECTS[topic // len(TOPICS)][idx]}. {detail} {closer}".strip()


def make_run(folder: Path, seed: int = 0, n: int = 2000, bias: Bias | None = None, n_themes: int = 12,
             n_quotes: int = 5, n_cited: int = 3, reject_rate: float = 0.03, unassigned_rate: float = 0.15,
             copy_rate: float = 0.05, with_text: bool = False) -> Path:
    """Write a run folder; returns it. Groups are independent of everything unless `bias` says otherwise.
    with_text: add the `text_redacted` column the real pipeline writes (else the audit reads input.csv)."""
    if not 1 <= n_themes <= len(TOPICS) * len(ASPECTS):
        raise ValueError(f"n_themes must be between 1 and {len(TOPICS) * len(ASPECTS)}, got {n_themes}")
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    district, age = _pick(rng, DISTRICTS, n), _pick(rng, AGE_BANDS, n)
    lang = _pick(rng, LANGUAGES, n)
    topic = rng.integers(0, n_themes, n)
    ids = [f"s{i:05d}" for i in range(n)]
    texts = [_text(rng, int(topic[i]), str(lang[i]), str(district[i])) for i in range(n)]
    group_of = {"district": district, "age_band": age}
    targeted = np.zeros(n, dtype=bool)
    if bias is not None:
        targeted = (group_of[bias.column] == bias.group) & (rng.random(n) < bias.strength)
    with (folder / "input.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "district", "age_band"])
        writer.writerows(zip(ids, texts, district, age))

    rejected = rng.random(n) < reject_rate
    if bias is not None and bias.stage == "accepted":
        rejected |= targeted
    accepted = np.nonzero(~rejected)[0]
    unassigned = rng.random(n) < unassigned_rate
    if bias is not None and bias.stage == "assigned":
        unassigned |= targeted
    sentiment = _pick(rng, SENTIMENTS, n)
    duplicate_of = [""] * n
    campaign = [""] * n
    for i in accepted:
        if rng.random() < copy_rate:  # a copy of an earlier accepted submission on the same topic
            earlier = [j for j in accepted[:64] if j < i and topic[j] == topic[i] and not duplicate_of[j]]
            if earlier:
                duplicate_of[i] = ids[earlier[0]]
                campaign[i] = f"c{topic[i]:02d}"
    themes = []
    for t in range(n_themes):
        members = [i for i in accepted if topic[i] == t and not unassigned[i]]
        quotable = [i for i in members if not duplicate_of[i]]
        if bias is not None and bias.stage == "quoted":
            quotable = [i for i in quotable if not targeted[i]]
        chosen = list(rng.choice(quotable, size=min(n_quotes, len(quotable)), replace=False)) if quotable else []
        if bias is not None and bias.stage == "cited":  # the group's quotes go last: never in the summary
            chosen.sort(key=lambda i: bool(targeted[i]))
        quotes = [{"submission_id": ids[i], "text": texts[i]} for i in chosen]
        cited = quotes[:n_cited]
        summary = f"{len(members)} submissions. In their words: " + " ".join(f"“{q['text']}”" for q in cited)
        label = TOPICS[t % len(TOPICS)][0] + ASPECTS[t // len(TOPICS)][0]
        themes.append({"id": str(t), "label": label, "summary": summary, "keywords": label.split()[:4],
                       "size": sum(1 for i in members if not duplicate_of[i]), "weight": len(members),
                       "submission_ids": [ids[i] for i in members], "quotes": quotes,
                       "sentiment": {s: int(sum(sentiment[i] == s for i in members)) for s in SENTIMENTS},
                       "languages": {}, "parent": None})
    (folder / "themes.json").write_text(json.dumps(themes, ensure_ascii=False, indent=1), encoding="utf-8")
    reasons = np.array(["off_topic", "ambiguous", "too_short"], dtype=object)
    with (folder / "assignments.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission_id", "primary_theme", "themes", "unassigned_reason", "language", "duplicate_of",
                         "campaign_id", "sentiment", "pii_redactions", "district", "age_band"]
                        + (["text_redacted"] if with_text else []))
        for i in accepted:
            theme = "" if unassigned[i] else str(topic[i])
            reason = "" if theme else str(rng.choice(reasons, p=[0.6, 0.2, 0.2]))
            writer.writerow([ids[i], theme, theme, reason, lang[i], duplicate_of[i], campaign[i], sentiment[i], "",
                             district[i], age[i]] + ([texts[i]] if with_text else []))
    with (folder / "rejected.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "id", "field", "reason", "message"])
        for i in np.nonzero(rejected)[0]:
            writer.writerow([i + 2, ids[i], "text", "junk", "no words in the text"])
    manifest = {"version": "synthetic", "seed": seed, "input": {"path": str((folder / "input.csv").resolve())},
                "params": {"embedder": "use", "text_column": "text", "id_column": "id", "use_ner": False,
                           "group_columns": ["district", "age_band"]},
                "synthetic_bias": asdict(bias) if bias else None}
    (folder / "run.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return folder


def eligible_groups(column: str, min_share: float = 0.15) -> list[str]:
    """Groups large enough for the injected bias to be measurable, the largest included (issue 16: each
    group is compared with the rest, so harm to the largest group must be found too)."""
    table = DISTRICTS if column == "district" else AGE_BANDS
    ranked = sorted(((share, g) for g, share in table.items() if g), reverse=True)
    return [g for share, g in ranked if share >= min_share]


# Real texts with a made-up district column (issue 16): unequal shares so "largest" and "smallest shown"
# are fixed, plus a district too small to show (it must stay out of every comparison).
REAL_DISTRICTS = {"A": 0.34, "B": 0.24, "C": 0.18, "D": 0.14, "E": 0.10}
TINY_DISTRICT, TINY_SIZE = "F", 3


def polis_texts(comments_csv: Path) -> list[str]:
    """The comment texts of a Polis export's comments.csv (moderated-out comments left out)."""
    with comments_csv.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [r["comment-body"].strip() for r in rows if r.get("moderated") != "-1" and r["comment-body"].strip()]


def districted_consultation(texts: list[str], path: Path, seed: int, n: int, cut: tuple[str, ...] = (),
                            words: int = 2) -> Path:
    """Write a consultation CSV (id, text, district) of `n` real texts sampled with `seed`, districts given
    by REAL_DISTRICTS' shares (exact counts, shuffled), and every text of the `cut` districts cut to its
    first `words` words: too short for the pipeline to place, the injected harm."""
    if n > len(texts):
        raise ValueError(f"asked for {n} texts but only {len(texts)} are available")
    rng = np.random.default_rng(seed)
    chosen = [texts[i] for i in rng.choice(len(texts), size=n, replace=False)]
    counts = {g: int(round(share * (n - TINY_SIZE))) for g, share in REAL_DISTRICTS.items()}
    counts["A"] += n - TINY_SIZE - sum(counts.values())
    counts[TINY_DISTRICT] = TINY_SIZE
    district = rng.permutation(np.repeat(list(counts), list(counts.values())))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "district"])
        for i, (text, group) in enumerate(zip(chosen, district)):
            writer.writerow([f"p{i:05d}", " ".join(text.split()[:words]) if group in cut else text, group])
    return path
