"""Sentiment score of one message in [-1, 1] (DESIGN: positive >= 0.05, negative <= -0.05).

English: vaderSentiment; French: vadersentiment-fr. Both load their lexicons once,
offline. Texts in other languages are scored neutral (0.0) and reported as such.
"""
from __future__ import annotations

import warnings
from functools import lru_cache

POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05
SUPPORTED = ("en", "fr")


def polarity(score: float) -> str:
    if score >= POSITIVE_THRESHOLD:
        return "positive"
    if score <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


@lru_cache(maxsize=None)
def _analyzer(lang: str):
    if lang == "fr":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # fuzzywuzzy's "slow SequenceMatcher" notice
            from vaderSentiment_fr.vaderSentiment import SentimentIntensityAnalyzer
        return SentimentIntensityAnalyzer()
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    return SentimentIntensityAnalyzer()


def score(text: str, lang: str) -> float:
    """Compound score of `text` in language `lang`; 0.0 for unsupported languages."""
    if lang not in SUPPORTED or not text:
        return 0.0
    return float(_analyzer(lang).polarity_scores(text)["compound"])
