"""StateProgress reads the meta records that the changelog store saves (on the
in-memory broker): the next offset of each input topic, per partition."""
from __future__ import annotations

from cluetrain.kafka.admin import create_missing_topics, state_changelog_topic
from cluetrain.kafka.memory import MemoryBroker
from cluetrain.settings import Settings
from cluetrain.state.changelog import ChangelogStore
from cluetrain.state.progress import StateProgress


def test_progress_follows_the_saved_metas_and_ignores_the_other_records():
    settings = Settings.from_env({}, partitions=2)
    broker = MemoryBroker(settings.partitions)
    progress = StateProgress(settings, "unused", consumer_factory=broker.consumer)
    assert progress.poll() == {}  # no changelog topic yet
    create_missing_topics(settings, broker.admin())
    store = ChangelogStore(state_changelog_topic(settings), broker.producer(), consumer_factory=None)
    store.save(0, {("acme", "c1"): {"offsets": {"mentions": 99}}}, {"offsets": {"mentions": 5, "replies": 2}})
    store.save(1, {("zeta", "c2"): {"v": 1}}, None)  # no meta: nothing is done yet in partition 1
    assert progress.poll() == {("mentions", 0): 5, ("replies", 0): 2}
    store.save(0, {}, {"offsets": {"mentions": 8, "replies": 2}})
    store.save(1, {}, {"offsets": {"mentions": 1}})
    assert progress.poll() == {("mentions", 0): 8, ("replies", 0): 2, ("mentions", 1): 1}
    progress.close()
