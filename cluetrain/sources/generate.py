"""A seeded, realistic synthetic stream of events (the JSON Lines format of DESIGN.md).

`generate(seed, events)` returns exactly `events` event dicts, all accepted by
`validate_record`, in *arrival order*. The same arguments always give the same list:
the only source of randomness is one `random.Random(seed)`.

What the stream contains
------------------------
Brands (fictional handles) with different answer habits; the first six are:

| handle            | habit                                                          | lang |
|-------------------|----------------------------------------------------------------|------|
| skyhop_air        | airline, fast (median ~4 min), answers ~95 %, agents sign "^AB"| en   |
| telconnect_care   | telecom, slow (median ~1.5 h), office hours 08-20 UTC only     | en   |
| northbank_help    | bank that often ignores (answers ~35 % of turns)               | en   |
| railvoyage_fr     | French railway, French texts, agents sign "-AB"                | fr   |
| pixelplay_support | games console, slow and rare answers, peers answer a lot       | en   |
| freshmart         | supermarket, medium (~15 min), agents sometimes sign "/AB"     | en   |

With `brands` > 6 the profiles repeat with a numeric suffix ("skyhop_air_2", ...) and
jittered habits; with fewer, the first `brands` profiles are used.

Conversations: a customer's mention opens a turn; the customer may add follow-ups
within the turn ("still waiting", "hello??"), another customer may answer it (a peer
reply, sometimes thanked), and the brand answers after a brand-specific latency — as
the official account (author_role "brand", author_id = handle) or as a named employee
signing the brand account's reply (author_role "employee", author_id
"<brand>/<initials>", text ending with the brand's signature style) — or never (an
unanswered turn). After an answer the customer may come back (thanks, "still not
working") which opens the next turn; brands sometimes send a second part ("2/2").
Customers have heavy-tailed follower counts (log-normal with a few big accounts,
some unknown: null); brand-side posts carry the brand's audience. Texts are English
or French with varied sentiment (complaints, sarcasm, questions, praise, thanks);
`lang` is set on about a third of the events and null otherwise.

Time: conversations start as a Poisson process with a daily cycle (quiet nights),
from `start`. By default the rate adapts to the size so that small streams still
span hours (60 to 1,200 conversations an hour, about 3 posts each: 1,000 events span
≈ 4 h, 20,000 ≈ 1.5 days, 500,000 ≈ 5.5 days); `conversations_per_hour` fixes it. The stream is the first `events` posts in event time (created_at, event_id):
conversations still running at the end are cut there (the end has open turns).
event_ids are "g<seed>-<rank>" with rank the position in event time, so they sort
like created_at.

Arrival order: an event arrives at created_at + delay, where delay is 0 for most
events and uniform in [1, max_disorder_s] seconds for a fraction `late_fraction`;
the list is sorted by arrival. So an event is never more than max_disorder_s behind
the largest created_at before it (a reply may arrive before its parent).
"""
from __future__ import annotations

import math
import random
from datetime import datetime, timezone

from cluetrain.streams.domain.events import parse_rfc3339_ms

DEFAULT_START = "2026-01-05T08:00:00Z"

# ------------------------------------------------------------------ brand profiles
# latency_s: median of a log-normal (sigma latency_sigma); answer: probability that a
# turn gets answered; employee: share of brand-side posts signed by an employee.
_PROFILES: list[dict] = [
    dict(handle="skyhop_air", domain="airline", lang="en", weight=0.22, followers=412_000,
         latency_s=240, latency_sigma=0.8, answer=0.95, employee=0.85, sign="^",
         peer=0.05, followup=0.12, cont=0.55, hours=None, parts=0.10,
         staff=["JK", "AB", "MR", "TL", "SO", "KC", "DW", "EH"]),
    dict(handle="telconnect_care", domain="telecom", lang="en", weight=0.20, followers=96_500,
         latency_s=5400, latency_sigma=0.9, answer=0.85, employee=0.30, sign="-",
         peer=0.08, followup=0.30, cont=0.45, hours=(8, 20), parts=0.08,
         staff=["RB", "JF", "NS", "AA"]),
    dict(handle="northbank_help", domain="bank", lang="en", weight=0.15, followers=58_200,
         latency_s=1800, latency_sigma=1.0, answer=0.35, employee=0.50, sign="~",
         peer=0.06, followup=0.35, cont=0.35, hours=None, parts=0.05,
         staff=["HE", "NC", "CR"]),
    dict(handle="railvoyage_fr", domain="rail", lang="fr", weight=0.15, followers=233_000,
         latency_s=1200, latency_sigma=0.9, answer=0.75, employee=0.60, sign="-",
         peer=0.12, followup=0.20, cont=0.45, hours=None, parts=0.06,
         staff=["CL", "MD", "JB", "AP", "SG"]),
    dict(handle="pixelplay_support", domain="gaming", lang="en", weight=0.13, followers=1_250_000,
         latency_s=3600, latency_sigma=1.1, answer=0.55, employee=0.40, sign="^",
         peer=0.45, followup=0.15, cont=0.40, hours=None, parts=0.05,
         staff=["EZ", "RR", "JA"]),
    dict(handle="freshmart", domain="retail", lang="en", weight=0.15, followers=187_000,
         latency_s=900, latency_sigma=0.9, answer=0.80, employee=0.20, sign="/",
         peer=0.07, followup=0.15, cont=0.50, hours=None, parts=0.08,
         staff=["KB", "LS", "PB", "GS"]),
]

