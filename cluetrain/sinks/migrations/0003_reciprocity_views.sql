-- Views for BI tools and `cluetrain report` (DESIGN: Metric definitions).
--
-- The same SQL runs on chdb (ClickHouse 26) and on clickhouse-server 18.16, hence:
-- no window functions, no FULL JOIN, a plain LEFT JOIN ... USING between aliased
-- subqueries (a missing right row gives 0 for counts and NULL for Nullable
-- columns), quantileExact (exact, no sampling: the same values on both),
-- and aggregate aliases that never reuse the name of a source column (an alias
-- is substituted everywhere in its SELECT: `sum(breached) AS breached` next to
-- `sumIf(breached, ...)` is an aggregate inside an aggregate): subqueries name
-- their results w_* (from reciprocity_windows) or t_* (from turns) and the outer
-- SELECT renames them. Every table is read with FINAL inside the view, so a view
-- always sees the latest version of each row.
--
-- Conventions of every view:
-- * ratios are NULL when their denominator is 0 (never 0, never NaN)
-- * latencies are whole seconds (latency_s of `turns`), NULL when nothing was
--   answered. pNN = quantileExact(0.NN): the value at 0-based rank floor(0.NN * n)
--   of the sorted latencies, no interpolation (so p50 of an even count is the
--   upper middle value and p90 of up to 10 values is the largest)
-- * answered turns = status 'answered' or 'answered_late'. within_sla = status
--   'answered'. breached = status 'breached' or 'answered_late' (a breach stays a
--   breach when a late answer comes). open = status 'open'
-- * SLA compliance = within_sla / (within_sla + breached)
-- * reply rate = answered turns / turns, over the turns opened in the range
-- * first reply = the answer of turn 0: a new turn opens only after a brand-side
--   message, which answers the open turn, so turn 0 is the only turn that can be
--   a conversation's first answered turn


-- v_brand_overview: one row per brand over all time, what `cluetrain report` prints.
-- customer_messages, brand_replies, employee_replies, peer_replies, late_events:
-- sums of reciprocity_windows. turns, answered, within_sla, breached,
-- answered_late, open, sla_compliance, reply_rate: from the status of every turn.
-- median_first_reply_s: p50 latency of answered turns 0 (see v_brand_latency).
-- employees: distinct employee accounts (responder_role 'employee') that answered
-- at least one turn. A brand with messages but no turn has turns = 0 and NULL ratios.
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
    if(t_within_sla + t_breached = 0, NULL, t_within_sla / (t_within_sla + t_breached)) AS sla_compliance,
    if(t_turns = 0, NULL, t_answered / t_turns) AS reply_rate,
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
        count() AS t_turns,
        countIf(status IN ('answered', 'answered_late')) AS t_answered,
        countIf(status = 'answered') AS t_within_sla,
        countIf(status IN ('breached', 'answered_late')) AS t_breached,
        countIf(status = 'answered_late') AS t_answered_late,
        countIf(status = 'open') AS t_open,
        if(countIf(turn_index = 0 AND status IN ('answered', 'answered_late')) = 0, NULL,
           quantileExactIf(0.5)(ifNull(latency_s, 0), turn_index = 0 AND status IN ('answered', 'answered_late')))
            AS t_median_first_reply_s,
        uniqExactIf(responder_id, responder_role = 'employee') AS t_employees
    FROM {database}.turns FINAL
    GROUP BY brand
) AS t
USING brand;


