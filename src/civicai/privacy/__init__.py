"""PII redaction: names, e-mails, phones, addresses, IBANs, cards, ID numbers, personal URLs.

Runs before anything is embedded, stored for analysis, quoted or sent to a model (see docs/privacy.md).
"""
from civicai.privacy.redactor import SUPPORTED_LANGUAGES, Redactor, scan_for_pii, shared_redactor
from civicai.privacy.types import KINDS, PLACEHOLDERS, RedactedText, Redaction, hash_value

__all__ = ["KINDS", "PLACEHOLDERS", "SUPPORTED_LANGUAGES", "RedactedText", "Redaction", "Redactor",
           "hash_value", "scan_for_pii", "shared_redactor"]
