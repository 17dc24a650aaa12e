"""Which embedder for clustering, which for retrieval? Speed on this machine and quality on multilingual sets.

Sets (all shipped with the project, so the benchmark runs anywhere):
- translations: 20 consultation-style statements, each in en/fr/de/nl (written for this benchmark):
  accuracy@1 of finding a statement's translation among all statements of the other language.
- sample themes: the shipped sample consultation with its gold themes: share of submissions whose nearest
  neighbour *in another language* has the same gold theme (what clustering across languages needs).
- plan retrieval: the shipped plan's answerable gold questions (5 languages) against its paragraphs:
  recall@5 of the expected page.

Run: .venv/bin/python evaluation/embedders.py   (writes evaluation/results/embedders.{json,md})
"""
from __future__ import annotations

import csv
import json
import re
import time
from pathlib import Path

import numpy as np

from civicai.embed import get_embedder
from civicai.paths import sample_dir

OUT = Path(__file__).parent / "results"

TRANSLATIONS = [
    ("We need more protected bike lanes.", "Il nous faut plus de pistes cyclables protégées.", "Wir brauchen mehr geschützte Radwege.", "We hebben meer beschermde fietspaden nodig."),
    ("Bus tickets are too expensive.", "Les tickets de bus sont trop chers.", "Die Busfahrkarten sind zu teuer.", "Buskaartjes zijn te duur."),
    ("Please plant more trees in our street.", "Plantez plus d'arbres dans notre rue, s'il vous plaît.", "Bitte pflanzen Sie mehr Bäume in unserer Straße.", "Plant alstublieft meer bomen in onze straat."),
    ("The low-emission zone hurts small shops.", "La zone à faibles émissions nuit aux petits commerces.", "Die Umweltzone schadet kleinen Geschäften.", "De milieuzone schaadt kleine winkels."),
    ("Heat pump subsidies should be higher.", "Les aides pour les pompes à chaleur devraient être plus élevées.", "Die Förderung für Wärmepumpen sollte höher sein.", "De subsidie voor warmtepompen moet hoger."),
    ("The river floods our basement every winter.", "La rivière inonde notre cave chaque hiver.", "Der Fluss überflutet jeden Winter unseren Keller.", "De rivier overstroomt elke winter onze kelder."),
    ("Solar panels on school roofs are a great idea.", "Des panneaux solaires sur les toits des écoles, c'est une excellente idée.", "Solaranlagen auf Schuldächern sind eine großartige Idee.", "Zonnepanelen op schooldaken zijn een geweldig idee."),
    ("Trams should run every ten minutes at night.", "Les trams devraient passer toutes les dix minutes la nuit.", "Straßenbahnen sollten nachts alle zehn Minuten fahren.", "Trams zouden 's nachts elke tien minuten moeten rijden."),
    ("Many elderly people cannot pay their energy bills.", "Beaucoup de personnes âgées ne peuvent pas payer leurs factures d'énergie.", "Viele ältere Menschen können ihre Energierechnungen nicht bezahlen.", "Veel ouderen kunnen hun energierekening niet betalen."),
    ("Compost bins should be collected weekly.", "Les bacs à compost devraient être collectés chaque semaine.", "Die Biotonnen sollten wöchentlich geleert werden.", "De gft-bakken moeten wekelijks worden opgehaald."),
    ("Young people were not asked for their opinion.", "On n'a pas demandé leur avis aux jeunes.", "Junge Menschen wurden nicht nach ihrer Meinung gefragt.", "Jongeren is niet om hun mening gevraagd."),
    ("Parking fees in the centre are unfair.", "Les tarifs de stationnement au centre sont injustes.", "Die Parkgebühren in der Innenstadt sind ungerecht.", "De parkeertarieven in het centrum zijn oneerlijk."),
    ("Old buildings must be insulated faster.", "Les vieux bâtiments doivent être isolés plus vite.", "Alte Gebäude müssen schneller gedämmt werden.", "Oude gebouwen moeten sneller worden geïsoleerd."),
    ("The park is too hot in summer without shade.", "Le parc est trop chaud en été sans ombre.", "Der Park ist im Sommer ohne Schatten zu heiß.", "Het park is in de zomer te heet zonder schaduw."),
    ("Cars drive too fast near the school.", "Les voitures roulent trop vite près de l'école.", "Autos fahren in der Nähe der Schule zu schnell.", "Auto's rijden te hard bij de school."),
    ("A community energy cooperative would help.", "Une coopérative énergétique citoyenne serait utile.", "Eine Bürgerenergiegenossenschaft würde helfen.", "Een energiecoöperatie van burgers zou helpen."),
    ("Recycling rules are confusing.", "Les règles de tri sont compliquées.", "Die Regeln zur Mülltrennung sind verwirrend.", "De regels voor afvalscheiding zijn verwarrend."),
    ("The dikes along the river need repair.", "Les digues le long de la rivière doivent être réparées.", "Die Deiche am Fluss müssen repariert werden.", "De dijken langs de rivier moeten worden hersteld."),
    ("I support the climate plan.", "Je soutiens le plan climat.", "Ich unterstütze den Klimaplan.", "Ik steun het klimaatplan."),
    ("Secure bike parking at the station is missing.", "Il manque un parking vélo sécurisé à la gare.", "Am Bahnhof fehlen sichere Fahrradstellplätze.", "Er ontbreekt een bewaakte fietsenstalling bij het station."),
]
LANGS = ("en", "fr", "de", "nl")


