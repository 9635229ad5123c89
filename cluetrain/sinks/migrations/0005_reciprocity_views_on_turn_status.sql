-- Views for BI tools and `cluetrain report`
-- (DESIGN.md § Metric definitions (per brand, event time)), built on
-- one base view of turn status. This migration replaces the views of 0003 (same
-- names, same columns, same values): it drops them and creates them again, so a
-- database that applied 0003 gets these definitions too; 0003 is empty since.
--
-- The same SQL runs on chdb (ClickHouse 26) and on clickhouse-server 18.16, hence:
-- no window functions, no CTE, no GROUPING SETS, no FULL JOIN, a plain LEFT JOIN
-- ... USING between aliased subqueries (a missing right row gives 0 for counts and
-- NULL for Nullable columns), quantileExact (exact, no sampling: the same values on
-- both), DROP TABLE for views, and aggregate aliases that never reuse the name of a
-- source column (an alias is substituted everywhere in its SELECT: `sum(breached)
-- AS breached` next to `sumIf(breached, ...)` is an aggregate inside an aggregate):
-- subqueries name their results w_* (from reciprocity_windows), t_* (from turns),
-- r_* (per range) and the outer SELECT renames them. Every table is read with FINAL,
-- once, in the base view (turns) or in the view itself (reciprocity_windows), so a
-- view always sees the latest version of each row; no WHERE on a non-key column
-- next to FINAL (it may be moved to PREWHERE and see superseded row versions).
--
-- Conventions of every view:
-- * ratios are NULL when their denominator is 0 (never 0, never NaN)
-- * latencies are whole seconds (latency_s of `turns`), NULL when nothing was
--   answered. pNN = quantileExact(0.NN): the value at 0-based rank floor(0.NN * n)
--   of the sorted latencies, no interpolation (so p50 of an even count is the
--   upper middle value and p90 of up to 10 values is the largest)
-- * turn status: see v_turn_status, the one place it is read
-- * SLA compliance = within_sla / (within_sla + breached) (DESIGN.md § Metric definitions):
--   computed in v_turn_summary from the status of turns, and in v_brand_rolling
--   from the window counts (counted at the moment they happen); the streaming
--   rule of cluetrain/domain/brand_alerts.py uses the same definition
-- * reply rate = answered turns / turns, over the turns opened in the range
-- * first reply = the answer of turn 0: a new turn opens only after a brand-side
--   message, which answers the open turn, so turn 0 is the only turn that can be
--   a conversation's first answered turn
-- * grouped views: ClickHouse 18.16 has no GROUPING SETS, so a view that serves
--   several groupings repeats each row once per grouping (arrayJoin over their
--   names) and groups by (grouping, its keys); the named views select one grouping.

DROP TABLE IF EXISTS {database}.v_brand_overview;
DROP TABLE IF EXISTS {database}.v_follower_brackets;
DROP TABLE IF EXISTS {database}.v_turn_summary;
DROP TABLE IF EXISTS {database}.v_brand_rolling;
DROP TABLE IF EXISTS {database}.v_brand_latency;
DROP TABLE IF EXISTS {database}.v_responder_leaderboard;
DROP TABLE IF EXISTS {database}.v_turn_status;


