"""Settings: each declaration parses its default, bad values and unknown names give one
line naming the variable, combinations are checked wherever a Settings is built."""
import dataclasses
import re
from pathlib import Path

import pytest

from cluetrain.domain.brand_alerts import BrandAlertRules
from cluetrain.settings import NOT_SETTINGS, Settings, SettingsError, declarations

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("d", declarations(), ids=lambda d: d.name)
def test_every_setting_parses_its_default(d):
    raw = d.type.format(d.default)
    assert d.parse(raw) == d.default
    assert getattr(Settings.from_env({d.env_name: raw}), d.name) == d.default == getattr(Settings(), d.name)


def test_each_field_is_a_declared_setting_and_defaults_need_no_environment():
    assert [d.name for d in declarations()] == [f.name for f in dataclasses.fields(Settings)]
    assert all(d.doc and d.env_name == "CLUETRAIN_" + d.name.upper() for d in declarations())
    assert Settings.from_env({}) == Settings()


def test_env_values_are_parsed_and_frozen():
    s = Settings.from_env({"CLUETRAIN_PARTITIONS": "8", "CLUETRAIN_BRAND_SLA": "delta=1800, AmazonHelp=900",
                           "CLUETRAIN_SINK_FLUSH_INTERVAL_S": "0.5", "CLUETRAIN_ALLOWED_LATENESS_S": "0"})
    assert s.partitions == 8 and s.sink_flush_interval_s == 0.5 and s.allowed_lateness_s == 0
    assert s.sla_for("delta") == 1800 and s.sla_for("amazonhelp") == 900 and s.sla_for("other") == 3600
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.partitions = 2


def test_overrides_win_over_env_and_round_trip_through_env():
    s = Settings.from_env({"CLUETRAIN_PARTITIONS": "8"}, partitions=2, broker=None)
    assert s.partitions == 2 and s.broker == ""
    s2 = s.replace(brand_sla={"a": 10}, brand_alerts={"b": {"alert_min_volume": 3, "rate_drop_resolve": 0.9}})
    assert Settings.from_env(s2.to_env()) == s2


@pytest.mark.parametrize("env, message", [
    ({"CLUETRAIN_PARTITIONS": "four"}, "CLUETRAIN_PARTITIONS: expected an integer, got 'four'"),
    ({"CLUETRAIN_PARTITIONS": "0"}, "CLUETRAIN_PARTITIONS: must be > 0, got 0"),
    ({"CLUETRAIN_ALLOWED_LATENESS_S": "-1"}, "CLUETRAIN_ALLOWED_LATENESS_S: must be >= 0, got -1"),
    ({"CLUETRAIN_SLA_WARNING_FRACTION": "1"}, r"CLUETRAIN_SLA_WARNING_FRACTION: must be in \[0, 1\), got 1.0"),
    ({"CLUETRAIN_SINK_FLUSH_INTERVAL_S": "nan"}, "CLUETRAIN_SINK_FLUSH_INTERVAL_S: must be > 0, got nan"),
    ({"CLUETRAIN_RATE_DROP_RESOLVE": "1.5"}, r"CLUETRAIN_RATE_DROP_RESOLVE: must be in \(0, 1\], got 1.5"),
    ({"CLUETRAIN_BRAND_SLA": "delta"}, "CLUETRAIN_BRAND_SLA: expected brand=seconds, got 'delta'"),
    ({"CLUETRAIN_BRAND_SLA": "delta=soon"}, "CLUETRAIN_BRAND_SLA: delta: expected an integer, got 'soon'"),
    ({"CLUETRAIN_BRAND_SLA": "delta=0"}, "CLUETRAIN_BRAND_SLA: delta: must be > 0, got 0"),
    ({"CLUETRAIN_BROKER_PROFILE": "cloud"}, "CLUETRAIN_BROKER_PROFILE: expected auto, local or kafka, got 'cloud'"),
    ({"CLUETRAIN_ENGINE": "spark"}, "CLUETRAIN_ENGINE: expected bulk or faust, got 'spark'"),
    ({"CLUETRAIN_BRAND_ALERTS": "delta:sla=3"}, "CLUETRAIN_BRAND_ALERTS: unknown setting in 'sla=3'"),
    ({"CLUETRAIN_BRAND_ALERTS": "delta"}, "CLUETRAIN_BRAND_ALERTS: expected brand:name=value"),
    ({"CLUETRAIN_BRAND_ALERTS": "delta:alert_min_volume=2.5"},
     "CLUETRAIN_BRAND_ALERTS: expected an integer, got '2.5'"),
    ({"CLUETRAIN_BRAND_ALERTS": "delta:negativity_ratio=0"},
     "CLUETRAIN_BRAND_ALERTS: delta: negativity_ratio must be > 0, got 0.0"),
    ({"CLUETRAIN_WEBHOOK_URL": "hooks.example/T/B/x", "CLUETRAIN_WEBHOOK_SECRET": "k"},
     "CLUETRAIN_WEBHOOK_URL: must start with http:// or https://"),
])
def test_bad_values_give_one_line_naming_the_variable(env, message):
    with pytest.raises(SettingsError, match=f"^{message}") as caught:
        Settings.from_env(env)
    assert "\n" not in str(caught.value) and "T/B/x" not in str(caught.value)  # a webhook URL is a credential


