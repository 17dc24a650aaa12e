"""Checksums that tell a real IBAN, card or national number from any digit string of the same shape.

Validating is what lets the patterns be broad (any grouping, any spacing) without redacting order
numbers, years or prices.
"""
from __future__ import annotations

# IBAN length per country (SWIFT IBAN registry); others fall back to the generic 15..34 range.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AT": 20, "BA": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
    "EE": 20, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GI": 23, "GL": 18, "GR": 27, "HR": 21,
    "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24,
    "ME": 22, "MK": 19, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "RS": 22, "SE": 24,
    "SI": 19, "SK": 24, "SM": 27, "TR": 26, "UA": 29, "VA": 22, "XK": 20,
}


def iban_is_valid(compact: str) -> bool:
    """ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97 == 1."""
    iban = compact.upper()
    if not (15 <= len(iban) <= 34) or not iban[:2].isalpha() or not iban[2:4].isdigit():
        return False
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    if not iban.isalnum() or not iban.isascii():
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def luhn_is_valid(digits: str) -> bool:
    """The Luhn mod-10 check used by payment cards."""
    if not digits.isdigit() or not digits.isascii():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def card_prefix_is_plausible(digits: str) -> bool:
    """Issuer ranges of the cards people actually have (Visa, Mastercard, Amex, Maestro, CB, Discover)."""
    if not 13 <= len(digits) <= 19:
        return False
    return digits[0] == "4" or digits[:2] in {"34", "37", "50", "56", "57", "58", "60", "62", "63", "64", "65", "67"} \
        or 51 <= int(digits[:2]) <= 55 or 2221 <= int(digits[:4]) <= 2720


def french_nir_is_valid(compact: str) -> bool:
    """French social security number (NIR): 13 characters + a 2-digit key = 97 - (number mod 97)."""
    if len(compact) != 15:
        return False
    body, key = compact[:13].upper(), compact[13:]
    body = body.replace("2A", "19").replace("2B", "18")  # Corsica departments
    if not body.isdigit() or not key.isdigit():
        return False
    return 97 - int(body) % 97 == int(key)


def belgian_rrn_is_valid(digits: str) -> bool:
    """Belgian national register number: 9 digits + 2-digit check (born after 2000: prefix a 2)."""
    if len(digits) != 11 or not digits.isdigit():
        return False
    body, check = int(digits[:9]), int(digits[9:])
    return 97 - body % 97 == check or 97 - int("2" + digits[:9]) % 97 == check


def dutch_bsn_is_valid(digits: str) -> bool:
    """Dutch citizen service number (BSN): the '11-proof' weighted sum."""
    if len(digits) != 9 or not digits.isdigit() or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1))) - int(digits[8])
    return total % 11 == 0