# ------------------------------------------------------------------ texts
_EN = {
    "complaint": {
        "airline": [
            "flight delayed again, {n} hours at the gate and no information",
            "my bag didn't make it to {city}. Third time this year",
            "you cancelled my flight and the rebooking line hangs up on me",
            "still waiting at the gate, crew nowhere to be seen",
            "worst boarding process ever, total chaos at gate {g}",
        ],
        "telecom": [
            "internet down since this morning, {n} days this week",
            "I've been charged twice on my bill and nobody can explain why",
            "no signal at all in {city}, paying for nothing",
            "your technician never showed up. Took a day off for this",
            "speeds are a joke, {n} Mbps on a 500 Mbps plan",
        ],
        "bank": [
            "my card was blocked abroad and I can't reach anyone",
            "a transfer of {n}00 has been pending for a week",
            "the app logs me out every time I try to pay",
            "I was charged a fee I never agreed to",
            "still no new card after {n} weeks",
        ],
        "rail": [
            "train to {city} cancelled with no warning",
            "delayed {n}0 minutes again, I'll miss my connection",
        ],
        "gaming": [
            "servers down again right in the middle of a match",
            "my console won't update, error {g}{n}{n}",
            "bought a game and it's not showing in my library",
            "online has been lagging for {n} days",
            "controller drift after {n} months, not happy",
        ],
        "retail": [
            "my order never arrived, tracking says delivered",
            "{n} items missing from my delivery again",
            "refund still not received after {n} weeks",
            "the milk in my order expired yesterday",
            "the store in {city} had half the shelves empty",
        ],
    },
    "sarcasm": {
        "airline": [
            "oh great, flight delayed AGAIN. Love spending my weekend at the airport 🙃",
            "thanks for the {n} hour tour of the terminal, truly a highlight",
        ],
        "telecom": [
            "love paying for internet that works one day out of {n} 👏",
            "wow, {n} hours of hold music. Best customer service ever",
        ],
        "bank": [
            "so glad my card gets blocked every time I buy a coffee. Great security 🙄",
            "amazing, another surprise fee. You really know how to treat customers",
        ],
        "rail": ["great, another delay. What a surprise"],
        "gaming": [
            "servers down on launch day, what a shock 🙃",
            "nice, a {n} GB update just to crash on the menu",
        ],
        "retail": [
            "love how my 'next day' delivery takes {n} days 👍",
            "great substitutions today: shampoo instead of bananas",
        ],
    },
    "question": {
        "airline": [
            "can I change my flight to {city} online?",
            "how much is an extra bag on the flight tomorrow?",
            "is there wifi on the {city} route?",
        ],
        "telecom": [
            "is there an outage in {city} right now?",
            "how do I upgrade my plan?",
            "when will fibre be available in {city}?",
        ],
        "bank": [
            "how do I raise my card limit?",
            "is the app down? I can't log in",
            "can I open an account online?",
        ],
        "rail": ["is the {n}h train to {city} running?"],
        "gaming": [
            "how do I transfer my saves to the new console?",
            "is there a known issue with party chat?",
        ],
        "retail": [
            "do you deliver to {city}?",
            "what time does the {city} store open on Sunday?",
            "can I return an item without the receipt?",
        ],
    },
    "praise": [
        "huge thanks to the crew today, amazing service!",
        "great experience today, well done team 👏",
        "love the new app, so much better",
        "shout out to your staff, they were fantastic",
    ],
    "followup": [
        "still waiting for an answer...",
        "hello?? anyone there?",
        "any update on this?",
        "it's been hours and still nothing",
        "why is nobody answering?",
        "sent you a DM, no reply yet",
    ],
    "thanks": [
        "thanks, that fixed it!",
        "great, thank you for the quick help 🙏",
        "perfect, thanks a lot",
        "ok thanks, much appreciated",
    ],
    "unhappy": [
        "that didn't help at all",
        "still not working, this is ridiculous",
        "I already did that twice. Still broken",
        "not good enough, I want a refund",
    ],
}
_FR = {
    "complaint": {
        "rail": [
            "train pour {city} encore en retard de {n}0 minutes, c'est inadmissible",
            "TGV supprimé sans prévenir, je suis bloqué à {city}",
            "toujours pas de remboursement pour mon billet annulé",
            "aucune information en gare, personne pour nous aider",
            "clim en panne dans la voiture {n}, on étouffe",
        ],
        "_": [
            "ça ne marche toujours pas, c'est n'importe quoi",
            "service client inexistant, je suis très déçu",
            "commande jamais reçue, c'est scandaleux",
            "vol retardé encore une fois, aucune explication",
        ],
    },
    "sarcasm": {
        "rail": [
            "bravo, encore une panne, quelle surprise 👏",
            "merci pour ce magnifique retard de {n} heures, vraiment génial 🙃",
        ],
        "_": ["super, encore un problème. Merci vraiment 🙄"],
    },
    "question": {
        "rail": [
            "bonjour, comment obtenir un remboursement pour mon billet ?",
            "le train de {n}h pour {city} circule-t-il aujourd'hui ?",
            "peut-on échanger un billet Prem's ?",
        ],
        "_": ["bonjour, pouvez-vous m'aider avec ma commande ?"],
    },
    "praise": [
        "merci au contrôleur du train pour {city}, super sympa !",
        "trajet parfait aujourd'hui, bravo 👏",
        "excellent service, merci beaucoup",
    ],
    "followup": [
        "toujours aucune réponse…",
        "allô ? il y a quelqu'un ?",
        "des nouvelles ? j'attends toujours",
        "ça fait des heures, toujours rien",
    ],
    "thanks": [
        "merci beaucoup pour votre réponse rapide !",
        "parfait, merci !",
        "c'est réglé, merci pour votre aide 🙏",
    ],
    "unhappy": [
        "ça ne m'aide pas du tout",
        "toujours en panne, c'est lamentable",
        "réponse inutile, je suis vraiment déçu",
    ],
}
_BRAND_EN = {
    "ack": [
        "Sorry to hear that. Can you DM us your reference so we can take a look?",
        "We're sorry for the trouble. Please send us a DM with your details and we'll help.",
        "Apologies for this. We're looking into it now, please follow us and DM your account number.",
        "That's not the experience we want for you. Could you tell us a bit more?",
        "Thanks for reaching out. We're aware of the issue and working on a fix.",
    ],
    "praise": [
        "Thanks so much for the kind words! We'll pass them on to the team 😊",
        "Love to hear it, thanks for sharing!",
    ],
    "welcome": [
        "You're welcome! Glad we could help.",
        "Happy to help, have a great day!",
    ],
    "again": [
        "Sorry it's still not sorted. We've escalated this, you'll hear from us soon.",
        "We understand your frustration. A specialist will contact you by DM.",
    ],
    "part2": [
        "In the meantime you can check the status page for updates.",
        "You can also find more help in the app under Settings.",
    ],
}
_BRAND_FR = {
    "ack": [
        "Bonjour, nous sommes désolés pour ce désagrément. Pouvez-vous nous envoyer votre référence en message privé ?",
        "Nous comprenons votre agacement. Nous regardons cela tout de suite.",
        "Bonjour, toutes nos excuses. Pouvez-vous nous préciser votre numéro de dossier ?",
    ],
    "praise": ["Merci beaucoup pour ce retour, nous transmettons à l'équipe 😊"],
    "welcome": ["Avec plaisir, bon voyage !", "Avec plaisir, belle journée !"],
    "again": ["Désolés que ce ne soit pas réglé. Nous avons transmis votre dossier au service concerné."],
    "part2": ["Vous pouvez aussi suivre l'info trafic en temps réel sur notre appli."],
}
_PEER = {
    "en": [
        "same here, it's been like this since this morning",
        "try restarting it, worked for me",
        "had the same problem last week, DM them and they sorted it",
        "you're not alone 🙄",
        "+1, same issue in {city}",
    ],
    "fr": [
        "pareil pour moi depuis ce matin",
        "essayez de redémarrer, ça a marché pour moi",
        "même problème hier, courage",
        "idem à {city} 😤",
    ],
}
_PEER_THANKS = {"en": ["thanks, will try that", "ok good to know, thanks"], "fr": ["merci, je vais essayer", "ok merci"]}
_CITIES = ["London", "Paris", "Lyon", "Manchester", "Boston", "Denver", "Lille", "Leeds", "Nantes", "Chicago"]

