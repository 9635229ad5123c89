-- Snapshots of the views (cluetrain/sinks/snapshots.py): for every view v_x a table
-- snapshot_v_x with the view's columns after snapshot_generation, filled by
-- INSERT ... SELECT from the view (a refresh). A view computes from the base tables
-- with FINAL on every read, seconds on a million events; its snapshot is a plain
-- MergeTree read in milliseconds. Readers (cluetrain report, the dashboard) read a
-- snapshot only when it is exact: the snapshot_state row of its latest generation
-- carries the fingerprint of the base tables it was computed from (the highest
-- block number of each, which only an insert raises), and that fingerprint is still
-- the current one; otherwise they read the view. One partition per generation: a
-- refresh adds the new one, records it, then drops the ones before the previous.
-- A migration that changes a view's columns drops and recreates its snapshot table.

-- snapshot_state: one row per refresh of one view's snapshot: its generation, and the
-- fingerprint a reader compares with the base tables' before it reads the snapshot.
-- Columns:
-- view: the view (v_x; its snapshot is snapshot_v_x)
-- generation: the partition of snapshot_v_x that holds this refresh (milliseconds since the epoch)
-- fingerprint: the base tables' highest block numbers when the refresh started
-- refreshed_at: when the refresh finished (UTC)
-- rows: rows of the snapshot
-- duration_ms: how long the refresh took
CREATE TABLE IF NOT EXISTS {database}.snapshot_state
(
    view String,
    generation UInt64,
    fingerprint String,
    refreshed_at DateTime,
    rows UInt64,
    duration_ms UInt32
)
ENGINE = MergeTree()
ORDER BY (view, generation);

-- snapshot_v_brand_timeseries: v_brand_timeseries as of its latest refresh (snapshot_state), one partition per generation.
-- Columns: as in v_brand_timeseries
-- snapshot_generation: the refresh this row belongs to (snapshot_state.generation)
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_brand_timeseries
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand, granularity, period_start)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_brand_timeseries LIMIT 0;

-- snapshot_v_brand_hourly: v_brand_hourly as of its latest refresh (snapshot_state), one partition per generation.
-- Columns: as in v_brand_hourly
-- snapshot_generation: the refresh this row belongs to (snapshot_state.generation)
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_brand_hourly
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand, period_start)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_brand_hourly LIMIT 0;

-- snapshot_v_brand_daily: v_brand_daily as of its latest refresh (snapshot_state), one partition per generation.
-- Columns: as in v_brand_daily
-- snapshot_generation: the refresh this row belongs to (snapshot_state.generation)
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_brand_daily
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand, period_start)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_brand_daily LIMIT 0;

-- snapshot_v_brand_latency: v_brand_latency as of its latest refresh (snapshot_state), one partition per generation:
-- snapshot_generation (UInt64, the refresh a row belongs to, snapshot_state.generation), then the
-- columns of v_brand_latency, described there.
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_brand_latency
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_brand_latency LIMIT 0;

-- snapshot_v_brand_overview: v_brand_overview as of its latest refresh (snapshot_state), one partition per generation:
-- snapshot_generation (UInt64, the refresh a row belongs to, snapshot_state.generation), then the
-- columns of v_brand_overview, described there.
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_brand_overview
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_brand_overview LIMIT 0;

-- snapshot_v_brand_rolling: v_brand_rolling as of its latest refresh (snapshot_state), one partition per generation:
-- snapshot_generation (UInt64, the refresh a row belongs to, snapshot_state.generation), then the
-- columns of v_brand_rolling, described there.
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_brand_rolling
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_brand_rolling LIMIT 0;

-- snapshot_v_conversations: v_conversations as of its latest refresh (snapshot_state), one partition per generation.
-- Columns: as in v_conversations
-- snapshot_generation: the refresh this row belongs to (snapshot_state.generation)
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_conversations
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand, first_message_at)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_conversations LIMIT 0;

-- snapshot_v_first_response_buckets: v_first_response_buckets as of its latest refresh (snapshot_state), one partition per generation.
-- Columns: as in v_first_response_buckets
-- snapshot_generation: the refresh this row belongs to (snapshot_state.generation)
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_first_response_buckets
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_first_response_buckets LIMIT 0;

-- snapshot_v_follower_brackets: v_follower_brackets as of its latest refresh (snapshot_state), one partition per generation:
-- snapshot_generation (UInt64, the refresh a row belongs to, snapshot_state.generation), then the
-- columns of v_follower_brackets, described there.
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_follower_brackets
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_follower_brackets LIMIT 0;