-- v_brand_rolling: one row per brand, rolling figures over the last hour and the
-- last 24 hours of the STREAM's event-time clock, never now(): a replay of 2017
-- data gives 2017 figures. The clock (latest_window) is the latest window_start
-- in reciprocity_windows over ALL brands, one clock for the whole stream as the
-- watermark is (DESIGN: Watermark). A per-brand clock would show a brand that has
-- gone silent as if its last busy hour were now. "Last 1 h" = the 60 minute
-- windows with window_start > latest_window - 3600 (latest_window included),
-- "last 24 h" = the 1440 windows with window_start > latest_window - 86400.
-- From the windows (each count at the moment it happened): customer_messages,
-- brand_replies, answered (answers given in the range), within_sla, breached,
-- answered_late, sla_compliance = within_sla / (within_sla + breached),
-- mean_latency_s = latency_sum_s / answered.
-- From turns, over the turns OPENED in the range (started_at floored to the
-- minute, like turns_opened): turns, turns_answered (answered by now, on time or
-- late), reply_rate = turns_answered / turns. Recent turns had less time to be
-- answered: the 1 h reply rate reads "answered so far".
-- Brands appear once they have any window, with zeros and NULL ratios when idle.
CREATE VIEW IF NOT EXISTS {database}.v_brand_rolling AS
SELECT
    brand,
    w_latest_window AS latest_window,
    w_customer_messages_1h AS customer_messages_1h,
    w_brand_replies_1h AS brand_replies_1h,
    w_answered_1h AS answered_1h,
    w_within_sla_1h AS within_sla_1h,
    w_breached_1h AS breached_1h,
    w_answered_late_1h AS answered_late_1h,
    if(w_within_sla_1h + w_breached_1h = 0, NULL, w_within_sla_1h / (w_within_sla_1h + w_breached_1h)) AS sla_compliance_1h,
    if(w_answered_1h = 0, NULL, w_latency_sum_1h / w_answered_1h) AS mean_latency_s_1h,
    t_turns_1h AS turns_1h,
    t_turns_answered_1h AS turns_answered_1h,
    if(t_turns_1h = 0, NULL, t_turns_answered_1h / t_turns_1h) AS reply_rate_1h,
    w_customer_messages_24h AS customer_messages_24h,
    w_brand_replies_24h AS brand_replies_24h,
    w_answered_24h AS answered_24h,
    w_within_sla_24h AS within_sla_24h,
    w_breached_24h AS breached_24h,
    w_answered_late_24h AS answered_late_24h,
    if(w_within_sla_24h + w_breached_24h = 0, NULL, w_within_sla_24h / (w_within_sla_24h + w_breached_24h)) AS sla_compliance_24h,
    if(w_answered_24h = 0, NULL, w_latency_sum_24h / w_answered_24h) AS mean_latency_s_24h,
    t_turns_24h AS turns_24h,
    t_turns_answered_24h AS turns_answered_24h,
    if(t_turns_24h = 0, NULL, t_turns_answered_24h / t_turns_24h) AS reply_rate_24h
FROM
(
    SELECT
        brand,
        any(clock) AS w_latest_window,
        sumIf(customer_messages, window_start > clock - 3600) AS w_customer_messages_1h,
        sumIf(brand_replies, window_start > clock - 3600) AS w_brand_replies_1h,
        sumIf(answered, window_start > clock - 3600) AS w_answered_1h,
        sumIf(answered_within_sla, window_start > clock - 3600) AS w_within_sla_1h,
        sumIf(breached, window_start > clock - 3600) AS w_breached_1h,
        sumIf(answered_late, window_start > clock - 3600) AS w_answered_late_1h,
        sumIf(latency_sum_s, window_start > clock - 3600) AS w_latency_sum_1h,
        sumIf(customer_messages, window_start > clock - 86400) AS w_customer_messages_24h,
        sumIf(brand_replies, window_start > clock - 86400) AS w_brand_replies_24h,
        sumIf(answered, window_start > clock - 86400) AS w_answered_24h,
        sumIf(answered_within_sla, window_start > clock - 86400) AS w_within_sla_24h,
        sumIf(breached, window_start > clock - 86400) AS w_breached_24h,
        sumIf(answered_late, window_start > clock - 86400) AS w_answered_late_24h,
        sumIf(latency_sum_s, window_start > clock - 86400) AS w_latency_sum_24h
    FROM
    (
        SELECT
            brand, window_start, customer_messages, brand_replies, answered, answered_within_sla,
            breached, answered_late, latency_sum_s,
            (SELECT max(window_start) FROM {database}.reciprocity_windows FINAL) AS clock
        FROM {database}.reciprocity_windows FINAL
    )
    GROUP BY brand
) AS w
LEFT JOIN
(
    SELECT
        brand,
        countIf(opened > clock - 3600) AS t_turns_1h,
        countIf(opened > clock - 3600 AND status IN ('answered', 'answered_late')) AS t_turns_answered_1h,
        countIf(opened > clock - 86400) AS t_turns_24h,
        countIf(opened > clock - 86400 AND status IN ('answered', 'answered_late')) AS t_turns_answered_24h
    FROM
    (
        SELECT
            brand, status, toStartOfMinute(started_at) AS opened,
            (SELECT max(window_start) FROM {database}.reciprocity_windows FINAL) AS clock
        FROM {database}.turns FINAL
    )
    GROUP BY brand
) AS t
USING brand;


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
        countIf(turn_index = 0 AND status IN ('answered', 'answered_late')) AS t_first_replies,
        quantileExactIf(0.5)(ifNull(latency_s, 0), turn_index = 0 AND status IN ('answered', 'answered_late')) AS t_first_p50,
        quantileExactIf(0.9)(ifNull(latency_s, 0), turn_index = 0 AND status IN ('answered', 'answered_late')) AS t_first_p90,
        countIf(status IN ('answered', 'answered_late')) AS t_answers,
        quantileExactIf(0.5)(ifNull(latency_s, 0), status IN ('answered', 'answered_late')) AS t_p50,
        quantileExactIf(0.9)(ifNull(latency_s, 0), status IN ('answered', 'answered_late')) AS t_p90
    FROM {database}.turns FINAL
    GROUP BY brand
);


