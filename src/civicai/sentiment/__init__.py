"""Sentiment/stance: positive, negative or neutral towards the proposal, from multilingual embeddings."""
from civicai.sentiment.classifier import LABELS, STANCE_OF, StanceClassifier, load_seed_sentences, split_sentences
from civicai.sentiment.question import (
                                        QuestionStatements,
                                        question_statements,
                                        stance_for_question,
                                        stance_towards_question,
)

__all__ = ["LABELS", "STANCE_OF", "QuestionStatements", "StanceClassifier", "load_seed_sentences",
           "question_statements", "split_sentences", "stance_for_question", "stance_towards_question"]
