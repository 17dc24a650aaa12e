"""Every parameter of an analysis run, in one typed object (run.json records all of it)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from civicai.cluster import AssignParams, ClusterParams, HierarchyParams, ReduceParams
from civicai.cluster.mapping import MappingParams


@dataclass
class AnalyseOptions:
    input_path: Path
    out_dir: Path
    text_column: str | None = None
    id_column: str | None = None
    group_columns: tuple[str, ...] = ()
    question_column: str | None = None
    themes_path: Path | None = None  # --themes: map onto a given theme set instead of discovering
    seed: int = 0
    embedder: str = "use"
    generator: str = "extractive"
    label_language: str | None = None  # language of theme titles and summaries; None = the majority language
    batch_size: int = 256
    workers: int = 2  # processes for the per-text stages (PII redaction, embedding); 1 = no worker processes
    # Themes are discovered on a seeded sample of at most this many distinct submissions; everyone else is placed
    # in the sample's clustering (cluster.extend.carry_over). 5,000 bounds UMAP's time; on 10k real Polis comments
    # it matched fitting all of them (ARI 0.41 vs 0.42, evaluation/reduce_methods.py, umap-fit5000). A sample
    # growing with the input (square root) did not lower the unassigned share at 100k (evaluation/discovery_scale.py).
    fit_sample: int = 5000
    # Sampled runs: a second discovery pass over what the first left unassigned (cluster.leftovers)
    second_pass: bool = True
    reduce: ReduceParams = field(default_factory=ReduceParams)
    cluster: ClusterParams = field(default_factory=ClusterParams)
    assign: AssignParams = field(default_factory=AssignParams)
    mapping: MappingParams = field(default_factory=MappingParams)
    hierarchy: HierarchyParams = field(default_factory=HierarchyParams)
    n_quotes: int = 4
    n_keywords: int = 8
    use_ner: bool = True  # PII: spaCy NER on top of patterns (slower, catches bare names)
    store: bool = True  # also write the run to the database
    database_url: str | None = None
    consultation_id: int | None = None  # store into this consultation (a re-map), not one found by input file
    resume: bool = True  # reuse finished stages' checkpoints in out_dir
    progress: bool = True
    audit: bool = False  # hook for the bias audit (civicai.bias) after the run
    # a Dask scheduler (tcp://host:8786): the per-text stages run on its workers (civicai.distributed); None = local
    cluster_address: str | None = None

    def __post_init__(self) -> None:
        self.input_path = Path(self.input_path)
        self.out_dir = Path(self.out_dir)
        self.group_columns = tuple(self.group_columns)
        if self.themes_path is not None:
            self.themes_path = Path(self.themes_path)
        # one seed for every stochastic stage
        if self.reduce.seed != self.seed:
            self.reduce = ReduceParams(**{**asdict(self.reduce), "seed": self.seed})

    def manifest(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("input_path", "out_dir", "themes_path"):
            data[key] = str(data[key]) if data[key] is not None else None
        data["group_columns"] = list(self.group_columns)
        if data.get("database_url") and "@" in data["database_url"]:
            scheme, rest = data["database_url"].split("://", 1)
            data["database_url"] = f"{scheme}://***@{rest.split('@', 1)[1]}"
        return data
