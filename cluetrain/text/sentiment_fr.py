"""Rules of the sentiment analyzer beside the libraries' own (see sentiment.py): French
negation, and the contrast rule ("but", "mais") of both languages."""
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
    """VADER's contrast rule, done right: valences before `but` count half, after it 1.5 times."""
    lower = [w.lower() for w in words]
    if but not in lower:
        return sentiments
    at = lower.index(but)
    return [s * 0.5 if i < at else s * 1.5 if i > at else s for i, s in enumerate(sentiments)]


def vader_but_check(words: list[str], sentiments: list[float]) -> list[float]:
    """vaderSentiment's English contrast rule, step for step (its method is private):
    valences before "but" count half, after it 1.5 times. Like the library it finds each
    valence by value, so with two equal valences the first one gets the weight; kept as
    is so that the English scores stay the library's (French uses but_check above)."""
    lower = [w.lower() for w in words]
    if "but" not in lower:
        return sentiments
    at = lower.index("but")
    for i in range(len(sentiments)):
        value = sentiments[i]
        found = sentiments.index(value)
        if found != at:
            sentiments[found] = value * (0.5 if found < at else 1.5)
    return sentiments


def fr_negation_check(valence, words, start_i, i):
    """VADER-fr's check without "plus" (a comparative unless after "ne", handled upstream)."""
    if words[i].lower() in FR_NO_NEGATE:
        return valence
    before = words[i - (start_i + 1)].lower()
    if before in FR_NEGATORS or "n't" in before:
        return valence * -0.74
    return valence