def test_values_given_in_code_are_checked_too():
    with pytest.raises(SettingsError, match="^CLUETRAIN_PARTITIONS: must be > 0, got 0$"):
        Settings.from_env({}, partitions=0)  # e.g. --partitions 0
    with pytest.raises(SettingsError, match="^CLUETRAIN_WORKERS: expected an integer, got '2'$"):
        Settings(workers="2")
    with pytest.raises(SettingsError, match="^CLUETRAIN_TICK_MIN_EVENTS: must be > 0"):
        Settings().replace(tick_min_events=-1)


def test_an_unknown_name_is_an_error_naming_the_closest_setting():
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"CLUETRAIN_PARTITION": "8"})
    assert str(caught.value) == "unknown setting CLUETRAIN_PARTITION (did you mean CLUETRAIN_PARTITIONS?)"
    with pytest.raises(SettingsError, match="^unknown setting CLUETRAIN_WEBHOOK_SECRETS .*CLUETRAIN_WEBHOOK_SECRET"):
        Settings.from_env({"CLUETRAIN_WEBHOOK_SECRETS": "k"})
    with pytest.raises(SettingsError, match=r"^unknown setting CLUETRAIN_ZZZ \(the settings are listed in README"):
        Settings.from_env({"CLUETRAIN_ZZZ": "1"})
    # other variables are none of our business; the names read elsewhere on purpose pass
    assert Settings.from_env({"CLUETRAIN": "x", "PATH": "/bin", **{name: "1" for name in NOT_SETTINGS}}) == Settings()


def test_every_cluetrain_name_in_the_repository_is_a_setting_or_exempt():
    """A CLUETRAIN_* variable read outside Settings would be rejected as unknown: declare it
    or add it to NOT_SETTINGS with the reason."""
    known = {d.env_name for d in declarations()} | set(NOT_SETTINGS)
    files = [p for folder in ("cluetrain", "bench", "tests", "tools", "deploy", ".ci") for p in (ROOT / folder).rglob("*")
             if p.is_file() and p.suffix in (".py", ".sh", ".md", ".service", "") and "__pycache__" not in p.parts
             and p != Path(__file__)]  # this file names unknown ones on purpose
    files += [ROOT / "Makefile", ROOT / "README.md"]
    names = {name for p in files for name in re.findall(r"CLUETRAIN_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_]*\*)",
                                                        p.read_text(errors="replace"))}
    assert names - known == set()
    assert {"CLUETRAIN_DEBUG", "CLUETRAIN_PARTITIONS"} <= names


