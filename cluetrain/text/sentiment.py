"""Sentiment score of one message in [-1, 1]; its polarity is cluetrain/domain/polarity.py.

One small interface, `Analyzer(lang).score(text)`, over two rule-based analyzers that
ship their lexicons (no download, no model file fetched at run time):
English = vaderSentiment, French = vadersentiment-fr. On top of them, three cheap layers,
each one a switch so that bench/sentiment_accuracy.py can measure it:

- tweet: @handles, URLs, HTML entities and hashtag marks removed, elongations
  ("sooooo") folded to a lexicon word, emoji with a known tone scored directly;
- negation (French): elisions split ("n'aime" -> "ne aime"), "ne ... pas" and
  "verbe + pas" negate the verb, and "plus" negates only after "ne" (not "le plus beau");
- domain (customer service): a lexicon extension (politeness words such as "please",
  "help", "support" are no praise; "delayed", "cancelled", "outage" are complaints)
  and phrase cues ("still waiting", "doesn't work", "no response", "for 3 days",
  sarcastic "great, ... again"). The data are in data/ (see data/PROVENANCE.md).

Scores are VADER's compound: the sum of word valences (plus the cues) normalised to
]-1, 1[. Texts in other languages score 0.0; `score()` counts them in UNSCORED.
"""
from __future__ import annotations

import html
import re
import string
import warnings
from collections import Counter
from functools import lru_cache
from pathlib import Path

from cluetrain.text.caching import TextCaches
from cluetrain.domain.polarity import polarity  # noqa: F401 - callers classify the scores of score()
from cluetrain.text.sentiment_fr import (FR_NEG_AFTER, FR_SUBJECTS, but_check, fr_negation_check, unaccent,
                                         vader_but_check)

SUPPORTED = ("en", "fr")
MAX_CHARS = 5000          # longer texts are scored on their first MAX_CHARS characters
_CACHE_MAX_CHARS = 280    # texts up to this length go through a small LRU cache
_MEMO_SIZE = 16384        # per analyzer: normalised texts -> score (templated replies repeat)
DATA = Path(__file__).with_name("data")

UNSCORED: Counter = Counter()  # texts scored neutral because their language has no analyzer


# --- data files ------------------------------------------------------------------------

def _read_tsv(name: str) -> list[list[str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=None)
def _lexicon_patch(lang: str) -> dict[str, float]:
    return {w: float(v) for w, v in _read_tsv(f"cs_lexicon_{lang}.tsv")}


@lru_cache(maxsize=None)
def _cues(lang: str) -> tuple[list, list, re.Pattern]:
    """(complaint cues, amplifiers applied only to a negative text, sarcasm markers).

    A cue is (triggers, regex, valence): the regex runs only when one of the trigger
    substrings occurs in the text (a cheap test that skips most regexes).
    """
    cues, amps, sarcasm = [], [], []
    for kind, value, triggers, pattern in _read_tsv(f"cs_cues_{lang}.tsv"):
        if kind == "sarcasm":
            sarcasm.append(pattern)
        else:
            cue = (tuple(t for t in triggers.split(",") if t), re.compile(pattern), float(value))
            (amps if kind == "amp" else cues).append(cue)
    return cues, amps, re.compile("|".join(sarcasm))


def _matches(cues: list, text: str) -> list[float]:
    return [value for triggers, pattern, value in cues
            if (not triggers or any(t in text for t in triggers)) and pattern.search(text)]


@lru_cache(maxsize=None)
def _emoji_valence() -> dict[str, float]:
    return {e: float(v) for e, v in _read_tsv("emoji_valence.tsv")}


# --- tweet normalisation ---------------------------------------------------------------

_URL = re.compile(r"(?:https?://|www\.)\S+|\bhttps?\b|…")
_HANDLE = re.compile(r"(?<![\w@])[@＠]\w+")
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")
_ELONGATED = re.compile(r"\w*(\w)\1\1\w*")
_RUN = re.compile(r"(\w)\1{2,}")
_TRIPLE = re.compile(r"(\w)\1\1")  # in every _ELONGATED match
_PUNCT = string.punctuation
_FR_SPLIT = re.compile(r"[\s']")  # vadersentiment-fr's tokenizer
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=\S)")
_ELISION = re.compile(r"\b([jldnmtsc]|qu|jusqu|lorsqu|puisqu)['’](?=\w)", re.IGNORECASE)
_EMOJI_SKIN = re.compile("[\U0001F3FB-\U0001F3FF\u200d\ufe0f\u2640\u2642]")


