"""Theme labels, summaries and quotes: extractive by default, LLM rephrasing only when grounded."""
from civicai.summarise.label import (
                                     LABEL_PROMPT,
                                     SUMMARY_PROMPT,
                                     ThemeText,
                                     central_phrase,
                                     extractive_summary,
                                     keyword_label,
                                     theme_text,
)
from civicai.summarise.quotes import fair_subset, group_quotas, mmr_select, quote_eligibility

__all__ = ["LABEL_PROMPT", "SUMMARY_PROMPT", "ThemeText", "central_phrase", "extractive_summary", "keyword_label",
           "fair_subset", "group_quotas", "mmr_select", "quote_eligibility", "theme_text"]
