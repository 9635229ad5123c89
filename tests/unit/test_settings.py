import dataclasses
import re
from pathlib import Path

import pytest

from cluetrain.settings import SETTINGS_DOC, Settings, SettingsError, markdown_table

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_match_the_documented_defaults():
    settings = Settings.from_env({})
    for f in dataclasses.fields(Settings):
        documented = SETTINGS_DOC[f.name][0]
        value = getattr(settings, f.name)
        if f.name in ("brand_sla", "brand_alerts"):
            assert value == {} and documented == ""
        else:
            assert str(value) == documented, f.name


def test_every_field_is_documented_and_the_readme_table_is_current():
    assert [f.name for f in dataclasses.fields(Settings)] == list(SETTINGS_DOC)
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- settings-table:start -->\n(.*?)\n<!-- settings-table:end -->", readme, re.S)
    assert block and block.group(1) == markdown_table(), "regenerate with: python -m cluetrain.settings"


def test_env_values_are_parsed_and_frozen():
    s = Settings.from_env({"CLUETRAIN_PARTITIONS": "8", "CLUETRAIN_BRAND_SLA": "delta=1800, amazonhelp=900",
                           "CLUETRAIN_SINK_FLUSH_INTERVAL_S": "0.5", "CLUETRAIN_ALLOWED_LATENESS_S": "0"})
    assert s.partitions == 8 and s.sink_flush_interval_s == 0.5 and s.allowed_lateness_s == 0
    assert s.sla_for("delta") == 1800 and s.sla_for("other") == 3600
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.partitions = 2


def test_overrides_win_over_env_and_round_trip_through_env():
    s = Settings.from_env({"CLUETRAIN_PARTITIONS": "8"}, partitions=2, broker=None)
    assert s.partitions == 2 and s.broker == ""
    s2 = s.replace(brand_sla={"a": 10})
    assert Settings.from_env(s2.to_env()) == s2


@pytest.mark.parametrize("env, message", [
    ({"CLUETRAIN_PARTITIONS": "four"}, "CLUETRAIN_PARTITIONS: expected an integer"),
    ({"CLUETRAIN_PARTITIONS": "0"}, "must be > 0"),
    ({"CLUETRAIN_BRAND_SLA": "delta"}, "expected brand=seconds"),
    ({"CLUETRAIN_BROKER_PROFILE": "cloud"}, "expected auto, local or kafka"),
])
def test_bad_values_give_one_clear_error(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


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
    with pytest.raises(SettingsError, match="unknown setting"):
        Settings.from_env({"CLUETRAIN_BRAND_ALERTS": "delta:sla=3"})
