"""Template replies: masking, deterministic MinHash-LSH keys, pair precision/recall on
synthetic replies with known templates, and what the keys find in twcs brand replies."""
from __future__ import annotations

import collections
import csv
import itertools
import os
import random
import subprocess
import sys

import pytest

from cluetrain.text import voice
from cluetrain.text.voice import mask, template_keys
from tests.support.paths import DATA, ROOT

TEMPLATES = [
    "Hi {name}, we're sorry to hear about the delay with your order. Please DM us your order number and we'll look into it right away. {sig}",
    "{name}, I understand how frustrating this must be. Could you send us a DM with your account number so we can take a closer look? {sig}",
    "We apologize for the inconvenience! Please reach out to us here: {url} and we'll be glad to help. {sig}",
    "Thanks for reaching out, {name}! Your flight {flight} is currently showing an estimated departure of {time}. Safe travels! {sig}",
    "Hey {name}, thanks for the shout-out! We're so glad you enjoyed your experience with us. {sig}",
    "That's not the experience we want you to have. Please follow and DM us so we can help make this right. {sig}",
    "We'd like to look into this for you. Can you confirm the email address on the account via DM? {sig}",
    "Sorry about that, {name}. Have you tried restarting the app and checking for updates? Let us know if that helps. {sig}",
    "Our team is aware of an outage in the {city} area and is working to restore service as soon as possible. {sig}",
    "You're welcome, {name}! Let us know if there's anything else we can do for you. {sig}",
]
NAMES = "Sarah Tom Priya Jamal Anne Lee Carlos Mia Olu Ivan Zoe Ben".split()
SIGS = ["^JK", "-KC", "- Nick", "*TMH", "/KB", "^Helen", "-S.D.", "~AT", "^AB 1/2", ""]
# "Human" replies: free sentences drawn from pools of parts, so two of them rarely match.
SUBJ = "I|my colleague|the warehouse|our driver|the pilot|the store team|our engineer|the billing desk|my manager|the chef".split("|")
VERB = "checked|will chase|has escalated|can't find|just confirmed|is reviewing|fixed|rebooked|refunded|replaced".split("|")
OBJ = ("your parcel|the second charge|the broken seat|your router|the missing voucher|the cold fries|your upgrade|"
       "the lost suitcase|the app crash|your late refund|the wrong size|your cancelled booking").split("|")
TAIL = ("this morning|before Friday|for you|as we speak|twice already|at the Leeds depot|in the system|on my end|"
        "with the supplier|right now").split("|")


def templated(rng: random.Random, template: str) -> str:
    text = template.format(name=rng.choice(NAMES), sig=rng.choice(SIGS), url=f"https://t.co/{rng.randrange(16**8):x}",
                           flight=f"UA{rng.randrange(100, 9999)}", time=f"{rng.randrange(1, 12)}:{rng.randrange(60):02d}pm",
                           city=rng.choice(["Denver", "Austin", "Leeds", "Lyon"]))
    words = text.split()
    for _ in range(rng.choice((0, 1, 2))):  # an agent's small edit
        i = rng.randrange(len(words))
        if rng.random() < 0.5 and len(words) > 5:
            del words[i]
        else:
            words.insert(i, rng.choice(["really", "just", "so", "please", "now"]))
    return f"@{rng.randrange(10**5, 10**6)} " + " ".join(words)


def human(rng: random.Random) -> str:
    sentences = [" ".join(rng.choice(p) for p in (SUBJ, VERB, OBJ, TAIL)) for _ in range(rng.randrange(2, 4))]
    return f"@{rng.randrange(10**5, 10**6)} " + ". ".join(s[0].upper() + s[1:] for s in sentences) + "."


def corpus(seed: int = 1) -> list[tuple[str, int | None]]:
    rng = random.Random(seed)
    items = [(templated(rng, t), i) for i, t in enumerate(TEMPLATES) for _ in range(25)]
    return items + [(human(rng), None) for _ in range(250)]


