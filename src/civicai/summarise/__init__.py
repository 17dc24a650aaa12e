"""Theme titles, summaries and quotes: built from members' own phrases and sentences; LLM rewriting only when
grounded. LABEL_PROMPT / SUMMARY_PROMPT are the prompt versions the pipeline uses (run.json names them)."""
from civicai.summarise.label import (
                                     ThemeText,
                                     central_phrase,
                                     extractive_summary,
                                     keyword_label,
                                     theme_text,
)
from civicai.summarise.quotes import fair_subset, group_quotas, mmr_select, quote_eligibility
from civicai.summarise.rewrite import SUMMARY_PROMPT, TITLE_PROMPT, rewrite_titles
from civicai.summarise.title import ThemeTitle, majority_language, title_themes

LABEL_PROMPT = TITLE_PROMPT

__all__ = ["LABEL_PROMPT", "SUMMARY_PROMPT", "ThemeText", "ThemeTitle", "central_phrase", "extractive_summary",
           "fair_subset", "group_quotas", "keyword_label", "majority_language", "mmr_select", "quote_eligibility",
           "rewrite_titles", "theme_text", "title_themes"]