def translation_accuracy(embedder) -> float:
    vectors = [embedder.encode([row[i] for row in TRANSLATIONS]) for i in range(len(LANGS))]
    hits = total = 0
    for a in range(len(LANGS)):
        for b in range(len(LANGS)):
            if a != b:
                hits += int((np.argmax(vectors[a] @ vectors[b].T, axis=1) == np.arange(len(TRANSLATIONS))).sum())
                total += len(TRANSLATIONS)
    return hits / total


def sample_theme_neighbours(embedder) -> float | None:
    gold_path, data_path = sample_dir() / "gold.csv", sample_dir() / "consultation.csv"
    if not gold_path.is_file() or not data_path.is_file():
        return None
    gold = {r["id"]: r["theme"] for r in csv.DictReader(gold_path.open(encoding="utf-8")) if r.get("theme")}
    rows = [r for r in csv.DictReader(data_path.open(encoding="utf-8")) if r["id"] in gold and r["text"].strip()]
    vectors = embedder.encode([r["text"] for r in rows], batch_size=64)
    langs = np.array([r["language"] for r in rows])
    themes = np.array([gold[r["id"]] for r in rows])
    sims = vectors @ vectors.T
    sims[langs[:, None] == langs[None, :]] = -2  # neighbours must be in another language
    return float((themes[sims.argmax(axis=1)] == themes).mean())


def _plan_paragraphs() -> list[tuple[int, str]]:
    text = (sample_dir() / "plan" / "rivermouth-climate-plan.md").read_text(encoding="utf-8")
    paragraphs, page = [], 1
    for block in re.split(r"\n\s*\n", text):
        marker = re.search(r"<!--\s*page\s+(\d+)\s*-->", block)
        if marker:
            page = int(marker.group(1))
            block = re.sub(r"<!--.*?-->", "", block)
        if len(block.split()) >= 6:
            paragraphs.append((page, block.strip()))
    return paragraphs


def plan_recall_at_5(embedder) -> float | None:
    questions_path = sample_dir() / "plan" / "questions.jsonl"
    if not questions_path.is_file():
        return None
    questions = [q for q in map(json.loads, questions_path.read_text(encoding="utf-8").splitlines()) if q.get("answerable")]
    paragraphs = _plan_paragraphs()
    passages = embedder.encode_passages([p for _, p in paragraphs])
    queries = embedder.encode_queries([q["question"] for q in questions])
    pages = np.array([page for page, _ in paragraphs])
    hits = 0
    for q, scores in zip(questions, queries @ passages.T):
        hits += int(int(q["expected_page"]) in set(pages[np.argsort(-scores)[:5]].tolist()))
    return hits / len(questions)


def speed(embedder, texts: list[str]) -> float:
    embedder.encode(texts[:32])  # warm-up
    start = time.perf_counter()
    embedder.encode(texts, batch_size=64)
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    data_path = sample_dir() / "consultation.csv"
    texts = [r["text"] for r in csv.DictReader(data_path.open(encoding="utf-8")) if r["text"].strip()][:600]
    results = []
    for name in ("use", "e5", "minilm"):
        start = time.perf_counter()
        embedder = get_embedder(name)
        load_s = time.perf_counter() - start
        row = {"embedder": name, "model_id": embedder.model_id, "dim": embedder.dim, "load_s": round(load_s, 2),
               "texts_per_s": round(speed(embedder, texts), 1),
               "translation_acc@1": round(translation_accuracy(embedder), 3),
               "cross_lingual_theme_nn": sample_theme_neighbours(embedder),
               "plan_recall@5": plan_recall_at_5(embedder)}
        results.append(row)
        print(row, flush=True)
    OUT.mkdir(exist_ok=True)
    (OUT / "embedders.json").write_text(json.dumps(results, indent=2))
    header = "| embedder | model | dim | load s | texts/s (2 cores) | translation acc@1 | cross-lingual theme NN | plan recall@5 |"
    lines = [header, "|" + "---|" * 8]
    fmt = lambda v: "n/a" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))
    for r in results:
        lines.append(f"| {r['embedder']} | {r['model_id']} | {r['dim']} | {r['load_s']} | {r['texts_per_s']} | "
                     f"{fmt(r['translation_acc@1'])} | {fmt(r['cross_lingual_theme_nn'])} | {fmt(r['plan_recall@5'])} |")
    (OUT / "embedders.md").write_text("\n".join(lines) + f"\n\n{len(texts)} sample texts for speed; see evaluation/embedders.py for the sets.\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
