"""A SIGKILL can cut the state saved after a batch anywhere: every cut must recover exactly.

Regression: the meta record (clocks) used to be saved before the conversations and the
offsets after them; a cut that kept the new clocks but lost the offsets restored a
watermark ahead of the re-delivered records, and a turn answered in time came out
'answered_late'. Now the conversations are saved first and one meta record (clocks,
horizon, offsets) last.
"""
from __future__ import annotations

import orjson
import pytest

from cluetrain.settings import Settings
from cluetrain.processing.processor import PipelineProcessor
from cluetrain.sinks.tables import rows_of
from tests.support.pipeline_driver import FinalTables, as_plain, replay_to_memory


def ev(kind, event_id, conv, t, role="customer", reply_to=None, brand="acme"):
    return {"kind": kind, "event_id": event_id, "conversation_id": conv, "in_reply_to": reply_to, "brand": brand,
            "author_id": "a-" + event_id if role == "customer" else brand, "author_role": role,
            "author_followers": None, "text": "still waiting" if role == "customer" else "sorry, we are on it",
            "lang": "en", "created_at": t}


EVENTS = [
    ev("mention", "m1", "m1", "2026-01-05T10:00:00Z"),
    ev("mention", "m2", "m2", "2026-01-05T10:05:00Z"),
    ev("reply", "r1", "m1", "2026-01-05T10:50:00Z", role="brand", reply_to="m1"),  # in time (deadline 11:00)
    ev("mention", "m3", "m3", "2026-01-05T12:30:00Z"),  # moves the clock past m1's deadline + lateness
    ev("reply", "r2", "m2", "2026-01-05T12:40:00Z", role="brand", reply_to="m2"),  # late answer
    ev("mention", "m4", "m4", "2026-01-05T14:00:00Z"),
]


def all_records(settings):
    broker = replay_to_memory(settings, [orjson.dumps(e) for e in EVENTS])
    records = []
    for topic in settings.input_topics:
        records += broker.records(topic, 0)
    return broker, records


def run(settings, batches, processor, tables, saved):
    for batch in batches:
        out = processor.process(batch, now_ms=0)
        tables.write(rows_of(out))
        for part, (convs, meta) in out.state.items():
            saved.setdefault(part, ({}, None))
            old_convs, old_meta = saved[part]
            saved[part] = ({**old_convs, **convs}, meta if meta is not None else old_meta)


# acme open 10:00-10:30 and 12:00-18:00: m1's deadline moves from 11:00 to 12:30, m2's to 12:35
POLICY = """
[brands.acme]
first_reply_sla_s = 3600
hours = { mon = ["10:00-10:30", "12:00-18:00"] }
"""


@pytest.mark.parametrize("policy", [None, POLICY], ids=["24/7", "business hours"])
def test_every_cut_of_every_save_recovers_the_same_turns(tmp_path, policy):
    env = {}
    if policy:
        (tmp_path / "policies.toml").write_text(policy)
        env["CLUETRAIN_POLICIES"] = str(tmp_path / "policies.toml")
    settings = Settings.from_env(env, partitions=1)
    broker, _ = all_records(settings)
    mentions = broker.records(settings.topic_mentions, 0)
    replies = broker.records(settings.topic_replies, 0)
    # batches that separate the topics, so clocks of one run ahead of the other
    batches = [[r] for r in mentions] + [[r] for r in replies]

    baseline = FinalTables()
    run(settings, batches, PipelineProcessor(settings), baseline, {})
    expected = {k: as_plain(v) for k, v in baseline.rows("turns").items()}
    assert expected[("acme", "m1", 0)]["status"] == "answered"
    assert expected[("acme", "m2", 0)]["status"] == "answered_late"
    deadline = expected[("acme", "m1", 0)]["deadline"] - expected[("acme", "m1", 0)]["started_at"]
    assert deadline == (9000 if policy else 3600)

    for crash_batch in range(len(batches)):
        processor, tables, saved = PipelineProcessor(settings), FinalTables(), {}
        run(settings, batches[:crash_batch], processor, tables, saved)
        out = processor.process(batches[crash_batch], now_ms=0)
        tables.write(rows_of(out))
        convs, meta = out.state.get(0, ({}, None))
        writes = [("conv", item) for item in convs.items()] + ([("meta", meta)] if meta else [])
        for cut in range(len(writes) + 1):
            kept = {0: (dict(saved.get(0, ({}, None))[0]), saved.get(0, ({}, None))[1])}
            for kind, value in writes[:cut]:
                if kind == "conv":
                    kept[0][0][value[0]] = value[1]
                else:
                    kept[0] = (kept[0][0], value)
            restarted = PipelineProcessor(settings, load_state=lambda p: (kept[p][1], list(kept[p][0].values())))
            after = FinalTables()
            after.tables = {t: dict(v) for t, v in tables.tables.items()}
            # the consumer re-delivers everything since the start (committed offsets lag)
            run(settings, batches, restarted, after, {})
            got = {k: as_plain(v) for k, v in after.rows("turns").items()}
            assert got == expected, (crash_batch, cut)