_DIURNAL = [0.25, 0.18, 0.15, 0.15, 0.2, 0.35, 0.6, 0.9, 1.2, 1.35, 1.4, 1.45,
            1.5, 1.5, 1.45, 1.4, 1.4, 1.45, 1.5, 1.45, 1.3, 1.05, 0.75, 0.45]
_DIURNAL_MEAN = sum(_DIURNAL) / 24


def _brand_profiles(n: int, rng: random.Random) -> list[dict]:
    out = []
    for i in range(n):
        base = dict(_PROFILES[i % len(_PROFILES)])
        copy = i // len(_PROFILES)
        if copy:
            base["handle"] = f"{base['handle']}_{copy + 1}"
            base["latency_s"] = base["latency_s"] * rng.uniform(0.6, 1.6)
            base["answer"] = min(0.98, max(0.2, base["answer"] + rng.uniform(-0.1, 0.1)))
            base["weight"] = base["weight"] * rng.uniform(0.5, 1.2)
            base["followers"] = int(base["followers"] * rng.uniform(0.3, 1.5))
        base["mu"] = math.log(base["latency_s"])
        out.append(base)
    return out


class _Clock:
    """Fast RFC 3339 formatting of whole seconds (the date-hour-minute part is cached)."""

    __slots__ = ("cache",)

    def __init__(self) -> None:
        self.cache: dict[int, str] = {}

    def fmt(self, t: int) -> str:
        minute, sec = divmod(t, 60)
        prefix = self.cache.get(minute)
        if prefix is None:
            prefix = datetime.fromtimestamp(minute * 60, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:")
            self.cache[minute] = prefix
        return f"{prefix}{sec:02d}Z"


def generate(
    seed: int,
    events: int,
    *,
    start: str = DEFAULT_START,
    brands: int = 6,
    max_disorder_s: int = 120,
    late_fraction: float = 0.05,
    conversations_per_hour: float | None = None,
) -> list[dict]:
    """Exactly `events` synthetic events in arrival order (see the module docstring)."""
    if isinstance(events, bool) or not isinstance(events, int) or events < 0:
        raise ValueError(f"events must be a non-negative integer, got {events!r}")
    if isinstance(brands, bool) or not isinstance(brands, int) or brands < 1:
        raise ValueError(f"brands must be a positive integer, got {brands!r}")
    if max_disorder_s < 0:
        raise ValueError("max_disorder_s must be >= 0")
    if not 0.0 <= late_fraction <= 1.0:
        raise ValueError("late_fraction must be within [0, 1]")
    if conversations_per_hour is not None and not conversations_per_hour > 0:
        raise ValueError("conversations_per_hour must be > 0")
    try:
        t_start = parse_rfc3339_ms(start) // 1000
    except ValueError as exc:
        raise ValueError(f"start: {exc}") from None
    if events == 0:
        return []

    rng = random.Random(seed)
    rand, expo, lognorm = rng.random, rng.expovariate, rng.lognormvariate

    def choice(seq):  # like rng.choice, cheaper (same randomness source)
        return seq[int(rand() * len(seq))]

    profiles = _brand_profiles(brands, rng)
    cum, acc = [], 0.0
    for p in profiles:
        acc += p["weight"]
        cum.append(acc)
    total_w = acc

    if conversations_per_hour is None:
        # about 3 posts per conversation: small streams span a few hours, big ones days
        conversations_per_hour = max(60.0, min(1200.0, events / 120))
    rate_per_s = conversations_per_hour / 3600.0 / _DIURNAL_MEAN

    pool = max(50, events // 6)
    customers: dict[int, tuple[str, int | None]] = {}

    def customer() -> tuple[str, int | None]:
        idx = int(pool * rand() ** 1.5)  # some customers come back often
        c = customers.get(idx)
        if c is None:
            r = rand()
            if r < 0.05:
                followers = None
            elif r < 0.08:
                followers = int(lognorm(11.0, 1.2))  # big accounts
            else:
                followers = int(lognorm(5.0, 1.6))
            c = (f"c{100_000 + idx}", followers)
            customers[idx] = c
        return c

    # One tuple per post: (t, parent index or -1, root index, brand, author, role,
    # followers, text, lang or None)
    ev: list[tuple] = []
    push = ev.append

    def lang_tag(lang: str) -> str | None:
        return lang if rand() < 0.33 else None

    def fill(template: str) -> str:
        if "{" not in template:
            return template
        return template.format(n=1 + int(rand() * 9), city=choice(_CITIES), g=choice("ABCDE"))

    def customer_text(lang: str, domain: str, category: str) -> str:
        table = _EN if lang == "en" else _FR
        pool_ = table[category]
        if isinstance(pool_, dict):
            pool_ = pool_.get(domain) or pool_["_"]
        return fill(choice(pool_))

    def brand_post(t: int, parent: int, root: int, p: dict, cust_id: str, lang: str, category: str) -> int:
        texts = _BRAND_EN if lang == "en" else _BRAND_FR
        text = f"@{cust_id} {choice(texts[category])}"
        if rand() < p["employee"]:
            initials = choice(p["staff"])
            author, role = f"{p['handle']}/{initials}", "employee"
            text = f"{text} {p['sign']}{initials}"
        else:
            author, role = p["handle"], "brand"
        i = len(ev)
        push((t, parent, root, p["handle"], author, role, p["followers"], text, lang_tag(lang)))
        return i

    def office(t: int, hours) -> int:
        if hours is None:
            return t
        h = (t % 86_400) // 3600
        if hours[0] <= h < hours[1]:
            return t
        day = t // 86_400 + (1 if h >= hours[1] else 0)
        return day * 86_400 + hours[0] * 3600 + int(expo(1 / 1800))

    def conversation(t0: int) -> None:
        r = rand() * total_w
        k = 0
        while cum[k] < r:
            k += 1
        p = profiles[k]
        domain, handle = p["domain"], p["handle"]
        if p["lang"] == "fr":
            lang = "fr" if rand() < 0.95 else "en"
        else:
            lang = "fr" if rand() < 0.04 else "en"
        brand_lang = lang if (p["lang"] == "fr" or lang == "en" or rand() < 0.5) else "en"
        cust_id, cust_f = customer()
        r = rand()
        category = "complaint" if r < 0.45 else "question" if r < 0.75 else "sarcasm" if r < 0.87 else "praise"
        root = len(ev)
        push((t0, -1, root, handle, cust_id, "customer", cust_f,
              f"@{handle} {customer_text(lang, domain, category)}", lang_tag(lang)))
        last, t_last, t, turn = root, t0, t0, 0
        while True:
            # the brand's answer to this turn, if any
            answer_at = None
            if rand() < p["answer"]:
                answer_at = office(t + 1 + int(lognorm(p["mu"], p["latency_sigma"])), p["hours"])
            # a peer (another customer) answers
            if rand() < p["peer"]:
                tp = t + 30 + int(expo(1 / 900))
                peer_id, peer_f = customer()
                if peer_id != cust_id:
                    pi = len(ev)
                    push((tp, last, root, handle, peer_id, "customer", peer_f,
                          f"@{cust_id} {fill(choice(_PEER[lang]))}", lang_tag(lang)))
                    if rand() < 0.35:
                        tq = tp + 20 + int(expo(1 / 600))
                        if answer_at is None or tq < answer_at:
                            push((tq, pi, root, handle, cust_id, "customer", cust_f,
                                  f"@{peer_id} {choice(_PEER_THANKS[lang])}", lang_tag(lang)))
                            last, t_last = len(ev) - 1, tq
            # follow-ups by the customer while the turn is open
            fprob = p["followup"] if answer_at is not None else p["followup"] + 0.35
            tf = t_last
            while rand() < fprob:
                tf = tf + 60 + int(expo(1 / 1500))
                if answer_at is not None and tf >= answer_at:
                    break
                fi = len(ev)
                push((tf, last, root, handle, cust_id, "customer", cust_f,
                      f"@{handle} {customer_text(lang, domain, 'followup')}", lang_tag(lang)))
                last, t_last = fi, tf
                fprob *= 0.5
            if answer_at is None:
                return  # unanswered turn: the conversation dies here
            kind = "praise" if category == "praise" else "welcome" if category == "thanks" else \
                "again" if category == "unhappy" else "ack"
            bi = brand_post(answer_at, last, root, p, cust_id, brand_lang, kind)
            t_end = answer_at
            if kind in ("ack", "again") and rand() < p["parts"]:
                t_end = answer_at + 15 + int(rand() * 90)
                bi = brand_post(t_end, bi, root, p, cust_id, brand_lang, "part2")
            turn += 1
            if category in ("praise", "thanks") or turn >= 5 or rand() > p["cont"] / turn:
                return
            # the customer comes back: a new turn
            category = "thanks" if rand() < 0.5 else "unhappy"
            t = t_end + 20 + int(expo(1 / 1200))
            ci = len(ev)
            push((t, bi, root, handle, cust_id, "customer", cust_f,
                  f"@{handle} {customer_text(lang, domain, category)}", lang_tag(lang)))
            last, t_last = ci, t

    # Conversations in start order until the first `events` posts in event time are
    # settled: `cut` is the time of the events-th earliest post so far. It can only
    # move earlier as conversations are added, and a conversation starting after it
    # cannot contribute, so we stop there (re-estimating it now and then keeps the
    # overshoot small: answers scheduled far ahead make the first estimate late).
    t0 = float(t_start)
    cut: int | None = None
    check_at = events
    while True:
        hour = int(t0 % 86_400) // 3600
        t0 += expo(rate_per_s * _DIURNAL[hour])
        ti = int(t0)
        if cut is not None and ti > cut:
            break
        conversation(ti)
        if len(ev) >= check_at:
            cut = sorted([e[0] for e in ev])[events - 1]
            check_at = len(ev) + max(1000, events // 10)

    n = len(ev)
    times = [e[0] for e in ev]
    order = sorted(range(n), key=times.__getitem__)  # stable: ties stay in index order
    del order[events:]
    rank = [0] * n
    for r_, i in enumerate(order):
        rank[i] = r_
    prefix = f"g{seed}-"
    width = max(6, len(str(events - 1)))
    ids = [f"{prefix}{r_:0{width}d}" for r_ in range(events)]

    # arrival order: most events on time, some late by up to max_disorder_s
    if max_disorder_s > 0 and late_fraction > 0:
        arrival = []
        for i in order:
            t = times[i]
            if rand() < late_fraction:
                t += 1 + int(rand() * max_disorder_s)
            arrival.append(t)
        # stable sort: equal arrival times keep event-time order
        arrival_order = [order[r_] for r_ in sorted(range(events), key=arrival.__getitem__)]
    else:
        arrival_order = order

    fmt = _Clock().fmt
    out = []
    append = out.append
    for i in arrival_order:
        t, parent, root, brand, author, role, followers, text, lang = ev[i]
        eid = ids[rank[i]]
        if parent < 0:
            append({"kind": "mention", "event_id": eid, "conversation_id": eid, "in_reply_to": None,
                    "brand": brand, "author_id": author, "author_role": role,
                    "author_followers": followers, "text": text, "lang": lang, "created_at": fmt(t)})
        else:
            append({"kind": "reply", "event_id": eid, "conversation_id": ids[rank[root]],
                    "in_reply_to": ids[rank[parent]], "brand": brand, "author_id": author,
                    "author_role": role, "author_followers": followers, "text": text, "lang": lang,
                    "created_at": fmt(t)})
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m cluetrain.sources.generate SEED EVENTS [OUT.jsonl]`."""
    import sys
    import time

    from cluetrain.sources.jsonl import write_jsonl

    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        print("usage: python -m cluetrain.sources.generate SEED EVENTS [OUT.jsonl]", file=sys.stderr)
        return 2
    try:
        seed, n = int(args[0]), int(args[1])
        began = time.perf_counter()
        evs = generate(seed, n)
        took = time.perf_counter() - began
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if len(args) == 3:
        write_jsonl(evs, args[2])
    else:
        write_jsonl(evs, sys.stdout)
    print(f"generated {len(evs)} events in {took:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
