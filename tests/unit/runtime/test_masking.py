from __future__ import annotations

import io
import logging

from cluetrain.runtime.masking import mask, mask_logs


def test_the_password_of_every_url_is_masked_and_the_rest_kept():
    assert mask("Results are in ClickHouse (clickhouse://writer:S3cr3tPW@127.0.0.1:9000/db, database db)") == \
        "Results are in ClickHouse (clickhouse://writer:***@127.0.0.1:9000/db, database db)"
    assert mask("'http://u:p@ss@h:1/x' and kafka://q:w@e:9092") == "'http://u:***@h:1/x' and kafka://q:***@e:9092"
    assert mask("clickhouse://writer:S3cr3tPW@127.0.0.1:99999") == "clickhouse://writer:***@127.0.0.1:99999"
    for kept in ("clickhouse://writer@h:9000/db", "kafka://h:9092,h2:9092", "no url", "a:b@c"):
        assert mask(kept) == kept


def test_log_records_are_masked_whatever_the_handler():
    stream = io.StringIO()
    log = logging.getLogger("cluetrain.test_masking")
    handler = logging.StreamHandler(stream)
    log.addHandler(handler)
    try:
        mask_logs()
        mask_logs()  # idempotent
        log.warning("cannot write to %s", "clickhouse://writer:S3cr3tPW@h:9000/db")
        try:
            raise RuntimeError("clickhouse://writer:S3cr3tPW@h:9000/db refused")
        except RuntimeError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
    out = stream.getvalue()
    assert "S3cr3tPW" not in out and out.count("writer:***@h:9000") == 3, out