-- v_turn_status: one row per turn, its latest version, with its status as 0/1
-- flags (DESIGN.md § Metric definitions (per brand, event time)):
-- is_answered = status 'answered' or 'answered_late'; is_within_sla = 'answered';
-- is_breached = 'breached' or 'answered_late' (a breach stays a breach when a late
-- answer comes); is_answered_late = 'answered_late'; is_open = 'open';
-- is_first_reply = an answered turn 0. opened_minute: started_at floored to the
-- minute, the window its opening is counted in (turns_opened). The tone of the
-- customer before the answer: is_last_negative = last_sentiment at or below the
-- negative threshold (cluetrain/domain/polarity.py); is_first_negative, the same of
-- first_sentiment. Scores are Float32: a stored -0.05 reads -0.0500000007 and is
-- negative, as the score -0.05 is in the stream.
CREATE VIEW IF NOT EXISTS {database}.v_turn_status AS
SELECT
    brand,
    conversation_id,
    turn_index,
    started_at,
    toStartOfMinute(started_at) AS opened_minute,
    customer_messages,
    answered_at,
    responder_id,
    responder_role,
    latency_s,
    status,
    deadline,
    customer_id,
    customer_followers,
    first_sentiment,
    last_sentiment,
    negative_messages,
    toUInt8(status IN ('answered', 'answered_late')) AS is_answered,
    toUInt8(status = 'answered') AS is_within_sla,
    toUInt8(status IN ('breached', 'answered_late')) AS is_breached,
    toUInt8(status = 'answered_late') AS is_answered_late,
    toUInt8(status = 'open') AS is_open,
    toUInt8(turn_index = 0 AND is_answered = 1) AS is_first_reply,
    toUInt8(first_sentiment <= {negative_threshold}) AS is_first_negative,
    toUInt8(last_sentiment <= {negative_threshold}) AS is_last_negative
FROM {database}.turns FINAL;


-- v_turn_summary: the turn figures of a brand, over all time, per grouping:
-- grouping 'brand' (bracket '', bracket_order 0): all the brand's turns;
-- grouping 'followers': per bracket, the audience of the customer who opened the
-- turn (customer_followers): 'unknown' (NULL), '<100', '100-1k', '1k-10k',
-- '10k-100k', '>=100k' (lower bounds included), bracket_order 0..5 in that order.
-- One row per (brand, grouping, bracket) with at least one turn. turns, answered
-- (on time or late), within_sla, breached, answered_late, open, sla_compliance,
-- reply_rate = answered / turns, median_latency_s: p50 latency of the answered
-- turns, median_first_reply_s: p50 latency of the first replies (answered turns 0,
-- see v_brand_latency), employees: distinct employee accounts (responder_role
-- 'employee') that answered at least one of the turns.
CREATE VIEW IF NOT EXISTS {database}.v_turn_summary AS
SELECT
    brand,
    grouping,
    bracket,
    bracket_order,
    t_turns AS turns,
    t_answered AS answered,
    t_within_sla AS within_sla,
    t_breached AS breached,
    t_answered_late AS answered_late,
    t_open AS open,
    if(t_within_sla + t_breached = 0, NULL, t_within_sla / (t_within_sla + t_breached)) AS sla_compliance,
    if(t_turns = 0, NULL, t_answered / t_turns) AS reply_rate,
    if(t_answered = 0, NULL, t_p50) AS median_latency_s,
    if(t_first_replies = 0, NULL, t_first_p50) AS median_first_reply_s,
    t_employees AS employees
FROM
(
    SELECT
        brand,
        grouping,
        if(grouping = 'brand', '', t_follower_bracket) AS bracket,
        if(grouping = 'brand', 0, t_follower_bracket_order) AS bracket_order,
        count() AS t_turns,
        sum(is_answered) AS t_answered,
        sum(is_within_sla) AS t_within_sla,
        sum(is_breached) AS t_breached,
        sum(is_answered_late) AS t_answered_late,
        sum(is_open) AS t_open,
        quantileExactIf(0.5)(ifNull(latency_s, 0), is_answered = 1) AS t_p50,
        sum(is_first_reply) AS t_first_replies,
        quantileExactIf(0.5)(ifNull(latency_s, 0), is_first_reply = 1) AS t_first_p50,
        uniqExactIf(responder_id, responder_role = 'employee') AS t_employees
    FROM
    (
        SELECT
            *,
            arrayJoin(['brand', 'followers']) AS grouping,
            multiIf(isNull(customer_followers), 'unknown',
                    ifNull(customer_followers, 0) < 100, '<100',
                    ifNull(customer_followers, 0) < 1000, '100-1k',
                    ifNull(customer_followers, 0) < 10000, '1k-10k',
                    ifNull(customer_followers, 0) < 100000, '10k-100k',
                    '>=100k') AS t_follower_bracket,
            multiIf(isNull(customer_followers), 0,
                    ifNull(customer_followers, 0) < 100, 1,
                    ifNull(customer_followers, 0) < 1000, 2,
                    ifNull(customer_followers, 0) < 10000, 3,
                    ifNull(customer_followers, 0) < 100000, 4,
                    5) AS t_follower_bracket_order
        FROM {database}.v_turn_status
    )
    GROUP BY brand, grouping, bracket, bracket_order
);


