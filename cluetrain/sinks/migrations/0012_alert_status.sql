-- The latest version of every alert as a view, so that a reader counts and lists the
-- open alerts from its snapshot (0011, cluetrain/sinks/snapshots.py) instead of reading
-- the alerts table with FINAL on every page load. Same conventions as 0005.

DROP TABLE IF EXISTS {database}.v_alert_status;


-- v_alert_status: one row per alert, its latest version (alerts FINAL); is_open = 1
-- while it is not resolved. The dashboard's open-alert count and its list of ignored
-- conversations read it.
-- Columns:
-- alert_id: the alert (stable across its versions: fired, then resolved)
-- kind: the rule that fired it (ignored_conversation, sla_warning, a brand rule)
-- brand: the brand
-- conversation_id: the conversation it is about ('' for a brand-wide alert)
-- fired_at: when it fired (event time)
-- resolved_at: when it was resolved (event time), NULL while open
-- severity: its severity
-- is_open: 1 while resolved_at is NULL
CREATE VIEW IF NOT EXISTS {database}.v_alert_status AS
SELECT
    alert_id,
    kind,
    brand,
    conversation_id,
    fired_at,
    resolved_at,
    severity,
    toUInt8(isNull(resolved_at)) AS is_open
FROM {database}.alerts FINAL;


-- snapshot_v_alert_status: v_alert_status as of its latest refresh (snapshot_state), one partition per generation.
-- Columns: as in v_alert_status
-- snapshot_generation: the refresh this row belongs to (snapshot_state.generation)
CREATE TABLE IF NOT EXISTS {database}.snapshot_v_alert_status
ENGINE = MergeTree() PARTITION BY snapshot_generation ORDER BY (brand, kind, fired_at)
AS SELECT toUInt64(0) AS snapshot_generation, * FROM {database}.v_alert_status LIMIT 0;