@pytest.mark.parametrize("env, message", [
    ({"CLUETRAIN_WORKERS": "3", "CLUETRAIN_PARTITIONS": "2", "CLUETRAIN_CLICKHOUSE": "clickhouse://h:9000"},
     "CLUETRAIN_WORKERS: 3 workers for 2 partitions would leave some idle"),
    ({"CLUETRAIN_WORKERS": "2"}, "CLUETRAIN_WORKERS: 2 workers need a ClickHouse server"),
    ({"CLUETRAIN_RATE_DROP_BELOW": "0.8"},
     r"CLUETRAIN_RATE_DROP_BELOW \(0.8\) must be <= CLUETRAIN_RATE_DROP_RESOLVE \(0.7\)"),
    ({"CLUETRAIN_BRAND_ALERTS": "delta:rate_drop_below=0.75"},
     r"CLUETRAIN_BRAND_ALERTS: delta: CLUETRAIN_RATE_DROP_BELOW \(0.75\) must be <= CLUETRAIN_RATE_DROP_RESOLVE \(0.7\)"),
    ({"CLUETRAIN_BRAND_ALERTS": "delta:rate_drop_resolve=0.4"},
     r"CLUETRAIN_BRAND_ALERTS: delta: CLUETRAIN_RATE_DROP_BELOW \(0.5\) must be <= CLUETRAIN_RATE_DROP_RESOLVE \(0.4\)"),
    ({"CLUETRAIN_WEBHOOK_URL": "https://hooks.example/T/B/x"},
     r"CLUETRAIN_WEBHOOK_SECRET: required when CLUETRAIN_WEBHOOK_URL is set \(the body is signed with it\)"),
])
def test_combinations_are_checked_in_one_place(env, message):
    with pytest.raises(SettingsError, match=f"^{message}"):
        Settings.from_env(env)


def test_valid_combinations_pass():
    s = Settings.from_env({"CLUETRAIN_WORKERS": "2", "CLUETRAIN_CLICKHOUSE": "clickhouse://h:9000",
                           "CLUETRAIN_RATE_DROP_BELOW": "0.7", "CLUETRAIN_BRAND_ALERTS": "delta:rate_drop_resolve=0.9",
                           "CLUETRAIN_WEBHOOK_URL": "https://hooks.example/T/B/x", "CLUETRAIN_WEBHOOK_SECRET": "k"})
    assert (s.workers, s.brand_alert_rules("delta").rate_high) == (2, 0.9)
    assert "T/B/x" not in repr(s) and "'k'" not in repr(s)  # credentials stay out of logs


def test_local_profile_applies_to_the_embedded_broker_only():
    assert Settings.from_env({}).local_broker
    assert not Settings.from_env({"CLUETRAIN_BROKER": "kafka://k:9092"}).local_broker
    assert Settings.from_env({"CLUETRAIN_BROKER": "kafka://k:9092", "CLUETRAIN_BROKER_PROFILE": "local"}).local_broker


def test_brand_alert_thresholds_can_be_set_per_brand():
    s = Settings.from_env({"CLUETRAIN_BRAND_ALERTS": "Delta:rate_drop_below=0.6;alert_min_volume=20,acme:negativity_ratio=3",
                           "CLUETRAIN_RATE_DROP_BELOW": "0.4"})
    assert s.brand_alert_rules("delta").rate_low == 0.6 and s.brand_alert_rules("delta").min_volume == 20
    assert s.brand_alert_rules("acme").ratio == 3 and s.brand_alert_rules("acme").rate_low == 0.4
    assert s.brand_alert_rules("other").rate_low == 0.4
    assert Settings.from_env(s.to_env()) == s


def test_every_brand_alert_rule_but_the_fixed_one_comes_from_a_setting():
    rules = {d.brand_rule for d in declarations() if d.brand_rule}
    assert rules == {f.name for f in dataclasses.fields(BrandAlertRules)} - {"resolve_ratio"}
    assert Settings().brand_alert_rules() == BrandAlertRules(min_volume=10, rate_low=0.5, rate_high=0.7,
                                                             min_share=0.2, ratio=2.0)


def test_the_broker_url_is_validated_without_quoting_it():
    from cluetrain.settings import Settings, SettingsError

    for good in ("kafka://127.0.0.1:9092", "h1:9092,h2:9093", "[::1]:9092", ""):
        assert Settings.from_env({}, broker=good).broker == good
    for bad in ("notaurl", "kafka://h:99999", "http://h:9092", "kafka://user:S3cr3t@h:9092", "kafka://h:"):
        try:
            Settings.from_env({"CLUETRAIN_BROKER": bad})
        except SettingsError as exc:
            assert str(exc).startswith("CLUETRAIN_BROKER: expected kafka://host:port") and "S3cr3t" not in str(exc)
        else:
            raise AssertionError(f"{bad!r} accepted")
