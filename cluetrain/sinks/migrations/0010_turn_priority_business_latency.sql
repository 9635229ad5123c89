-- SLA policies (DESIGN.md § SLA policies (extension)): the priority the turn got from
-- its brand's policy when it opened, and its latency in business time. One statement,
-- so that it is applied whole or not at all (ClickHouse 18.16 has no ADD COLUMN IF NOT
-- EXISTS). Rows written before it read as without a policy file: priority 'normal',
-- business_latency_s = latency_s (open 24/7).
ALTER TABLE {database}.turns
    ADD COLUMN priority String DEFAULT 'normal',
    ADD COLUMN business_latency_s Nullable(UInt32) DEFAULT latency_s;
