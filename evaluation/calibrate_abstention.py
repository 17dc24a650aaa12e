"""Fit the abstention model (src/civicai/rag/abstention.json) on calibration questions only.

Calibration data: the shipped sample plan's gold questions (src/civicai/data/sample/plan/questions.jsonl,
answerable and unanswerable, five languages). The plans and question sets reported in evaluation/chat_eval.py
(Climate City Contracts, Dinan PCAET, ClimRetrieve) are NOT used here.

    .venv/bin/python evaluation/calibrate_abstention.py
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from chat_data import read_jsonl  # noqa: E402
from chat_ingest import eval_settings  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import StratifiedKFold, cross_val_predict  # noqa: E402

from civicai.paths import sample_dir  # noqa: E402
from civicai.rag import load_chat  # noqa: E402
from civicai.rag.abstain import CALIBRATION_FILE, FEATURES, AbstentionModel  # noqa: E402
from civicai.rag.chat import detect_question_language, redact_question  # noqa: E402

HERE = Path(__file__).resolve().parent
FEATURE_CACHE = HERE / ".cache" / "calibration_features.json"


def collect() -> tuple[np.ndarray, np.ndarray, list[dict]]:
    chat = load_chat("sample", settings=eval_settings())
    rows = read_jsonl(sample_dir() / "plan" / "questions.jsonl")
    xs, ys = [], []
    for row in rows:
        language = detect_question_language(row["question"])
        question = redact_question(row["question"], language, chat.public_text)
        _, values, _ = chat.assess(question, language)
        row["features"] = values
        xs.append([values[name] for name in FEATURES])
        ys.append(1 if row["answerable"] else 0)
    FEATURE_CACHE.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return np.array(xs), np.array(ys), rows


def best_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """Threshold on p(answerable) with the best balanced accuracy (ties: the lower threshold)."""
    candidates = np.unique(np.concatenate([p, [0.5]]))
    def balanced(t: float) -> float:
        pred = p >= t
        return 0.5 * ((pred[y == 1]).mean() + (~pred[y == 0]).mean())
    return float(max(candidates, key=lambda t: (round(balanced(t), 6), -t)))


def main() -> None:
    x, y, rows = collect()
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / scale
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    p_cv = cross_val_predict(model, z, y, cv=folds, method="predict_proba")[:, 1]
    threshold = best_threshold(p_cv, y)
    model.fit(z, y)
    fitted = AbstentionModel(tuple(mean.round(6)), tuple(scale.round(6)), tuple(model.coef_[0].round(6)),
                             float(model.intercept_[0].round(6)), round(threshold, 4), "e5",
                             calibrated_on=f"sample plan gold questions ({len(y)}: {int(y.sum())} answerable, "
                                           f"{int((1 - y).sum())} not), 5-fold cross-validated threshold")
    fitted.save(CALIBRATION_FILE)
    pred = p_cv >= threshold
    print(f"cross-validated: answer accuracy on answerable {pred[y == 1].mean():.3f}, "
          f"abstention on unanswerable {(~pred[y == 0]).mean():.3f}, threshold {threshold:.3f}")
    print("weights", dict(zip(FEATURES, model.coef_[0].round(3))))
    for row, p in zip(rows, p_cv):
        if (p >= threshold) != row["answerable"]:
            print(f"  miss {row['id']} answerable={row['answerable']} p={p:.2f} {row['question']}")


if __name__ == "__main__":
    main()