def _fold_elongation(match: re.Match, known) -> str:
    """"goooood" -> "good", "sooooo" -> "so": the 2- or 1-letter run VADER knows."""
    word = match.group(0)
    two = _RUN.sub(r"\1\1", word)
    if known(two.lower()):
        return two
    one = _RUN.sub(r"\1", word)
    return one if known(one.lower()) else two


# --- the analyzers ---------------------------------------------------------------------

def _vader_class(lang: str):
    if lang == "fr":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # fuzzywuzzy's "slow SequenceMatcher" notice
            from vaderSentiment_fr import vaderSentiment as module
    else:
        from vaderSentiment import vaderSentiment as module
    return module


class Analyzer:
    """Scores texts of one language. Build once (see `analyzer()`), reuse: it is stateless."""

    def __init__(self, lang: str, *, tweet: bool = True, negation: bool = True, domain: bool = True):
        if lang not in SUPPORTED:
            raise ValueError(f"no sentiment analyzer for language {lang!r} (supported: {', '.join(SUPPORTED)})")
        self.lang, self.tweet, self.negation, self.domain = lang, tweet, negation, domain
        module = _vader_class(lang)
        self._module = module
        self._vader = module.SentimentIntensityAnalyzer()
        self._key = (lambda w: unaccent(w.lower())) if lang == "fr" else str.lower
        if domain:  # valence 0 removes the word (VADER scores a 0-valence word in CAPS -0.733)
            for word, valence in _lexicon_patch(lang).items():
                if valence:
                    self._vader.lexicon[self._key(word)] = valence
                else:
                    self._vader.lexicon.pop(self._key(word), None)
        if lang == "fr" and negation:
            self._vader._negation_check = fr_negation_check
        self._emoji = _emoji_valence() if tweet else {}
        self._cues, self._amps, self._sarcasm = _cues(lang) if domain else ([], [], None)

    def score(self, text: str) -> float:
        text, extra = self._prepared(text)
        if CACHES.enabled and len(text) <= _CACHE_MAX_CHARS:  # texts differing by handles/links meet here
            return _memo_score(self, text, tuple(extra))
        return self._scored(text, extra)["compound"]

    def scores(self, text: str) -> dict:
        """VADER's dict (neg, neu, pos, compound) for `text`."""
        return self._scored(*self._prepared(text))

    def _prepared(self, text: str) -> tuple[str, list[float]]:
        extra: list[float] = []  # emoji valences found by _normalise
        return (self._normalise(text[:MAX_CHARS], extra) if self.tweet else text[:MAX_CHARS]), extra

    def _scored(self, text: str, extra: list[float]) -> dict:
        """Everything after the tweet normalisation: a function of (text, extra) alone."""
        if self.lang == "fr" and self.negation:
            text = self._french_negation(text)
        if not self.tweet or not text.isascii():
            text = self._describe_emoji(text)
        sentiments = self._sentiments(text)
        if self.domain:
            self._domain(text, sentiments, extra)
        return self._vader.score_valence(sentiments + extra, text)

    # the layers -------------------------------------------------------------------------

    def _normalise(self, text: str, extra: list[float]) -> str:
        if "&" in text:
            text = html.unescape(text)
        if "http" in text or "www." in text or "…" in text:  # cheap tests: only then can they match
            text = _URL.sub(" ", text)
        if "@" in text or "＠" in text:
            text = _HANDLE.sub(" ", text)
        if "’" in text:
            text = text.replace("’", "'")
        if "#" in text:
            text = _HASHTAG.sub(lambda m: _CAMEL.sub(" ", m.group(1)), text)
        if not text.isascii():
            emoji = self._emoji
            kept = []
            for ch in _EMOJI_SKIN.sub("", text):
                if ch in emoji:
                    extra.append(emoji[ch])
                    kept.append(" ")
                else:
                    kept.append(ch)
            text = "".join(kept)
        lexicon, boosters = self._vader.lexicon, self._module.BOOSTER_DICT
        known = lambda w: w in lexicon or w in boosters  # noqa: E731
        if _TRIPLE.search(text):  # _ELONGATED backtracks at every position: 4x slower to fail
            text = _ELONGATED.sub(lambda m: _fold_elongation(m, known), text)
        return " ".join(text.split())  # = re.sub(r"\s+", " ", text).strip()

    def _french_negation(self, text: str) -> str:
        """Move the negation before the word it negates when VADER-fr would miss it."""
        lexicon, key = self._vader.lexicon, self._key
        text = _ELISION.sub(lambda m: m.group(1) + "e ", text)

        def move(m: re.Match) -> str:
            before, word = m.group(1), m.group(2)
            if before and before.lower() in FR_SUBJECTS and key(word) in lexicon:
                return f"{before} pas {word}"  # "je ne aime pas" -> "je ne pas aime"
            return m.group(0)

        return FR_NEG_AFTER.sub(move, text)

    def _describe_emoji(self, text: str) -> str:  # what VADER's polarity_scores does first
        emojis = self._vader.emojis
        return text if text.isascii() else "".join(f" {emojis[c]} " if c in emojis else c for c in text).strip()

    def _sentiments(self, text: str) -> list[float]:
        """VADER's word valences; with `tweet`, per sentence (no negation across a full stop)."""
        tokens = _FR_SPLIT.split(text) if self.lang == "fr" else text.split()
        lexicon, key = self._vader.lexicon, self._key
        if not any(key(w) in lexicon or key(w.strip(_PUNCT)) in lexicon for w in tokens):
            return [0.0] * len(tokens)  # no lexicon word: VADER's loop would give all zeros
        parts = _SENTENCE.split(text) if self.tweet else (text,)
        out: list[float] = []
        for part in parts:
            out.extend(self._valences(part))
        return out

    def _valences(self, text: str) -> list[float]:
        module, vader = self._module, self._vader
        sentitext = module.SentiText(text)
        words = sentitext.words_and_emoticons
        boosters = module.BOOSTER_DICT
        sentiments: list[float] = []
        for i, item in enumerate(words):
            low = item.lower()
            if low in boosters or (low == "kind" and i < len(words) - 1 and words[i + 1].lower() == "of"):
                sentiments.append(0)
                continue
            sentiments = vader.sentiment_valence(0, sentitext, item, i, sentiments)
        if self.lang == "en":
            sentiments = vader_but_check(words, sentiments)
        elif self.negation:
            sentiments = but_check(words, sentiments, "mais")
        return sentiments

    def _domain(self, text: str, sentiments: list[float], extra: list[float]) -> None:
        low = text.lower()
        cues = _matches(self._cues, low)
        if cues:
            extra.extend(cues)
        if sum(sentiments) + sum(extra) < 0:
            extra.extend(_matches(self._amps, low))
        if cues and sum(cues) <= -1.5 and self._sarcasm.search(low):
            for i, s in enumerate(sentiments):
                if s > 0:
                    sentiments[i] = -0.5 * s


# --- the public functions the pipeline calls ---------------------------------------------

@lru_cache(maxsize=None)
def analyzer(lang: str) -> Analyzer:
    """The default analyzer of `lang`, built once per process."""
    return Analyzer(lang)


@lru_cache(maxsize=_MEMO_SIZE)  # the analyzer in the key: its layers change the score
def _memo_score(an: Analyzer, text: str, extra: tuple[float, ...]) -> float:
    return an._scored(text, list(extra))["compound"]


@lru_cache(maxsize=16384)
def _cached(text: str, lang: str) -> float:
    return analyzer(lang).score(text)


def score(text: str, lang: str) -> float:
    """Compound score of `text` in language `lang`; 0.0 (and counted) when unsupported."""
    if not text:
        return 0.0
    if lang not in SUPPORTED:
        UNSCORED[lang or "und"] += 1
        return 0.0
    if CACHES.enabled and len(text) <= _CACHE_MAX_CHARS:
        return _cached(text, lang)
    return analyzer(lang).score(text)


CACHES = TextCaches(_cached, _memo_score)  # raw texts, normalised texts
