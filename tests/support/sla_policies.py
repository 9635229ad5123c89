"""A policy file that gives each brand of the generator (and `acme`, for hand-made
turns) another feature of DESIGN.md § SLA policies: the oracle and crash tests run the
pipeline with it."""
from __future__ import annotations

EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def hours(*spans: str, days=EVERY_DAY) -> str:
    return "{ " + ", ".join(f"{d} = [{', '.join(repr(s).replace(chr(39), chr(34)) for s in spans)}]"
                            for d in days) + " }"


def policy_file(holiday: str) -> str:
    """The generator's brands and `acme` (hand-made turns), each with another feature."""
    return f"""
[default]                        # pixelplay_support: weekdays only, in UTC
first_reply_sla_s = 3600
next_reply_sla_s = 7200
hours = {hours("09:00-17:00", days=("mon", "tue", "wed", "thu", "fri"))}

[brands.skyhop_air]              # split shifts, priorities, escalation levels past the deadline
timezone = "Europe/Paris"
first_reply_sla_s = 1800
next_reply_sla_s = 3600
hours = {hours("07:00-12:00", "13:30-21:00")}
escalations = [{{ at = 0.5, kind = "sla_warning" }}, {{ at = 2, kind = "sla_escalation", severity = "high" }},
               {{ at = 4, kind = "sla_critical", severity = "critical" }}]

teams = {{ day = ["skyhop_air/AB", "skyhop_air/DW", "skyhop_air/EH"], night = ["skyhop_air/JK", "skyhop_air/KC"] }}

[[brands.skyhop_air.priority]]
name = "vip"
min_followers = 10000
first_reply_sla_s = 600
next_reply_sla_s = 1200

[[brands.skyhop_air.priority]]
name = "angry"
max_sentiment = -0.3
first_reply_sla_s = 900

[[brands.skyhop_air.priority]]
name = "baggage"
keywords = ["bag", "luggage", "lost"]
next_reply_sla_s = 600

[brands.telconnect_care]         # a span past midnight
timezone = "America/New_York"
first_reply_sla_s = 2700
hours = {hours("09:00-12:00", "20:00-02:00")}

[brands.freshmart]               # a holiday: its spans are closed, not the night span before it
timezone = "Europe/Paris"
hours = {hours("08:00-20:00", "22:00-01:00")}
holidays = ["{holiday}"]
escalations = []                 # no level but the breach

[brands.railvoyage_fr]           # spans across the DST night
timezone = "Europe/Paris"
first_reply_sla_s = 1200
hours = {hours("01:30-03:30", "06:00-23:00")}

[brands.northbank_help]          # 24/7, with first/next targets and a priority
first_reply_sla_s = 1800
next_reply_sla_s = 600

[[brands.northbank_help.priority]]
name = "card"
keywords = ["card"]
first_reply_sla_s = 300

[brands.acme]                    # one hour a day: hand-made edge cases
timezone = "Europe/Paris"
first_reply_sla_s = 1800
next_reply_sla_s = 600
hours = {hours("09:00-10:00")}
escalations = [{{ at = 1.5, kind = "sla_escalation" }}]
"""


def write_policy_file(directory, holiday: str) -> str:
    path = directory / "policies.toml"
    path.write_text(policy_file(holiday))
    return str(path)
