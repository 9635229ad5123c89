"""French rules of the sentiment analyzer, beside vadersentiment-fr's own (see sentiment.py)."""
from __future__ import annotations

import re

from unidecode import unidecode  # a dependency of vadersentiment-fr

FR_NEGATORS = frozenset(("pas", "jamais", "rien", "aucunement", "nullement", "sans", "ni", "aucun", "aucune"))
FR_NEG_AFTER = re.compile(r"(?:\b(\w+)\s+)?\b([\w-]+)\s+(?:pas|plus|jamais|point|guère|rien)\b")
FR_NO_NEGATE = frozenset(("saoule", "sérieux", "sérieuse", "serieux", "serieuse"))
FR_SUBJECTS = frozenset("ne je tu il elle on ça ca ce nous vous ils elles cela".split())


def unaccent(word: str) -> str:  # as vadersentiment-fr keys its lexicon
    return word if word.isascii() else unidecode(word)


def but_check(words: list[str], sentiments: list[float], but: str) -> list[float]:
    """VADER's contrast rule: valences before `but` count half, after it 1.5 times."""
    lower = [w.lower() for w in words]
    if but not in lower:
        return sentiments
    at = lower.index(but)
    return [s * 0.5 if i < at else s * 1.5 if i > at else s for i, s in enumerate(sentiments)]


def fr_negation_check(valence, words, start_i, i):
    """VADER-fr's check without "plus" (a comparative unless after "ne", handled upstream)."""
    if words[i].lower() in FR_NO_NEGATE:
        return valence
    before = words[i - (start_i + 1)].lower()
    if before in FR_NEGATORS or "n't" in before:
        return valence * -0.74
    return valence
