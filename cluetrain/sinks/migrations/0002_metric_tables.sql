-- Metrics, written as full rows by the stream processors. `version` grows with every
-- new state of a row: with FINAL the latest version of each key wins, so re-writing
-- a row after a restart never double-counts.

CREATE TABLE IF NOT EXISTS {database}.turns
(
    brand String,
    conversation_id String,
    turn_index UInt32,
    started_at DateTime,
    customer_messages UInt32,
    answered_at Nullable(DateTime),
    responder_id String,
    responder_role String,
    latency_s Nullable(UInt32),
    status String,
    deadline DateTime,
    customer_id String,
    customer_followers Nullable(UInt64),
    first_sentiment Float32,
    last_sentiment Float32,
    negative_messages UInt32,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (brand, conversation_id, turn_index);

CREATE TABLE IF NOT EXISTS {database}.reciprocity_windows
(
    brand String,
    window_start DateTime,
    customer_messages UInt32,
    turns_opened UInt32,
    brand_replies UInt32,
    employee_replies UInt32,
    peer_replies UInt32,
    answered UInt32,
    answered_within_sla UInt32,
    answered_late UInt32,
    breached UInt32,
    latency_sum_s UInt64,
    late_events UInt32,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(window_start)
ORDER BY (brand, window_start);

CREATE TABLE IF NOT EXISTS {database}.sentiment_windows
(
    brand String,
    window_start DateTime,
    side String,
    messages UInt32,
    score_sum Float64,
    positive UInt32,
    neutral UInt32,
    negative UInt32,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(window_start)
ORDER BY (brand, window_start, side);

CREATE TABLE IF NOT EXISTS {database}.alerts
(
    alert_id String,
    kind String,
    brand String,
    conversation_id String,
    fired_at DateTime,
    resolved_at Nullable(DateTime),
    severity String,
    details String,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY alert_id;
