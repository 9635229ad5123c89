"""Who posts and when in the synthetic stream (generate.py): brand profiles, daily cycle.

A profile's fields: handle, domain (selects the customers' texts), lang, weight
(relative share of the conversations), followers (the brand's audience); latency_s,
the median of the log-normal answer latency (sigma latency_sigma); answer, the
probability that a turn gets answered; employee, the share of brand-side posts signed
by an employee (initials from staff, after the marker `sign`); peer, the probability
that another customer answers a turn; followup, the probability of a "still waiting"
while a turn is open; cont, the probability of the customer coming back after an
answer (divided by the turn number); hours, office hours (UTC, start and end hour)
or None; parts, the probability of a second part ("2/2") after an answer.
"""
from __future__ import annotations

import math
import random

PROFILES: list[dict] = [
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

# Relative conversation rate by hour of the day (UTC): quiet nights, busy afternoons.
DIURNAL = [0.25, 0.18, 0.15, 0.15, 0.2, 0.35, 0.6, 0.9, 1.2, 1.35, 1.4, 1.45,
           1.5, 1.5, 1.45, 1.4, 1.4, 1.45, 1.5, 1.45, 1.3, 1.05, 0.75, 0.45]
DIURNAL_MEAN = sum(DIURNAL) / 24


def brand_profiles(n: int, rng: random.Random) -> list[dict]:
    """The first `n` profiles, PROFILES repeated with a numeric suffix and jittered
    habits (drawing from `rng`) past the sixth; each with "mu", log of latency_s."""
    out = []
    for i in range(n):
        base = dict(PROFILES[i % len(PROFILES)])
        copy = i // len(PROFILES)
        if copy:
            base["handle"] = f"{base['handle']}_{copy + 1}"
            base["latency_s"] = base["latency_s"] * rng.uniform(0.6, 1.6)
            base["answer"] = min(0.98, max(0.2, base["answer"] + rng.uniform(-0.1, 0.1)))
            base["weight"] = base["weight"] * rng.uniform(0.5, 1.2)
            base["followers"] = int(base["followers"] * rng.uniform(0.3, 1.5))
        base["mu"] = math.log(base["latency_s"])
        out.append(base)
    return out
