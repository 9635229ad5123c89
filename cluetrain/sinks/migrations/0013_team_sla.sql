-- Per-agent and per-team SLA figures (DESIGN.md § Teams): turns.team is the team the
-- responder belonged to in the policy file's team map when it answered ('' for the
-- brand account, a responder in no team, an unanswered turn, and rows written before
-- this migration). Both views read the answered turns of turns FINAL, in wall-clock
-- seconds (latency_s) and in business seconds (business_latency_s, = latency_s 24/7).
-- Same constraints and conventions as 0008_bi_views.sql.

ALTER TABLE {database}.turns
    ADD COLUMN team String DEFAULT '';

DROP TABLE IF EXISTS {database}.v_agent_sla;
DROP TABLE IF EXISTS {database}.v_team_sla;


-- v_agent_sla: one row per (brand, responder_id, responder_role, team) that answered
-- at least one turn, over all time: each agent's figures in wall-clock and business
-- time (an agent who changed team has one row per team).
-- Columns:
-- brand: the brand
-- responder_id: the account that answered
-- responder_role: 'brand' (the official account) or 'employee'
-- team: its team when it answered ('' outside the team map)
-- answers: turns it answered (on time or late)
-- within_sla: of those, answered within the SLA
-- answered_late: of those, answered after the deadline
-- sla_compliance: within_sla / answers
-- first_replies: its answers of turn 0
-- first_reply_p50_s: p50 wall-clock latency of its first replies, seconds (NULL without any)
-- first_reply_p90_s: p90 wall-clock latency of its first replies, seconds
-- first_reply_business_p50_s: p50 business-time latency of its first replies, seconds
-- first_reply_business_p90_s: p90 business-time latency of its first replies, seconds
-- next_replies: its answers of later turns (turn_index >= 1)
-- next_reply_p50_s: p50 wall-clock latency of its next replies, seconds (NULL without any)
-- next_reply_p90_s: p90 wall-clock latency of its next replies, seconds
-- next_reply_business_p50_s: p50 business-time latency of its next replies, seconds
-- next_reply_business_p90_s: p90 business-time latency of its next replies, seconds
CREATE VIEW IF NOT EXISTS {database}.v_agent_sla AS
SELECT
    brand,
    responder_id,
    responder_role,
    team,
    t_answers AS answers,
    t_within AS within_sla,
    t_answers - t_within AS answered_late,
    t_within / t_answers AS sla_compliance,
    t_first AS first_replies,
    if(t_first = 0, NULL, t_first_p50) AS first_reply_p50_s,
    if(t_first = 0, NULL, t_first_p90) AS first_reply_p90_s,
    if(t_first = 0, NULL, t_first_b50) AS first_reply_business_p50_s,
    if(t_first = 0, NULL, t_first_b90) AS first_reply_business_p90_s,
    t_answers - t_first AS next_replies,
    if(t_answers = t_first, NULL, t_next_p50) AS next_reply_p50_s,
    if(t_answers = t_first, NULL, t_next_p90) AS next_reply_p90_s,
    if(t_answers = t_first, NULL, t_next_b50) AS next_reply_business_p50_s,
    if(t_answers = t_first, NULL, t_next_b90) AS next_reply_business_p90_s
FROM
(
    SELECT
        brand,
        responder_id,
        responder_role,
        team,
        count() AS t_answers,
        countIf(status = 'answered') AS t_within,
        countIf(turn_index = 0) AS t_first,
        quantileExactIf(0.5)(ifNull(latency_s, 0), turn_index = 0) AS t_first_p50,
        quantileExactIf(0.9)(ifNull(latency_s, 0), turn_index = 0) AS t_first_p90,
        quantileExactIf(0.5)(ifNull(business_latency_s, 0), turn_index = 0) AS t_first_b50,
        quantileExactIf(0.9)(ifNull(business_latency_s, 0), turn_index = 0) AS t_first_b90,
        quantileExactIf(0.5)(ifNull(latency_s, 0), turn_index >= 1) AS t_next_p50,
        quantileExactIf(0.9)(ifNull(latency_s, 0), turn_index >= 1) AS t_next_p90,
        quantileExactIf(0.5)(ifNull(business_latency_s, 0), turn_index >= 1) AS t_next_b50,
        quantileExactIf(0.9)(ifNull(business_latency_s, 0), turn_index >= 1) AS t_next_b90
    FROM {database}.turns FINAL
    WHERE status IN ('answered', 'answered_late')
    GROUP BY brand, responder_id, responder_role, team
);