-- v_brand_overview: one row per brand over all time, what `cluetrain report` prints.
-- customer_messages, brand_replies, employee_replies, peer_replies, late_events:
-- sums of reciprocity_windows. turns, answered, within_sla, breached,
-- answered_late, open, sla_compliance, reply_rate, median_first_reply_s, employees:
-- v_turn_summary, grouping 'brand'. A brand with messages but no turn has turns = 0
-- and NULL ratios.
CREATE VIEW IF NOT EXISTS {database}.v_brand_overview AS
SELECT
    brand,
    w_customer_messages AS customer_messages,
    w_brand_replies AS brand_replies,
    w_employee_replies AS employee_replies,
    w_peer_replies AS peer_replies,
    w_late_events AS late_events,
    t_turns AS turns,
    t_answered AS answered,
    t_within_sla AS within_sla,
    t_breached AS breached,
    t_answered_late AS answered_late,
    t_open AS open,
    t_sla_compliance AS sla_compliance,
    t_reply_rate AS reply_rate,
    t_median_first_reply_s AS median_first_reply_s,
    t_employees AS employees
FROM
(
    SELECT
        brand,
        sum(customer_messages) AS w_customer_messages,
        sum(brand_replies) AS w_brand_replies,
        sum(employee_replies) AS w_employee_replies,
        sum(peer_replies) AS w_peer_replies,
        sum(late_events) AS w_late_events
    FROM {database}.reciprocity_windows FINAL
    GROUP BY brand
) AS w
LEFT JOIN
(
    SELECT
        brand,
        turns AS t_turns,
        answered AS t_answered,
        within_sla AS t_within_sla,
        breached AS t_breached,
        answered_late AS t_answered_late,
        open AS t_open,
        sla_compliance AS t_sla_compliance,
        reply_rate AS t_reply_rate,
        median_first_reply_s AS t_median_first_reply_s,
        employees AS t_employees
    FROM {database}.v_turn_summary
    WHERE grouping = 'brand'
) AS t
USING brand;


-- v_follower_brackets: "does the brand answer the loud customers first?" One row
-- per (brand, bracket) with at least one turn: v_turn_summary, grouping 'followers'
-- (brackets and figures defined there).
CREATE VIEW IF NOT EXISTS {database}.v_follower_brackets AS
SELECT
    brand, bracket, bracket_order, turns, answered, within_sla, breached, open, reply_rate,
    sla_compliance, median_latency_s
FROM {database}.v_turn_summary
WHERE grouping = 'followers';