-- snapshot_v_open_turn_queue: v_open_turn_queue as of its latest refresh (snapshot_state), one partition per generation.
-- Columns: as in v_open_turn_queue
-- snapshot_generation: the refresh this row belongs to (snapshot_state.generation)
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_open_turn_queue
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand, deadline)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_open_turn_queue LIMIT 0;

-- snapshot_v_reply_templates: v_reply_templates as of its latest refresh (snapshot_state), one partition per generation:
-- snapshot_generation (UInt64, the refresh a row belongs to, snapshot_state.generation), then the
-- columns of v_reply_templates, described there.
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_reply_templates
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand, created_at)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_reply_templates LIMIT 0;

-- snapshot_v_responder_hourly: v_responder_hourly as of its latest refresh (snapshot_state), one partition per generation.
-- Columns: as in v_responder_hourly
-- snapshot_generation: the refresh this row belongs to (snapshot_state.generation)
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_responder_hourly
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand, period_start)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_responder_hourly LIMIT 0;

-- snapshot_v_responder_leaderboard: v_responder_leaderboard as of its latest refresh (snapshot_state), one partition per generation:
-- snapshot_generation (UInt64, the refresh a row belongs to, snapshot_state.generation), then the
-- columns of v_responder_leaderboard, described there.
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_responder_leaderboard
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_responder_leaderboard LIMIT 0;

-- snapshot_v_responder_sla: v_responder_sla as of its latest refresh (snapshot_state), one partition per generation.
-- Columns: as in v_responder_sla
-- snapshot_generation: the refresh this row belongs to (snapshot_state.generation)
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_responder_sla
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_responder_sla LIMIT 0;

-- snapshot_v_sentiment_recovery: v_sentiment_recovery as of its latest refresh (snapshot_state), one partition per generation:
-- snapshot_generation (UInt64, the refresh a row belongs to, snapshot_state.generation), then the
-- columns of v_sentiment_recovery, described there.
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_sentiment_recovery
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_sentiment_recovery LIMIT 0;

-- snapshot_v_sentiment_recovery_by_role: v_sentiment_recovery_by_role as of its latest refresh (snapshot_state), one partition per generation:
-- snapshot_generation (UInt64, the refresh a row belongs to, snapshot_state.generation), then the
-- columns of v_sentiment_recovery_by_role, described there.
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_sentiment_recovery_by_role
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_sentiment_recovery_by_role LIMIT 0;

-- snapshot_v_sentiment_recovery_grouped: v_sentiment_recovery_grouped as of its latest refresh (snapshot_state), one partition per generation:
-- snapshot_generation (UInt64, the refresh a row belongs to, snapshot_state.generation), then the
-- columns of v_sentiment_recovery_grouped, described there.
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_sentiment_recovery_grouped
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_sentiment_recovery_grouped LIMIT 0;

-- snapshot_v_template_share: v_template_share as of its latest refresh (snapshot_state), one partition per generation:
-- snapshot_generation (UInt64, the refresh a row belongs to, snapshot_state.generation), then the
-- columns of v_template_share, described there.
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_template_share
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_template_share LIMIT 0;

-- snapshot_v_template_share_by_author: v_template_share_by_author as of its latest refresh (snapshot_state), one partition per generation:
-- snapshot_generation (UInt64, the refresh a row belongs to, snapshot_state.generation), then the
-- columns of v_template_share_by_author, described there.
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_template_share_by_author
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_template_share_by_author LIMIT 0;

-- snapshot_v_template_share_grouped: v_template_share_grouped as of its latest refresh (snapshot_state), one partition per generation:
-- snapshot_generation (UInt64, the refresh a row belongs to, snapshot_state.generation), then the
-- columns of v_template_share_grouped, described there.
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_template_share_grouped
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_template_share_grouped LIMIT 0;

-- snapshot_v_turn_status: v_turn_status as of its latest refresh (snapshot_state), one partition per generation:
-- snapshot_generation (UInt64, the refresh a row belongs to, snapshot_state.generation), then the
-- columns of v_turn_status, described there.
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_turn_status
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand, started_at)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_turn_status LIMIT 0;

-- snapshot_v_turn_summary: v_turn_summary as of its latest refresh (snapshot_state), one partition per generation:
-- snapshot_generation (UInt64, the refresh a row belongs to, snapshot_state.generation), then the
-- columns of v_turn_summary, described there.
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_turn_summary
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_turn_summary LIMIT 0;