-- v_team_sla: one row per (brand, team) whose members answered at least one turn,
-- over all time: the team's figures in wall-clock and business time; team '' holds
-- the answers of responders outside the team map (the brand account among them).
-- Columns:
-- brand: the brand
-- team: the team ('' outside the team map)
-- responders: distinct accounts of the team that answered
-- answers: turns the team answered (on time or late)
-- within_sla: of those, answered within the SLA
-- answered_late: of those, answered after the deadline
-- sla_compliance: within_sla / answers
-- first_replies: the team's answers of turn 0
-- first_reply_p50_s: p50 wall-clock latency of those first replies, seconds (NULL without any)
-- first_reply_p90_s: p90 wall-clock latency of those first replies, seconds
-- first_reply_business_p50_s: p50 business-time latency of those first replies, seconds
-- first_reply_business_p90_s: p90 business-time latency of those first replies, seconds
-- next_replies: the team's answers of later turns (turn_index >= 1)
-- next_reply_p50_s: p50 wall-clock latency of those next replies, seconds (NULL without any)
-- next_reply_p90_s: p90 wall-clock latency of those next replies, seconds
-- next_reply_business_p50_s: p50 business-time latency of those next replies, seconds
-- next_reply_business_p90_s: p90 business-time latency of those next replies, seconds
CREATE VIEW IF NOT EXISTS {database}.v_team_sla AS
SELECT
    brand,
    team,
    t_responders AS responders,
    t_answers AS answers,
    t_within AS within_sla,
    t_answers - t_within AS answered_late,
    t_within / t_answers AS sla_compliance,
    t_first AS first_replies,
    if(t_first = 0, NULL, t_first_p50) AS first_reply_p50_s,
    if(t_first = 0, NULL, t_first_p90) AS first_reply_p90_s,
    if(t_first = 0, NULL, t_first_b50) AS first_reply_business_p50_s,
    if(t_first = 0, NULL, t_first_b90) AS first_reply_business_p90_s,
    t_answers - t_first AS next_replies,
    if(t_answers = t_first, NULL, t_next_p50) AS next_reply_p50_s,
    if(t_answers = t_first, NULL, t_next_p90) AS next_reply_p90_s,
    if(t_answers = t_first, NULL, t_next_b50) AS next_reply_business_p50_s,
    if(t_answers = t_first, NULL, t_next_b90) AS next_reply_business_p90_s
FROM
(
    SELECT
        brand,
        team,
        uniqExact(responder_id) AS t_responders,
        count() AS t_answers,
        countIf(status = 'answered') AS t_within,
        countIf(turn_index = 0) AS t_first,
        quantileExactIf(0.5)(ifNull(latency_s, 0), turn_index = 0) AS t_first_p50,
        quantileExactIf(0.9)(ifNull(latency_s, 0), turn_index = 0) AS t_first_p90,
        quantileExactIf(0.5)(ifNull(business_latency_s, 0), turn_index = 0) AS t_first_b50,
        quantileExactIf(0.9)(ifNull(business_latency_s, 0), turn_index = 0) AS t_first_b90,
        quantileExactIf(0.5)(ifNull(latency_s, 0), turn_index >= 1) AS t_next_p50,
        quantileExactIf(0.9)(ifNull(latency_s, 0), turn_index >= 1) AS t_next_p90,
        quantileExactIf(0.5)(ifNull(business_latency_s, 0), turn_index >= 1) AS t_next_b50,
        quantileExactIf(0.9)(ifNull(business_latency_s, 0), turn_index >= 1) AS t_next_b90
    FROM {database}.turns FINAL
    WHERE status IN ('answered', 'answered_late')
    GROUP BY brand, team
);