-- v_responder_leaderboard: one row per (brand, responder_id, responder_role) that
-- answered at least one turn: the brand account (role 'brand') and every employee
-- (role 'employee'). answers: turns it answered (on time or late), within_sla:
-- those answered within the SLA, within_sla_share = within_sla / answers,
-- latency_p50_s / latency_p90_s over its answers, last_answer_at: its latest answer.
-- The filter is a HAVING on counts, not a WHERE on status: a WHERE on a non-key
-- column next to FINAL may be moved to PREWHERE and see superseded row versions.
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
        countIf(status IN ('answered', 'answered_late')) AS t_answers,
        countIf(status = 'answered') AS t_within_sla,
        quantileExactIf(0.5)(ifNull(latency_s, 0), status IN ('answered', 'answered_late')) AS t_p50,
        quantileExactIf(0.9)(ifNull(latency_s, 0), status IN ('answered', 'answered_late')) AS t_p90,
        maxIf(ifNull(answered_at, started_at), status IN ('answered', 'answered_late')) AS t_last_answer_at
    FROM {database}.turns FINAL
    GROUP BY brand, responder_id, responder_role
    HAVING t_answers > 0
);


-- v_follower_brackets: "does the brand answer the loud customers first?" One row
-- per (brand, bracket) with at least one turn. bracket: audience of the customer
-- who opened the turn (customer_followers): 'unknown' (NULL), '<100', '100-1k',
-- '1k-10k', '10k-100k', '>=100k' (lower bounds included), bracket_order 0..5 in
-- that order. turns, answered (on time or late), within_sla, breached, open,
-- reply_rate = answered / turns, sla_compliance = within_sla / (within_sla +
-- breached), median_latency_s: p50 latency over the bracket's answered turns.
CREATE VIEW IF NOT EXISTS {database}.v_follower_brackets AS
SELECT
    brand,
    t_bracket AS bracket,
    t_bracket_order AS bracket_order,
    t_turns AS turns,
    t_answered AS answered,
    t_within_sla AS within_sla,
    t_breached AS breached,
    t_open AS open,
    if(t_turns = 0, NULL, t_answered / t_turns) AS reply_rate,
    if(t_within_sla + t_breached = 0, NULL, t_within_sla / (t_within_sla + t_breached)) AS sla_compliance,
    if(t_answered = 0, NULL, t_p50) AS median_latency_s
FROM
(
    SELECT
        brand,
        multiIf(isNull(customer_followers), 'unknown',
                ifNull(customer_followers, 0) < 100, '<100',
                ifNull(customer_followers, 0) < 1000, '100-1k',
                ifNull(customer_followers, 0) < 10000, '1k-10k',
                ifNull(customer_followers, 0) < 100000, '10k-100k',
                '>=100k') AS t_bracket,
        multiIf(isNull(customer_followers), 0,
                ifNull(customer_followers, 0) < 100, 1,
                ifNull(customer_followers, 0) < 1000, 2,
                ifNull(customer_followers, 0) < 10000, 3,
                ifNull(customer_followers, 0) < 100000, 4,
                5) AS t_bracket_order,
        count() AS t_turns,
        countIf(status IN ('answered', 'answered_late')) AS t_answered,
        countIf(status = 'answered') AS t_within_sla,
        countIf(status IN ('breached', 'answered_late')) AS t_breached,
        countIf(status = 'open') AS t_open,
        quantileExactIf(0.5)(ifNull(latency_s, 0), status IN ('answered', 'answered_late')) AS t_p50
    FROM {database}.turns FINAL
    GROUP BY brand, t_bracket, t_bracket_order
);
