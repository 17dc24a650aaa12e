"""Sentiment/stance: positive, negative or neutral towards the proposal, from multilingual embeddings."""
from civicai.sentiment.classifier import LABELS, STANCE_OF, StanceClassifier, load_seed_sentences, split_sentences

__all__ = ["LABELS", "STANCE_OF", "StanceClassifier", "load_seed_sentences", "split_sentences"]
