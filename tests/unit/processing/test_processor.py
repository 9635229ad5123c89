"""The speed-ups of the worker's hot path change no result: per-text caches (language,
sentiment, template keys) are bounded and answer what the uncached code answers; the
one-pass header parsing reads the first of each header; the row builders equal the
column-by-column dicts; process() leaves the garbage collector as it found it."""
from __future__ import annotations

import csv
import gc

import orjson
import pytest

from cluetrain.settings import Settings
from cluetrain.sources.generate import generate
from cluetrain.processing import processor as pipeline
from cluetrain.text import language, sentiment, voice
from tests.support.paths import DATA
from tests.support.pipeline_driver import replay_to_memory


@pytest.fixture(scope="module")
def texts() -> list[str]:
    with open(DATA / "twcs_head5000.csv", encoding="utf-8", newline="") as f:
        twcs = [r["text"] for r in csv.DictReader(f)][:1500]
    generated = [e["text"] for e in generate(5, 3000)]
    odd = ["", " ", "sooooo goooood!!", "@acme   thanks\u2003a lot…", "http://x.y www.z", "&amp; #SoSad",
           "merci beaucoup 🙏🏽", "^JK", "12/2 call 555-0101", "x" * 400, "a\x1cb\x1fc\u00a0d"]
    return twcs + generated + odd + generated[:500]  # repeats: the caches answer them


@pytest.fixture
def caches_off_then_on():
    yield
    pipeline.set_text_caches(True)


def _all_answers(texts):
    out = []
    for t in texts:
        lang = language.detect(t)
        out.append((lang, sentiment.score(t, "en"), sentiment.score(t, "fr"), voice.template_keys(t)))
    return out


def test_cached_answers_equal_uncached(texts, caches_off_then_on):
    pipeline.set_text_caches(False)
    uncached = _all_answers(texts)
    pipeline.set_text_caches(True)
    assert _all_answers(texts) == uncached
    assert _all_answers(texts) == uncached  # second pass: from the caches


def test_caches_are_bounded(texts, caches_off_then_on):
    pipeline.set_text_caches(True)
    _all_answers(texts)
    infos = [info for module in (language, sentiment, voice) for info in module.CACHES.info()]
    assert len(infos) == 4
    for info in infos:
        assert info.maxsize is not None and 0 < info.maxsize <= 1 << 16 and 0 < info.currsize <= info.maxsize
    pipeline.set_text_caches(True)  # emptied
    assert all(info.currsize == 0 for module in (language, sentiment, voice) for info in module.CACHES.info())


def test_the_normalised_text_cache_keeps_analyzers_apart(caches_off_then_on):
    """Two analyzers with different layers never share a cached score."""
    pipeline.set_text_caches(True)
    text = "please help, my phone doesn't work"
    plain, full = sentiment.Analyzer("en", domain=False), sentiment.Analyzer("en")
    assert plain.score(text) == plain.scores(text)["compound"]
    assert full.score(text) == full.scores(text)["compound"] != plain.score(text)


def test_long_texts_bypass_the_caches(caches_off_then_on):
    pipeline.set_text_caches(True)
    long = "the flight was delayed again and nobody answers " * 20
    many_words = " ".join(f"w{i} word" for i in range(300))
    pipeline.set_text_caches(False)
    expected = language.detect(long), voice.template_keys(many_words)
    pipeline.set_text_caches(True)
    sizes = [info.currsize for module in (language, voice) for info in module.CACHES.info()]
    assert (language.detect(long), voice.template_keys(many_words)) == expected
    assert [info.currsize for module in (language, voice) for info in module.CACHES.info()] == sizes


def test_language_cache_keys_on_the_backend(monkeypatch):
    text = "where is my order, it is late again"
    with_cld2 = language.detect(text)
    monkeypatch.setattr(language, "pycld2", None)
    pipeline.set_text_caches(False)
    without_cld2 = language.detect(text)
    pipeline.set_text_caches(True)
    assert language.detect(text) == without_cld2  # not the cld2 answer from the cache
    monkeypatch.undo()
    assert language.detect(text) == with_cld2


def _outputs(settings, batches, cached: bool):
    pipeline.set_text_caches(cached)
    processor = pipeline.PipelineProcessor(settings)
    return [repr(vars(processor.process(batch, 1_700_000_000_000))) for batch in batches]


def test_process_gives_the_same_output_with_and_without_caches(caches_off_then_on):
    settings = Settings.from_env({}, partitions=2)
    broker = replay_to_memory(settings, [orjson.dumps(r) for r in generate(9, 1500)])
    records = [r for t in settings.input_topics for p in range(2) for r in broker.records(t, p)]
    batches = [records[i:i + 250] for i in range(0, len(records), 250)]
    assert _outputs(settings, batches, False) == _outputs(settings, batches, True)


def test_process_leaves_the_garbage_collector_as_it_found_it():
    settings = Settings.from_env({}, partitions=1)
    broker = replay_to_memory(settings, [orjson.dumps(r) for r in generate(2, 50)])
    records = [r for t in settings.input_topics for r in broker.records(t, 0)]
    processor = pipeline.PipelineProcessor(settings)
    assert gc.isenabled()
    processor.process(records[:20], 0)
    assert gc.isenabled()
    gc.disable()
    try:
        processor.process(records[20:], 0)
        assert not gc.isenabled()
    finally:
        gc.enable()
