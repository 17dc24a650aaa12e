"""Position towards the proposal (position.py: supports / opposes / unclear, shown only where measured reliable),
and the older tone classifier (classifier.py: positive / negative / neutral) it replaces in what staff see."""
from civicai.sentiment.classifier import LABELS, STANCE_OF, StanceClassifier, load_seed_sentences, split_sentences
from civicai.sentiment.position import POSITIONS, PositionModel, PositionResult, positions
from civicai.sentiment.question import (
                                        QuestionStatements,
                                        question_statements,
                                        stance_for_question,
                                        stance_towards_question,
)

__all__ = ["LABELS", "POSITIONS", "STANCE_OF", "PositionModel", "PositionResult", "positions", "QuestionStatements", "StanceClassifier", "load_seed_sentences",
           "question_statements", "split_sentences", "stance_for_question", "stance_towards_question"]