-- v_brand_rolling: one row per brand, rolling figures over the last hour and the
-- last 24 hours of the STREAM's event-time clock, never now(): a replay of 2017
-- data gives 2017 figures. The clock (latest_window) is the latest window_start
-- in reciprocity_windows over ALL brands, one clock for the whole stream as the
-- watermark is (DESIGN.md § Watermark, clock headers and ticks). A per-brand clock
-- would show a brand that
-- has gone silent as if its last busy hour were now. The last R seconds = the
-- windows with window_start > latest_window - R (latest_window included): 60
-- windows for 1 h, 1440 for 24 h; the figures of both ranges come from one
-- sub-select (one row per brand and r_range_s), then one column each (ratios
-- with any(if(..., NULL)): 18.16's anyIf gives 0, not NULL, when only NULLs match).
-- From the windows (each count at the moment it happened): customer_messages,
-- brand_replies, answered (answers given in the range), within_sla, breached,
-- answered_late, sla_compliance, mean_latency_s = latency_sum_s / answered.
-- From turns, over the turns OPENED in the range (opened_minute, like
-- turns_opened): turns, turns_answered (answered by now, on time or late),
-- reply_rate = turns_answered / turns. Recent turns had less time to be answered:
-- the 1 h reply rate reads "answered so far".
-- Brands appear once they have any window, with zeros and NULL ratios when idle.
CREATE VIEW IF NOT EXISTS {database}.v_brand_rolling AS
SELECT
    brand,
    any(r_clock) AS latest_window,
    sumIf(r_customer_messages, r_range_s = 3600) AS customer_messages_1h,
    sumIf(r_brand_replies, r_range_s = 3600) AS brand_replies_1h,
    sumIf(r_answered, r_range_s = 3600) AS answered_1h,
    sumIf(r_within_sla, r_range_s = 3600) AS within_sla_1h,
    sumIf(r_breached, r_range_s = 3600) AS breached_1h,
    sumIf(r_answered_late, r_range_s = 3600) AS answered_late_1h,
    any(if(r_range_s = 3600, r_sla_compliance, NULL)) AS sla_compliance_1h,
    any(if(r_range_s = 3600, r_mean_latency_s, NULL)) AS mean_latency_s_1h,
    sumIf(r_turns, r_range_s = 3600) AS turns_1h,
    sumIf(r_turns_answered, r_range_s = 3600) AS turns_answered_1h,
    any(if(r_range_s = 3600, r_reply_rate, NULL)) AS reply_rate_1h,
    sumIf(r_customer_messages, r_range_s = 86400) AS customer_messages_24h,
    sumIf(r_brand_replies, r_range_s = 86400) AS brand_replies_24h,
    sumIf(r_answered, r_range_s = 86400) AS answered_24h,
    sumIf(r_within_sla, r_range_s = 86400) AS within_sla_24h,
    sumIf(r_breached, r_range_s = 86400) AS breached_24h,
    sumIf(r_answered_late, r_range_s = 86400) AS answered_late_24h,
    any(if(r_range_s = 86400, r_sla_compliance, NULL)) AS sla_compliance_24h,
    any(if(r_range_s = 86400, r_mean_latency_s, NULL)) AS mean_latency_s_24h,
    sumIf(r_turns, r_range_s = 86400) AS turns_24h,
    sumIf(r_turns_answered, r_range_s = 86400) AS turns_answered_24h,
    any(if(r_range_s = 86400, r_reply_rate, NULL)) AS reply_rate_24h
FROM
(
    SELECT
        brand,
        r_range_s,
        w_clock AS r_clock,
        w_customer_messages AS r_customer_messages,
        w_brand_replies AS r_brand_replies,
        w_answered AS r_answered,
        w_within_sla AS r_within_sla,
        w_breached AS r_breached,
        w_answered_late AS r_answered_late,
        if(w_within_sla + w_breached = 0, NULL, w_within_sla / (w_within_sla + w_breached)) AS r_sla_compliance,
        if(w_answered = 0, NULL, w_latency_sum / w_answered) AS r_mean_latency_s,
        t_turns AS r_turns,
        t_turns_answered AS r_turns_answered,
        if(t_turns = 0, NULL, t_turns_answered / t_turns) AS r_reply_rate
    FROM
    (
        SELECT
            brand,
            r_range_s,
            any(clock) AS w_clock,
            sumIf(customer_messages, window_start > clock - r_range_s) AS w_customer_messages,
            sumIf(brand_replies, window_start > clock - r_range_s) AS w_brand_replies,
            sumIf(answered, window_start > clock - r_range_s) AS w_answered,
            sumIf(answered_within_sla, window_start > clock - r_range_s) AS w_within_sla,
            sumIf(breached, window_start > clock - r_range_s) AS w_breached,
            sumIf(answered_late, window_start > clock - r_range_s) AS w_answered_late,
            sumIf(latency_sum_s, window_start > clock - r_range_s) AS w_latency_sum
        FROM
        (
            SELECT
                brand, window_start, customer_messages, brand_replies, answered, answered_within_sla,
                breached, answered_late, latency_sum_s,
                (SELECT max(window_start) FROM {database}.reciprocity_windows FINAL) AS clock,
                arrayJoin([3600, 86400]) AS r_range_s
            FROM {database}.reciprocity_windows FINAL
        )
        GROUP BY brand, r_range_s
    ) AS w
    LEFT JOIN
    (
        SELECT
            brand,
            r_range_s,
            countIf(opened_minute > clock - r_range_s) AS t_turns,
            countIf(opened_minute > clock - r_range_s AND is_answered = 1) AS t_turns_answered
        FROM
        (
            SELECT
                brand, opened_minute, is_answered,
                (SELECT max(window_start) FROM {database}.reciprocity_windows FINAL) AS clock,
                arrayJoin([3600, 86400]) AS r_range_s
            FROM {database}.v_turn_status
        )
        GROUP BY brand, r_range_s
    ) AS t
    USING (brand, r_range_s)
)
GROUP BY brand;


-- v_brand_latency: one row per brand with at least one turn, over all time.
-- first_replies: answered turns 0 (one per answered conversation), with
-- first_reply_p50_s / first_reply_p90_s their latencies ("median first-reply
-- latency"). answers: every answered turn (on time or late), with reply_p50_s /
-- reply_p90_s their latencies. NULL latencies when there is nothing to rank.
CREATE VIEW IF NOT EXISTS {database}.v_brand_latency AS
SELECT
    brand,
    t_first_replies AS first_replies,
    if(t_first_replies = 0, NULL, t_first_p50) AS first_reply_p50_s,
    if(t_first_replies = 0, NULL, t_first_p90) AS first_reply_p90_s,
    t_answers AS answers,
    if(t_answers = 0, NULL, t_p50) AS reply_p50_s,
    if(t_answers = 0, NULL, t_p90) AS reply_p90_s
FROM
(
    SELECT
        brand,
        sum(is_first_reply) AS t_first_replies,
        quantileExactIf(0.5)(ifNull(latency_s, 0), is_first_reply = 1) AS t_first_p50,
        quantileExactIf(0.9)(ifNull(latency_s, 0), is_first_reply = 1) AS t_first_p90,
        sum(is_answered) AS t_answers,
        quantileExactIf(0.5)(ifNull(latency_s, 0), is_answered = 1) AS t_p50,
        quantileExactIf(0.9)(ifNull(latency_s, 0), is_answered = 1) AS t_p90
    FROM {database}.v_turn_status
    GROUP BY brand
);


-- v_responder_leaderboard: one row per (brand, responder_id, responder_role) that
-- answered at least one turn: the brand account (role 'brand') and every employee
-- (role 'employee'). answers: turns it answered (on time or late), within_sla:
-- those answered within the SLA, within_sla_share = within_sla / answers,
-- latency_p50_s / latency_p90_s over its answers, last_answer_at: its latest answer.
-- The filter is a HAVING on counts, not a WHERE on status (see the header).
CREATE VIEW IF NOT EXISTS {database}.v_responder_leaderboard AS
SELECT
    brand,
    responder_id,
    responder_role,
    t_answers AS answers,
    t_within_sla AS within_sla,
    t_within_sla / t_answers AS within_sla_share,
    t_p50 AS latency_p50_s,
    t_p90 AS latency_p90_s,
    t_last_answer_at AS last_answer_at
FROM
(
    SELECT
        brand,
        responder_id,
        responder_role,
        sum(is_answered) AS t_answers,
        sum(is_within_sla) AS t_within_sla,
        quantileExactIf(0.5)(ifNull(latency_s, 0), is_answered = 1) AS t_p50,
        quantileExactIf(0.9)(ifNull(latency_s, 0), is_answered = 1) AS t_p90,
        maxIf(ifNull(answered_at, started_at), is_answered = 1) AS t_last_answer_at
    FROM {database}.v_turn_status
    GROUP BY brand, responder_id, responder_role
    HAVING t_answers > 0
);
