"""Offline language detection: ISO 639-1 codes or "und", en/fr accuracy on the data sets,
other languages named, robustness, and the stop-word fallback without pycld2."""
from __future__ import annotations

import csv
import re

import pytest

from cluetrain.text import language
from cluetrain.text.language import detect
from tests.support.paths import DATA

CODE = re.compile(r"[a-z]{2}|und")


@pytest.mark.parametrize("text, lang", [
    ("@AmericanAir my flight has been delayed for three hours and nobody tells us anything", "en"),
    ("thanks a lot", "en"),
    ("merci beaucoup", "fr"),
    ("Bonjour, ma commande n'est toujours pas arrivée, pouvez-vous m'aider ?", "fr"),
    ("@Free toujours pas de connexion depuis ce matin", "fr"),
    ("Hola, todavía no he recibido mi pedido y nadie me responde", "es"),
    ("Ich warte seit zwei Wochen auf meine Rückerstattung", "de"),
    ("Amazonで頼んだ商品が届かないよぉ 追跡は配達完了になっておる", "ja"),
])
def test_detects_the_language(text, lang):
    assert detect(text) == lang


@pytest.mark.parametrize("text", ["", "   ", "@brand https://t.co/x", "😡😡", "12345", "ok", "#"])
def test_no_evidence_is_undetermined(text):
    assert detect(text) == "und"


@pytest.mark.parametrize("text", ["\ud800 lone surrogate in an english sentence", "\x00\x01 binary", "é" * 100_000])
def test_never_raises_and_answers_a_code(text):
    assert CODE.fullmatch(detect(text))


def test_accuracy_on_french_and_english_tweets():
    with open(DATA / "fr_tweets_sentiment_test.tsv", encoding="utf-8") as f:
        fr = [row[1] for row in list(csv.reader(f, delimiter="\t"))[1:]]
    with open(DATA / "vader_tweets_groundtruth.tsv", encoding="utf-8") as f:
        en = [row[2] for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]
    assert sum(detect(t) == "fr" for t in fr) / len(fr) >= 0.97
    assert sum(detect(t) == "en" for t in en) / len(en) >= 0.97


def test_twcs_file_codes_are_iso_639_1():
    with open(DATA / "twcs_head5000.csv", encoding="utf-8", newline="") as f:
        langs = [detect(r["text"]) for r in csv.DictReader(f)]
    assert all(CODE.fullmatch(code) for code in langs)
    assert langs.count("en") / len(langs) > 0.9 and "ja" in langs and "es" in langs


def test_stop_words_alone_without_pycld2(monkeypatch):
    monkeypatch.setattr(language, "pycld2", None)
    assert detect("where is my order, it is late again") == "en"
    assert detect("où est ma commande, elle est encore en retard") == "fr"
    assert detect("12345") == "und"
