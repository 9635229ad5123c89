"""The changelog key layout: `p|c|<a>|<b>`, `p|m`, `p|x`, read the same way by the
store, the Faust table store and the progress reader."""
from __future__ import annotations

from cluetrain.state import keys


def test_the_layout():
    assert keys.record_key(3, "acme", "conv-1") == b"3|c|acme|conv-1"
    assert keys.record_key(0, "brand_ü", "x") == "0|c|brand_ü|x".encode()
    assert keys.meta_key(12) == b"12|m"
    assert keys.marker_key(12) == b"12|x"
    assert keys.partition_prefix(1) == b"1|" and keys.record_prefix(1) == b"1|c|"


def test_every_key_of_a_partition_starts_with_its_prefix_and_no_other():
    for p in (1, 10):
        own = (keys.record_key(p, "a", "b"), keys.meta_key(p), keys.marker_key(p))
        assert all(k.startswith(keys.partition_prefix(p)) for k in own)
        assert keys.record_key(p, "a", "b").startswith(keys.record_prefix(p))
    assert not keys.meta_key(10).startswith(keys.partition_prefix(1))  # "10|" is not "1|"


def test_meta_partition_recognises_meta_keys_only():
    assert keys.meta_partition(keys.meta_key(7)) == 7
    for other in (keys.record_key(7, "m", "m"), keys.marker_key(7), b"", None, b"7|mm"):
        assert keys.meta_partition(other) is None
