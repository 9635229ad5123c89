"""The conversations of the synthetic stream (generate.py): who says what, and when.

`conversation_writer` returns `conversation(t0)`, which simulates one conversation
starting at t0 (epoch seconds) and appends its posts to `posts`, one tuple per post:
(t, parent index or -1, root index, brand, author, role, followers, text, lang or
None); indexes are positions in `posts`. The story of a conversation is told in
generate.py's docstring.

Every random draw comes from the one `rng` given, in a fixed order: changing the
order of the draws (or their number) changes the stream of every seed.
"""
from __future__ import annotations

import random
from typing import Callable

from cluetrain.sources.generate_texts import (
    BRAND_EN,
    BRAND_FR,
    CITIES,
    CUSTOMER_EN,
    CUSTOMER_FR,
    PEER,
    PEER_THANKS,
)


def conversation_writer(
    rng: random.Random, profiles: list[dict], pool: int, posts: list[tuple]
) -> Callable[[int], None]:
    """`conversation(t0)` for brands `profiles` (see generate_profiles) and customers
    drawn from `pool` ids, appending to `posts`. Closures, not a class: this is the
    hot loop of generate() and local names are the fastest to reach."""
    rand, expo, lognorm = rng.random, rng.expovariate, rng.lognormvariate

    def choice(seq):  # like rng.choice, cheaper (same randomness source)
        return seq[int(rand() * len(seq))]

    cum, acc = [], 0.0
    for p in profiles:
        acc += p["weight"]
        cum.append(acc)
    total_w = acc

    customers: dict[int, tuple[str, int | None]] = {}  # pool index -> (author_id, followers)

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

    push = posts.append

    def lang_tag(lang: str) -> str | None:
        return lang if rand() < 0.33 else None

    def fill(template: str) -> str:
        if "{" not in template:
            return template
        return template.format(n=1 + int(rand() * 9), city=choice(CITIES), g=choice("ABCDE"))

    def customer_text(lang: str, domain: str, category: str) -> str:
        table = CUSTOMER_EN if lang == "en" else CUSTOMER_FR
        pool_ = table[category]
        if isinstance(pool_, dict):
            pool_ = pool_.get(domain) or pool_["_"]
        return fill(choice(pool_))

    def brand_post(t: int, parent: int, root: int, p: dict, cust_id: str, lang: str, category: str) -> int:
        texts = BRAND_EN if lang == "en" else BRAND_FR
        text = f"@{cust_id} {choice(texts[category])}"
        if rand() < p["employee"]:
            initials = choice(p["staff"])
            author, role = f"{p['handle']}/{initials}", "employee"
            text = f"{text} {p['sign']}{initials}"
        else:
            author, role = p["handle"], "brand"
        i = len(posts)
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

        def customer_to_brand(t: int, parent: int, category: str) -> int:
            """Posts the customer's message @brand; its index in `posts`."""
            i = len(posts)
            push((t, parent, root, handle, cust_id, "customer", cust_f,
                  f"@{handle} {customer_text(lang, domain, category)}", lang_tag(lang)))
            return i

        root = len(posts)
        customer_to_brand(t0, -1, category)
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
                    pi = len(posts)
                    push((tp, last, root, handle, peer_id, "customer", peer_f,
                          f"@{cust_id} {fill(choice(PEER[lang]))}", lang_tag(lang)))
                    if rand() < 0.35:
                        tq = tp + 20 + int(expo(1 / 600))
                        if answer_at is None or tq < answer_at:
                            push((tq, pi, root, handle, cust_id, "customer", cust_f,
                                  f"@{peer_id} {choice(PEER_THANKS[lang])}", lang_tag(lang)))
                            last, t_last = len(posts) - 1, tq
            # follow-ups by the customer while the turn is open
            fprob = p["followup"] if answer_at is not None else p["followup"] + 0.35
            tf = t_last
            while rand() < fprob:
                tf = tf + 60 + int(expo(1 / 1500))
                if answer_at is not None and tf >= answer_at:
                    break
                last, t_last = customer_to_brand(tf, last, "followup"), tf
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
            last, t_last = customer_to_brand(t, bi, category), t

    return conversation
