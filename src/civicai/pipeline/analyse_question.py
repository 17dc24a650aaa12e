"""The per-question stages: embed -> reduce -> cluster -> outliers/multi-label -> hierarchy -> keywords ->
label/summary -> position towards the proposal (or, with --themes: embed -> map onto the given themes -> ... ).

Only distinct submissions are analysed: copies and campaign members inherit their canonical submission's
themes and add to the theme's weight, not to its voices.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from civicai.cluster import assign, cluster_points, map_2d, merge_similar_clusters, parent_groups, reduce_embeddings
from civicai.cluster.assign import Assignment, theme_centroids
from civicai.cluster.extend import carry_over
from civicai.cluster.leftovers import second_pass
from civicai.cluster.mapping import embed_themes, map_to_themes
from civicai.cluster.sample import discovery_sample, submission_weights
from civicai.keywords import ctfidf_keywords
from civicai.pipeline.checkpoint import Checkpoints, stage_key
from civicai.pipeline.options import AnalyseOptions
from civicai.pipeline.prepare import Prepared
from civicai.pipeline.themes_input import GivenTheme
from civicai.pipeline.timing import StageTimer
from civicai.sentiment.position import ARTEFACT_VERSION as POSITION_ARTEFACT
from civicai.sentiment.position import positions
from civicai.sentiment.question import question_statements
from civicai.summarise import mmr_select, quote_eligibility
from civicai.summarise.rewrite import rewrite_titles
from civicai.summarise.title import TITLE_VERSION, distinguish_parents, majority_language, title_themes


@dataclass
class ThemeInfo:
    key: str  # "T1", "Q2-T3", or the given id with --themes
    label: str
    summary: str
    keywords: list[str]
    quote_members: list[int]  # local indices of the quoted submissions
    threshold: float
    label_source: str
    summary_source: str
    description: str = ""


@dataclass
class QuestionAnalysis:
    question: str | None
    prefix: str
    mode: str  # 'discover' | 'mapping'
    members: list[int]  # global indices of the distinct submissions analysed
    primary: list[int]  # per member: theme index or -1
    themes: list[list[int]]
    reasons: list[str]
    scores: list[list[float]]
    coords: np.ndarray  # (m, 2) map
    sentiment: list[str]
    theme_info: list[ThemeInfo]
    parents: list[list[int]]
    parent_info: list[ThemeInfo]
    stats: dict[str, Any] = field(default_factory=dict)


def _assignment_json(a: Assignment) -> dict[str, Any]:
    return {"primary": a.primary.tolist(), "themes": a.themes, "reasons": a.reasons, "scores": a.scores,
            "thresholds": a.thresholds.tolist(), "centroids": a.centroids.tolist(),
            "via_outlier": a.via_outlier.tolist()}


def analyse_question(prepared: Prepared, members: list[int], question: str | None, prefix: str,
                     options: AnalyseOptions, embedder: Any, generator: Any, given: list[GivenTheme] | None,
                     checkpoints: Checkpoints, key: str, timer: StageTimer) -> QuestionAnalysis:
    texts = [prepared.texts[i] for i in members]  # references to the same strings, not copies
    tag = prefix.rstrip("-").lower() or "q"
    m = len(members)

    key = stage_key(key, f"embed-{tag}", {"embedder": options.embedder, "members": m})
    with timer("embed"):
        embeddings = checkpoints.array(f"embed-{tag}", key, lambda: embedder.encode(
            texts, batch_size=options.batch_size, progress=options.progress))
    timer.finished("embed")

    reduce_params = options.reduce
    weights = submission_weights(prepared.duplicate_of, members)  # submissions each distinct text stands for
    key = stage_key(key, f"reduce-{tag}", {**reduce_params.__dict__, "fit_sample": options.fit_sample,
                                           "sample": "by-submissions"})

    def compute_reduce() -> dict[str, np.ndarray]:
        # Beyond fit_sample submissions, themes are found on a seeded sample drawn in proportion to the
        # submissions each text stands for (cluster.sample); everyone else is placed in its clustering.
        sample = discovery_sample(weights, options.fit_sample, options.seed)
        fit = embeddings if sample.size == m else embeddings[sample]
        reduced = reduce_embeddings(fit, reduce_params)
        if sample.size == m:
            map_xy = map_2d(embeddings, reduced, reduce_params)
        else:
            map_xy = _pca_map(embeddings, sample, options.seed)
        return {"coords": reduced.coords, "map": map_xy, "sample": sample, "method": np.array(reduced.method)}

    with timer("reduce"):
        reduced = checkpoints.arrays(f"reduce-{tag}", key, compute_reduce)
    timer.finished("reduce")

    if given is None:
        key = stage_key(key, f"cluster-{tag}", {**options.cluster.__dict__, "second_pass": options.second_pass,
                                                "assign": options.assign.__dict__})
        with timer("cluster"):
            def compute_labels() -> dict[str, np.ndarray]:
                labels = np.full(m, -1, dtype=np.int64)
                sampled = reduced["sample"].size < m
                found = cluster_points(reduced["coords"], options.cluster, keep_model=sampled)
                fitted = embeddings if not sampled else embeddings[reduced["sample"]]
                labels[reduced["sample"]] = merge_similar_clusters(fitted, found.labels, options.cluster.merge_similarity)
                second: dict[str, Any] = {}
                if sampled:  # everyone outside the sample is placed in the sample's clustering, as HDBSCAN would
                    labels = carry_over(embeddings, labels, reduced["sample"], reduced["coords"], found)
                    if options.second_pass:  # concerns too small in the sample to cluster: recluster the leftovers
                        passed = second_pass(embeddings, labels, texts, int(reduced["sample"].size), reduce_params,
                                             options.cluster, options.assign, options.seed, weights=weights)
                        labels, second = passed.labels, passed.describe()
                return {"labels": labels, "second_pass": np.array(json.dumps(second))}

            clustered = checkpoints.arrays(f"cluster-{tag}", key, compute_labels)
            labels = clustered["labels"]
        timer.finished("cluster")
        key = stage_key(key, f"assign-{tag}", options.assign.__dict__)
        with timer("outliers"):
            data = checkpoints.json(f"assign-{tag}", key,
                                    lambda: _assignment_json(assign(embeddings, labels, texts, options.assign)))
        timer.finished("outliers")
        n_clusters = int(labels.max()) + 1 if m and labels.max() >= 0 else 0
        stats = {"hdbscan_noise": int((labels < 0).sum()), "clusters": n_clusters,
                 "joined_from_noise": int(sum(data["via_outlier"])), "reduce_method": str(reduced["method"]),
                 "fit_sample": int(reduced["sample"].size), "second_pass": json.loads(str(clustered["second_pass"]))}
        theme_keys = [f"{prefix}T{t + 1}" for t in range(n_clusters)]
    else:
        key = stage_key(key, f"map-{tag}", {"themes": [g.__dict__ for g in given], **options.mapping.__dict__})

        def compute_mapping() -> dict[str, Any]:
            vectors = embed_themes(given, embedder)
            return _assignment_json(map_to_themes(embeddings, vectors, texts, options.mapping, themes=given))

        with timer("map_themes"):
            data = checkpoints.json(f"map-{tag}", key, compute_mapping)
        timer.finished("map_themes")
        stats = {"reduce_method": str(reduced["method"])}
        theme_keys = [g.id for g in given]

    primary = np.asarray(data["primary"], dtype=np.int64)
    centroids = np.asarray(data["centroids"], dtype=np.float32)
    k = len(theme_keys)
    if given is None and k:  # what members actually say, even when a few joined from the noise
        centroids = theme_centroids(embeddings, primary, k) if (primary >= 0).any() else centroids

    label_language = options.label_language or majority_language(prepared.languages)
    key = stage_key(key, f"themes-{tag}", {"generator": options.generator, "n_quotes": options.n_quotes,
                                           "n_keywords": options.n_keywords, "label_language": label_language,
                                           "labeller": TITLE_VERSION, "quotes_shared_by": list(options.group_columns),
                                           **options.hierarchy.__dict__})
    with timer("keywords_labels"):
        theme_json = checkpoints.json(f"themes-{tag}", key, lambda: _describe_themes(
            texts, embeddings, primary, centroids, data["thresholds"], theme_keys, given, prepared, members, options, generator, embedder,
            label_language))
    timer.finished("keywords_labels")
    stats["label_language"] = label_language

    # position towards the proposal (supports/opposes/unclear), or 'unclear' for all where the method's held-out
    # accuracy is not well above the majority class (civicai.sentiment.position); the reason goes to run.json
    statements = question_statements(question)
    key = stage_key(key, f"sentiment-{tag}", {"statements": statements, "position_model": POSITION_ARTEFACT})
    with timer("sentiment"):
        position = checkpoints.json(f"sentiment-{tag}", key, lambda: _position(embedder, embeddings, question))
    timer.finished("sentiment")
    sentiment = position["labels"]
    stats["stance"] = {k: v for k, v in position.items() if k != "labels"}

    return QuestionAnalysis(
        question=question, prefix=prefix, mode="discover" if given is None else "mapping", members=members,
        primary=primary.tolist(), themes=data["themes"], reasons=data["reasons"], scores=data["scores"],
        coords=np.asarray(reduced["map"], dtype=np.float32), sentiment=sentiment,
        theme_info=[ThemeInfo(**t) for t in theme_json["themes"]], parents=theme_json["parents"],
        parent_info=[ThemeInfo(**t) for t in theme_json["parent_info"]], stats=stats)


def _pca_map(embeddings: np.ndarray, sample: np.ndarray, seed: int) -> np.ndarray:
    """2-D map for very large runs: PCA fitted on the sample, applied in blocks to everyone."""
    from sklearn.decomposition import PCA

    pca = PCA(n_components=2, random_state=seed).fit(embeddings[sample])
    out = np.empty((embeddings.shape[0], 2), dtype=np.float32)
    for start in range(0, embeddings.shape[0], 8192):
        out[start:start + 8192] = pca.transform(embeddings[start:start + 8192])
    return out


def _position(embedder: Any, embeddings: np.ndarray, question: str | None) -> dict[str, Any]:
    result = positions(embeddings, question, embedder)
    return {"labels": [str(label) for label in result.labels], **result.describe()}


def _describe_themes(texts: list[str], embeddings: np.ndarray, primary: np.ndarray, centroids: np.ndarray,
                     thresholds: list[float],
                     theme_keys: list[str], given: list[GivenTheme] | None, prepared: Prepared,
                     members: list[int], options: AnalyseOptions, generator: Any, embedder: Any,
                     label_language: str = "en") -> dict[str, Any]:
    """Keywords (c-TF-IDF), quotes (MMR), title and summary in `label_language` (summarise.title) for every
    theme, and the parent themes. Given themes (--themes, staff renames) keep their own labels."""
    k = len(theme_keys)
    languages = [prepared.languages[i] for i in members]
    keywords = ctfidf_keywords(texts, primary, k, languages, top_n=options.n_keywords)
    eligible_all = quote_eligibility(texts)
    quote_lists: list[list[int]] = []
    # quotes share a theme's voice between its languages and then the run's group columns (district ...)
    member_attributes = [prepared.attributes[i] for i in members]
    for t in range(k):
        local = np.nonzero(primary == t)[0]
        member_languages = [languages[i] for i in local]
        share_by = [[member_attributes[i].get(column, "") for i in local] for column in options.group_columns]
        picks = mmr_select(embeddings[local], centroids[t], k=options.n_quotes, eligible=eligible_all[local],
                           groups=member_languages, share_by=share_by)
        quote_lists.append([int(local[p]) for p in picks])
    quotes = [[texts[i] for i in chosen] for chosen in quote_lists]
    phrase_cache: dict = {}  # phrases parsed once per question, for the themes and their parents
    titles = title_themes(texts, languages, primary, k, centroids, embedder, label_language, quotes=quotes,
                          fallback_keywords=keywords, phrase_cache=phrase_cache)
    rewrite_titles(titles, quotes, generator)
    infos = []
    for t in range(k):
        label, label_source, description = titles[t].title, titles[t].source, ""
        if given is not None:
            label, label_source, description = given[t].label, "given", given[t].description
        infos.append({"key": theme_keys[t], "label": label, "summary": titles[t].summary, "keywords": keywords[t],
                      "quote_members": quote_lists[t], "threshold": round(float(thresholds[t]), 4),
                      "label_source": label_source, "summary_source": titles[t].summary_source,
                      "description": description})
    parents = parent_groups(centroids, options.hierarchy) if given is None and k else []
    parent_info = []
    if parents:
        parent_of = np.full(k, -1)
        for p, group in enumerate(parents):
            parent_of[group] = p
        parent_labels = np.where(primary >= 0, parent_of[np.maximum(primary, 0)], -1)
        parent_keywords = ctfidf_keywords(texts, parent_labels, len(parents), languages, top_n=options.n_keywords)
        parent_centroids = np.stack([centroids[group].mean(axis=0) for group in parents])
        parent_centroids /= np.maximum(np.linalg.norm(parent_centroids, axis=1, keepdims=True), 1e-9)
        parent_titles = title_themes(texts, languages, parent_labels, len(parents), parent_centroids, embedder,
                                     label_language, fallback_keywords=parent_keywords, phrase_cache=phrase_cache)
        distinguish_parents(parent_titles, titles, parents)
        prefix = theme_keys[0].rsplit("T", 1)[0] if theme_keys else ""
        for p, group in enumerate(parents):
            children = "; ".join(infos[t]["label"] for t in group)
            parent_info.append({"key": f"{prefix}P{p + 1}", "label": parent_titles[p].title,
                                "summary": f"Groups {len(group)} themes: {children}", "keywords": parent_keywords[p],
                                "quote_members": [], "threshold": 0.0, "label_source": parent_titles[p].source,
                                "summary_source": "extractive"})
    return {"themes": infos, "parents": parents, "parent_info": parent_info}
