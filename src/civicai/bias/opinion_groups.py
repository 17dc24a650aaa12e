"""Opinion groups from votes: audit a Polis conversation by the camp each comment's author votes with.

Polis exports carry each participant's opinion group (`group-id` in participants-votes.csv). When that
column is empty or missing we compute groups the way Polis does: PCA of the participant x comment vote
matrix (agree 1, disagree -1, pass/unseen 0) for participants with enough votes, then k-means with k
chosen by silhouette. Each comment's author is joined to a group, so the audit can ask: are the comments
of one camp less often placed in themes, quoted or cited?
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from civicai.bias.runload import AuditRun

MIN_VOTES = 7  # Polis clusters only participants who voted on at least 7 comments


def _votes_file(input_path: Path | None) -> Path | None:
    if input_path is None:
        return None
    folder = input_path if input_path.is_dir() else input_path.parent
    votes = folder / "participants-votes.csv"
    return votes if votes.is_file() else None


def groups_from_votes(votes_csv: Path, seed: int = 0) -> dict[str, str]:
    """participant id -> opinion group: the export's group-id where given, else PCA + k-means on the votes."""
    with votes_csv.open(encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip().lower() for h in next(reader, [])]
        if "participant" not in header:
            return {}
        who = header.index("participant")
        group_at = header.index("group-id") if "group-id" in header else None
        vote_cols = [i for i, h in enumerate(header) if h.isdigit()]
        participants: list[str] = []
        given: list[str] = []
        rows: list[np.ndarray] = []
        for cells in reader:
            if len(cells) <= who:
                continue
            participants.append(cells[who].strip())
            given.append(cells[group_at].strip() if group_at is not None and len(cells) > group_at else "")
            rows.append(np.array([_vote(cells[i]) if i < len(cells) else 0.0 for i in vote_cols], dtype=np.float32))
    if any(given):
        return {p: g for p, g in zip(participants, given) if g}
    return _cluster_votes(participants, np.vstack(rows) if rows else np.zeros((0, 0)), seed)


def _vote(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        return 0.0


def _cluster_votes(participants: list[str], votes: np.ndarray, seed: int) -> dict[str, str]:
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.metrics import silhouette_score

    active = (votes != 0).sum(axis=1) >= MIN_VOTES
    if active.sum() < 10 or votes.shape[1] < 2:
        return {}
    points = PCA(n_components=2, random_state=seed).fit_transform(votes[active])
    best: tuple[float, np.ndarray] | None = None
    for k in range(2, 6):
        if k >= active.sum():
            break
        labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(points)
        score = silhouette_score(points, labels)
        if best is None or score > best[0]:
            best = (score, labels)
    if best is None:
        return {}
    chosen = [p for p, a in zip(participants, active) if a]
    return {p: str(label) for p, label in zip(chosen, best[1])}


def attach_opinion_groups(run: AuditRun, seed: int = 0) -> bool:
    """Add an `opinion_group` column to run.assignments (and run.rejected) for a Polis run; True if added."""
    if "opinion_group" in run.assignments.columns and (run.assignments["opinion_group"] != "").any():
        return True
    votes = _votes_file(run.input_path)
    if votes is None:
        return False
    groups = groups_from_votes(votes, seed)
    if not groups:
        return False
    comments = votes.with_name("comments.csv")
    author_of: dict[str, str] = {}
    with comments.open(encoding="utf-8", errors="replace", newline="") as handle:
        for record in csv.DictReader(handle):
            author_of[str(record.get("comment-id", "")).strip()] = str(record.get("author-id", "")).strip()

    def group_of(comment_id: str) -> str:
        return groups.get(author_of.get(str(comment_id).strip(), ""), "")

    run.assignments["opinion_group"] = [group_of(i) for i in run.assignments["submission_id"]]
    if not run.rejected.empty and "id" in run.rejected.columns:
        run.rejected["opinion_group"] = [group_of(i) for i in run.rejected["id"]]
    run.notes.append(f"opinion groups joined from {votes.name} ({len(groups)} participants in groups)")
    return True