def test_mask_replaces_the_variable_parts():
    text = "@115712 Hi Sarah, your order #123-456 ships 11/3 at 3:30pm: https://t.co/x1 or mail bob@example.com. -KC"
    assert voice.words(text) == ["hi", "<name>", "your", "order", "<num>", "ships", "<num>", "at", "<num>", "<url>",
                                 "or", "mail", "<email>"]
    assert mask("@1 Thanks, Robert! We are on it. ^Helen 1/2").strip() == "Thanks, <name>! We are on it."
    assert mask("We're looking into it. *TMH") == "We're looking into it."
    assert voice.words("ご迷惑をおかけしております") == list("ご迷惑をおかけしております")  # CJK: characters


def test_keys_are_bands_of_hex_and_empty_without_words():
    keys = template_keys("We're sorry for the trouble, please DM us.")
    assert len(keys) == voice.BANDS == len(set(k.split(":")[0] for k in keys))
    assert all(len(k.split(":")[1]) == 4 * voice.ROWS for k in keys)
    assert template_keys("") == [] and template_keys("@115712 ^JK") == []
    assert template_keys("@1 https://t.co/abc") == template_keys("@2 https://t.co/xyz")  # link-only replies


def test_replies_differing_only_in_masked_parts_share_every_key():
    a = "@115712 Hi Sarah, sorry about order 4411! Please DM us here: https://t.co/a1 ^JK"
    b = "@998877 Hi Tom, sorry about order 9302! Please DM us here: https://t.co/zz -KC"
    assert template_keys(a) == template_keys(b)


def test_different_replies_share_no_key():
    texts = [t for t, _ in corpus()[-250:]][:60] + [t.format(name="X", sig="", url="", flight="", time="", city="")
                                                      for t in TEMPLATES]
    low = [(a, b) for a, b in itertools.combinations(texts, 2) if voice.jaccard(a, b) < 0.1]
    shared = sum(bool(set(template_keys(a)) & set(template_keys(b))) for a, b in low)
    assert len(low) > 1000 and shared / len(low) < 0.01


def test_synthetic_templates_pair_precision_and_recall():
    items = corpus()
    index = collections.defaultdict(list)
    for i, (text, _) in enumerate(items):
        for key in template_keys(text):
            index[key].append(i)
    predicted = {pair for ids in index.values() for pair in itertools.combinations(ids, 2)}
    truth = {(a, b) for a, b in itertools.combinations(range(len(items)), 2)
             if items[a][1] is not None and items[a][1] == items[b][1]}
    precision = len(predicted & truth) / len(predicted)
    recall = len(predicted & truth) / len(truth)
    assert precision >= 0.85 and recall >= 0.85, (precision, recall)


def test_order_independent_and_stable_across_processes():
    texts = [t for t, _ in corpus(seed=7)[:40]]
    forward = [template_keys(t) for t in texts]
    backward = [template_keys(t) for t in reversed(texts)][::-1]
    assert forward == backward
    code = ("import json,sys; from cluetrain.text.voice import template_keys; "
            "print(json.dumps([template_keys(t) for t in json.load(sys.stdin)]))")
    import json
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], input=json.dumps(texts[:5]), capture_output=True,
                         text=True, env=env, cwd=ROOT, check=True).stdout
    assert json.loads(out) == forward[:5]


@pytest.fixture(scope="module")
def brand_replies():
    with open(DATA / "twcs_head5000.csv", encoding="utf-8", newline="") as f:
        by_brand = collections.defaultdict(list)
        for row in csv.DictReader(f):
            if row["inbound"] == "False":
                by_brand[row["author_id"]].append(row["text"])
    return by_brand


def share_rate(texts: list[str]) -> float:
    keys = [template_keys(t) for t in texts]
    count = collections.Counter(k for ks in keys for k in set(ks))
    return sum(any(count[k] > 1 for k in ks) for ks in keys) / len(texts)


def test_twcs_brands_that_reuse_phrasings_are_found(brand_replies):
    assert share_rate(brand_replies["Uber_Support"]) > 0.6      # "Sorry to hear that. Please send us a note here ..."
    assert share_rate(brand_replies["ChipotleTweets"]) > 0.3    # the $3 Boorito answers
    assert share_rate(brand_replies["AmericanAir"]) < 0.15      # written one by one
    assert share_rate(brand_replies["British_Airways"]) < 0.15
