"""Topic creation (on the in-memory broker): every topic, co-partitioned, the state
changelog compacted, and a partition count that does not match is one clear error."""
from __future__ import annotations

import pytest

from cluetrain.kafka.admin import create_missing_topics, state_changelog_topic
from cluetrain.kafka.memory import MemoryBroker
from cluetrain.runtime.processes import ProcessError
from cluetrain.settings import Settings


def test_creates_every_topic_with_the_same_partition_count():
    settings = Settings.from_env({}, partitions=3)
    broker = MemoryBroker(1)
    create_missing_topics(settings, broker.admin())
    changelog = state_changelog_topic(settings)
    assert broker.partition_counts == {t: 3 for t in (*settings.all_topics, changelog)}
    assert broker.topic_configs[changelog] == {"cleanup.policy": "compact"}
    create_missing_topics(settings, broker.admin())  # all there: nothing to do


@pytest.mark.parametrize("topic", ["mentions", "cluetrain-state-changelog"])
def test_an_existing_topic_with_another_partition_count_is_refused(topic):
    settings = Settings.from_env({}, partitions=3)
    broker = MemoryBroker(1)
    broker.create_topic(topic, 4)
    with pytest.raises(ProcessError, match=f"topic {topic} has 4 partitions but CLUETRAIN_PARTITIONS is 3"):
        create_missing_topics(settings, broker.admin())
