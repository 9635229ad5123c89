-- Who answers, per hour: the counts of v_responder_sla that add up over any range of
-- hours (`cluetrain report --since/--until`, a BI tool's time filter). Same
-- constraints and conventions as 0008_bi_views.sql.

DROP TABLE IF EXISTS {database}.v_responder_hourly;


-- v_responder_hourly: one row per (brand, responder_id, responder_role, hour) in
-- which the responder answered at least one turn; an answer lands in the hour of
-- its answered_at. Sum the counts over the hours of a range; latencies add up as
-- latency_sum_s (a mean over the range = latency_sum_s / answers), percentiles do
-- not (v_responder_sla has them over all time).
-- Columns:
-- brand: the brand
-- responder_id: the account that answered
-- responder_role: 'brand' or 'employee'
-- team: the responder's team ('' until the team map exists, see v_responder_sla)
-- period_start: start of the hour (UTC) of the answers
-- answers: turns it answered in the hour (on time or late)
-- within_sla: of those, answered within the SLA
-- answered_late: of those, answered after the deadline
-- first_replies: of those, answers of turn 0
-- latency_sum_s: sum of the latencies of those answers, seconds
CREATE VIEW IF NOT EXISTS {database}.v_responder_hourly AS
SELECT
    brand,
    responder_id,
    responder_role,
    '' AS team,
    period_start,
    t_answers AS answers,
    t_within_sla AS within_sla,
    t_answered_late AS answered_late,
    t_first_replies AS first_replies,
    t_latency_sum AS latency_sum_s
FROM
(
    SELECT
        brand,
        responder_id,
        responder_role,
        toStartOfHour(ifNull(answered_at, started_at)) AS period_start,
        sum(is_answered) AS t_answers,
        sum(is_within_sla) AS t_within_sla,
        sum(is_answered_late) AS t_answered_late,
        sum(is_first_reply) AS t_first_replies,
        sumIf(ifNull(latency_s, 0), is_answered = 1) AS t_latency_sum
    FROM {database}.v_turn_status
    GROUP BY brand, responder_id, responder_role, period_start
    HAVING t_answers > 0
);
