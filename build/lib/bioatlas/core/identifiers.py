"""Check digits of French company identifiers, shared by the spreadsheet importer and every connector.

SIREN (9 digits) and SIRET (14 digits: SIREN + NIC) end with a Luhn check digit. (La Poste's
establishments, SIREN 356000000, follow another rule: their SIRETs are checked by the digit sum
being a multiple of 5, as INSEE documents.)
"""

from __future__ import annotations

_LA_POSTE_SIREN = "356000000"


def luhn_valid(digits: str) -> bool:
    """True when `digits` (only digits, at least one) passes the Luhn check."""
    if not digits or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def siren_valid(value: str) -> bool:
    """9 digits whose Luhn check passes."""
    return len(value) == 9 and luhn_valid(value)


def siret_valid(value: str) -> bool:
    """14 digits whose Luhn check passes (La Poste's: Luhn or the digit-sum rule)."""
    if len(value) != 14 or not value.isdigit():
        return False
    if value.startswith(_LA_POSTE_SIREN):
        return luhn_valid(value) or sum(map(int, value)) % 5 == 0
    return luhn_valid(value)
