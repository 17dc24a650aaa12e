"""Theme keywords: c-TF-IDF with per-language stop-words."""
from civicai.keywords.ctfidf import ctfidf_keywords, stop_words_for, stop_words_union

__all__ = ["ctfidf_keywords", "stop_words_for", "stop_words_union"]
