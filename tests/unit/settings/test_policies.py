"""The policy file (CLUETRAIN_POLICIES): a good file gives each brand its policy; every
bad one is one line naming the file, the key (or line) and what is expected."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cluetrain.domain.calendar import ALWAYS_OPEN, BusinessCalendar
from cluetrain.settings import Settings, SettingsError
from cluetrain.settings.policies import load_policies

GOOD = """
[default]
timezone = "UTC"
first_reply_sla_s = 3600
next_reply_sla_s = 3600

[brands.acme]
timezone = "Europe/Paris"
first_reply_sla_s = 1800
next_reply_sla_s = 7200
hours = { mon = ["09:00-12:00", "13:00-18:00"], tue = ["09:00-18:00"], fri = ["22:00-02:00"], sat = [] }
holidays = ["2026-03-04", 2026-12-25]

[[brands.acme.priority]]
name = "vip"
min_followers = 10000
first_reply_sla_s = 600
next_reply_sla_s = 1200

[[brands.acme.priority]]
name = "angry"
keywords = ["refund", "never arrived"]
max_sentiment = -0.5

[brands.zen]
next_reply_sla_s = 60
"""


def write(tmp_path, text: str) -> str:
    path = tmp_path / "policies.toml"
    path.write_text(text)
    return str(path)


def test_a_good_file_gives_each_brand_its_policy(tmp_path):
    settings = Settings.from_env({"CLUETRAIN_POLICIES": write(tmp_path, GOOD), "CLUETRAIN_DEFAULT_SLA_S": "900"})
    policies = settings.sla_policies()
    acme = policies.for_brand("acme")
    assert isinstance(acme.calendar, BusinessCalendar) and str(acme.calendar.tz) == "Europe/Paris"
    assert (acme.first_reply_ms, acme.next_reply_ms) == (1800_000, 7200_000)
    assert [r.name for r in acme.rules] == ["vip", "angry"]
    assert (acme.rules[1].first_reply_ms, acme.rules[1].next_reply_ms) == (1800_000, 7200_000)  # inherited
    assert len(acme.calendar.holidays) == 2
    zen = policies.for_brand("zen")  # left-out target: CLUETRAIN_DEFAULT_SLA_S, not [default]
    assert zen.calendar is ALWAYS_OPEN and (zen.first_reply_ms, zen.next_reply_ms) == (900_000, 60_000)
    other = policies.for_brand("other")
    assert other.calendar is ALWAYS_OPEN and other.first_reply_ms == 3600_000


def test_escalation_levels_by_fraction_else_the_warning_setting(tmp_path):
    text = GOOD.replace("[brands.zen]\n", "[brands.zen]\nescalations = [{ at = 2.5, kind = \"sla_escalation\", "
                        "severity = \"high\" }, { at = 0.5, kind = \"sla_warning\" }]\n")
    text = text.replace("[brands.acme]\n", "[brands.acme]\nescalations = []\n")
    policies = Settings.from_env({"CLUETRAIN_POLICIES": write(tmp_path, text)}).sla_policies()
    zen = policies.for_brand("zen").levels(0.75)
    assert [(e.kind, e.at, e.severity, e.suffix) for e in zen] == [
        ("sla_warning", 0.5, None, "warning"), ("sla_escalation", 2.5, "high", "escalation")]
    assert policies.for_brand("acme").levels(0.75) == ()  # [] turns every level off
    default = policies.for_brand("other")  # no escalations: the warning setting, as without a file
    assert [(e.kind, e.at) for e in default.levels(0.75)] == [("sla_warning", 0.75)] and default.levels(0) == ()


def test_a_team_map_gives_each_responder_its_team(tmp_path):
    text = GOOD.replace("[brands.zen]\n", "[brands.zen]\nteams = { day = [\"zen/AB\", \"zen/CD\"], night = [\"zen/EF\"] }\n")
    policies = Settings.from_env({"CLUETRAIN_POLICIES": write(tmp_path, text)}).sla_policies()
    assert policies.for_brand("zen").teams == {"zen/AB": "day", "zen/CD": "day", "zen/EF": "night"}
    assert policies.for_brand("acme").teams == {}


def test_the_example_file_loads_with_every_feature():
    example = os.path.join(os.path.dirname(__file__), "..", "..", "..", "deploy", "policies.example.toml")
    policies = Settings.from_env({"CLUETRAIN_POLICIES": example}).sla_policies()
    sky = policies.for_brand("skyhop_air")
    assert isinstance(sky.calendar, BusinessCalendar) and str(sky.calendar.tz) == "Europe/Paris"
    assert [r.name for r in sky.rules] == ["vip", "urgent", "upset"] and len(sky.calendar.holidays) == 2
    assert [e.kind for e in sky.levels(0.75)] == ["sla_warning", "sla_escalation", "sla_critical"]
    assert sky.teams["skyhop_air/AB"] == "day" and sky.teams["skyhop_air/TL"] == "evening"
    assert policies.for_brand("telconnect_care").teams["telconnect_care/NS"] == "night"
    assert policies.for_brand("northbank_help").calendar is ALWAYS_OPEN
    other = policies.for_brand("pixelplay_support")  # the [default] table
    assert isinstance(other.calendar, BusinessCalendar) and [e.at for e in other.levels(0.75)] == [0.75, 2.0]


def test_without_a_file_every_brand_is_24_7_with_its_sla():
    policies = Settings.from_env({"CLUETRAIN_BRAND_SLA": "acme=600"}).sla_policies()
    acme = policies.for_brand("acme")
    assert acme.calendar is ALWAYS_OPEN and (acme.first_reply_ms, acme.next_reply_ms) == (600_000, 600_000)
    assert policies.for_brand("x").first_reply_ms == 3600_000 and not policies.for_brand("x").rules


BAD = [
    ("[default]\ntimezone = \n", "line 2, column 12: TOML syntax error"),
    ("[default]\ntimezone = \"Europe/Pariss\"\n", "default.timezone: unknown timezone 'Europe/Pariss'"),
    ("[brands.acme]\ntimezone = \"../etc/passwd\"\n", "brands.acme.timezone: unknown timezone"),
    ("[brands.acme]\nhours = { mnd = [\"09:00-18:00\"] }\n", "brands.acme.hours.mnd: unknown weekday (expected one of mon,"),
    ("[brands.acme]\nhours = { mon = [\"9-18\"] }\n", "brands.acme.hours.mon[0]: expected a span \"HH:MM-HH:MM\""),
    ("[brands.acme]\nhours = { mon = [\"09:00-12:00\", \"13:00-25:00\"] }\n", "brands.acme.hours.mon[1]: expected a span"),
    ("[brands.acme]\nhours = { mon = [\"24:00-02:00\"] }\n", "brands.acme.hours.mon[0]: expected a span"),
    ("[brands.acme]\nhours = { mon = \"09:00-18:00\" }\n", "brands.acme.hours.mon: expected an array of spans"),
    ("[brands.acme]\nhours = { mon = [] }\n", "brands.acme.hours: expected at least one span a week"),
    ("[brands.acme]\nfirst_reply_sla_s = -5\n", "brands.acme.first_reply_sla_s: expected a positive whole number of seconds, got -5"),
    ("[default]\nnext_reply_sla_s = 0\n", "default.next_reply_sla_s: expected a positive whole number"),
    ("[default]\nnext_reply_sla_s = 1.5\n", "default.next_reply_sla_s: expected a positive whole number"),
    ("[default]\nfirst_reply = 60\n", "default.first_reply: unknown field (expected one of timezone,"),
    ("teams = {}\n", "teams: unknown field (expected one of default, brands)"),
    ("[brands.Acme]\n", "brands.Acme: expected a lower-case brand handle"),
    ("[brands.acme]\nholidays = [\"2026-02-30\"]\nhours = { mon = [\"09:00-18:00\"] }\n",
     "brands.acme.holidays[0]: expected a date YYYY-MM-DD, got '2026-02-30'"),
    ("[brands.acme]\nholidays = [\"2026-12-25\"]\n", "brands.acme.holidays: holidays need `hours`"),
    ("[[brands.acme.priority]]\nname = \"vip\"\n", "brands.acme.priority[0]: expected at least one condition"),
    ("[[brands.acme.priority]]\nname = \"vip\"\nmin_follower = 3\n", "brands.acme.priority[0].min_follower: unknown field"),
    ("[[brands.acme.priority]]\nmin_followers = 3\n", "brands.acme.priority[0].name: expected the priority's name"),
    ("[[brands.acme.priority]]\nname = \"normal\"\nmin_followers = 3\n", "'normal' is the priority of turns that no rule"),
    ("[[brands.acme.priority]]\nname = \"a\"\nmin_followers = 3\n[[brands.acme.priority]]\nname = \"a\"\nmin_followers = 4\n",
     "brands.acme.priority[1].name: priority 'a' is declared twice"),
    ("[[brands.acme.priority]]\nname = \"a\"\nmin_followers = -1\n", "brands.acme.priority[0].min_followers: expected a whole number >= 0"),
    ("[[brands.acme.priority]]\nname = \"a\"\nkeywords = []\n", "brands.acme.priority[0].keywords: expected a non-empty array"),
    ("[[brands.acme.priority]]\nname = \"a\"\nkeywords = \"refund\"\n", "brands.acme.priority[0].keywords: expected a non-empty array"),
    ("[[brands.acme.priority]]\nname = \"a\"\nmax_sentiment = -2\n", "brands.acme.priority[0].max_sentiment: expected a sentiment score in [-1, 1]"),
    ("[[brands.acme.priority]]\nname = \"a\"\nmax_sentiment = 0\nfirst_reply_sla_s = -1\n",
     "brands.acme.priority[0].first_reply_sla_s: expected a positive whole number"),
    ("[default]\nescalations = { at = 2 }\n", "default.escalations: expected an array of levels"),
    ("[brands.acme]\nteams = [\"care\"]\n", "brands.acme.teams: expected a table of teams"),
    ("[brands.acme]\nteams = { care = \"acme/JK\" }\n", "brands.acme.teams.care: expected a non-empty array of responder ids"),
    ("[brands.acme]\nteams = { care = [] }\n", "brands.acme.teams.care: expected a non-empty array"),
    ("[brands.acme]\nteams = { care = [\"acme/JK\"], vip = [\"acme/JK\"] }\n",
     "brands.acme.teams.vip: 'acme/JK' is already in team 'care'"),
    ("[default]\nescalations = [2.0]\n", "default.escalations[0]: expected a table { at ="),
    ("[default]\nescalations = [{ at = 1, kind = \"sla_breach\" }]\n",
     "default.escalations[0].at: expected a fraction of the target > 0 and <= 100, not 1 (the deadline is the breach"),
    ("[default]\nescalations = [{ at = -0.5, kind = \"sla_x\" }]\n", "default.escalations[0].at: expected a fraction"),
    ("[default]\nescalations = [{ at = \"75%\", kind = \"sla_x\" }]\n", "default.escalations[0].at: expected a fraction"),
    ("[default]\nescalations = [{ at = 0.5, kind = \"sla_a\" }, { at = 0.5, kind = \"sla_b\" }]\n",
     "default.escalations[1].at: two levels at 0.5 x the target"),
    ("[default]\nescalations = [{ at = 0.5, kind = \"warning\" }]\n",
     "default.escalations[0].kind: expected an alert kind sla_<name>"),
    ("[default]\nescalations = [{ at = 0.5, kind = \"sla_a\" }, { at = 2, kind = \"sla_a\" }]\n",
     "default.escalations[1].kind: alert kind 'sla_a' is declared twice"),
    ("[default]\nescalations = [{ at = 2, kind = \"sla_a\", severity = \"urgent\" }]\n",
     "default.escalations[0].severity: expected one of low, medium, high, critical, got 'urgent'"),
    ("[default]\nescalations = [{ at = 2, kind = \"sla_a\", level = 3 }]\n",
     "default.escalations[0].level: unknown field (expected one of at, kind, severity)"),
]


@pytest.mark.parametrize("text, message", BAD)
def test_a_bad_file_is_one_line_naming_the_file_the_key_and_what_is_expected(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"CLUETRAIN_POLICIES": path})
    line = str(raised.value)
    assert line.startswith(f"CLUETRAIN_POLICIES: {path}: ") and message in line and "\n" not in line


def test_a_missing_file_is_an_error_too(tmp_path):
    with pytest.raises(SettingsError, match=r"^CLUETRAIN_POLICIES: .*nope.toml: cannot read: No such file"):
        load_policies(str(tmp_path / "nope.toml"))


def test_the_command_line_prints_the_line_and_exits_non_zero(tmp_path):
    env = dict(os.environ, CLUETRAIN_POLICIES=write(tmp_path, "[brands.acme]\nhours = { mon = [\"9-18\"] }\n"))
    done = subprocess.run([sys.executable, "-m", "cluetrain", "query", "SELECT 1", "--clickhouse", str(tmp_path / "ch")],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"cluetrain: error: CLUETRAIN_POLICIES: {tmp_path / 'policies.toml'}: brands.acme.hours.mon[0]: expected a "
        "span \"HH:MM-HH:MM\" (00:00 to 23:59, an end up to 24:00; an end at or before the start runs past "
        "midnight), got '9-18'"]
