-- Views a BI tool (Grafana, Superset, a spreadsheet) charts directly: time series
-- per brand (hourly, daily), per responder, the first-response distribution, the
-- queue of turns awaiting an answer, and one row per conversation. Built on the base
-- view v_turn_status (0005) and read with FINAL inside, like every view.
--
-- Same constraints and conventions as 0005_reciprocity_views_on_turn_status.sql
-- (the same SQL on chdb and clickhouse-server 18.16: no window functions, one JOIN
-- per SELECT, quantileExact, subqueries name their results with a prefix that the
-- outer SELECT renames, ratios NULL on an empty denominator, latencies in whole
-- seconds). pNN = quantileExact(0.NN), the value at 0-based rank floor(0.NN * n).
--
-- Filtering these views: a WHERE on brand, period_start, started_at, deadline or
-- first_message_at is safe (ClickHouse may push it down next to FINAL: those values
-- never change between the versions of a row). Status columns do change: the views
-- filter them with conditional aggregates or HAVING, never with a WHERE.
--
-- Each view's comment ends with "Columns:" and one line per column; `python -m
-- cluetrain.sinks.view_reference` turns these comments into docs/views.md.

DROP TABLE IF EXISTS {database}.v_brand_hourly;
DROP TABLE IF EXISTS {database}.v_brand_daily;
DROP TABLE IF EXISTS {database}.v_brand_timeseries;
DROP TABLE IF EXISTS {database}.v_responder_sla;
DROP TABLE IF EXISTS {database}.v_first_response_buckets;
DROP TABLE IF EXISTS {database}.v_open_turn_queue;
DROP TABLE IF EXISTS {database}.v_conversations;


-- v_brand_timeseries: the figures of v_brand_hourly and v_brand_daily, one row per
-- (brand, granularity, period_start) in which the brand has a minute window (any
-- message, turn, answer or breach); v_brand_hourly and v_brand_daily each select one
-- granularity. Every count lands in the period of the moment it happens (DESIGN.md §
-- Metric definitions): messages at created_at, a turn at its start, an answer and
-- its latency at answered_at, a breach at its deadline. A final period never changes.
-- Columns:
-- brand: the brand
-- granularity: 'hour' or 'day'
-- period_start: start of the hour or of the UTC day
-- customer_messages: customer messages (mentions and customers' replies)
-- brand_replies: brand-side messages (the brand account and employees)
-- employee_replies: brand-side messages by employees
-- peer_replies: customers answering other customers
-- turns_opened: turns that started in the period
-- answered: turns answered in the period (on time or late)
-- within_sla: turns answered within the SLA in the period
-- answered_late: turns answered after their deadline in the period
-- breached: turns whose deadline passed unanswered in the period
-- sla_compliance: within_sla / (within_sla + breached), NULL when both are 0
-- first_replies: answers of turn 0 given in the period (a conversation's first reply)
-- first_reply_p50_s: p50 latency of those first replies, seconds
-- first_reply_p90_s: p90 latency of those first replies, seconds
-- next_replies: answers of later turns (turn_index >= 1) given in the period
-- next_reply_p50_s: p50 latency of those next replies, seconds
-- next_reply_p90_s: p90 latency of those next replies, seconds
-- customer_scored: customer messages with a sentiment score
-- customer_sentiment: mean sentiment score of the customers' messages, in [-1, 1]
-- customer_negative_share: share of the customers' messages that are negative
-- customer_positive_share: share of the customers' messages that are positive
-- brand_scored: brand-side messages with a sentiment score
-- brand_sentiment: mean sentiment score of the brand-side messages
-- brand_negative_share: share of the brand-side messages that are negative
-- brand_positive_share: share of the brand-side messages that are positive
-- brand_side_replies: brand-side replies, as v_reply_templates counts them
-- templated_replies: those that near-duplicate another reply of the brand (v_reply_templates)
-- templated_share: templated_replies / brand_side_replies
CREATE VIEW IF NOT EXISTS {database}.v_brand_timeseries AS
SELECT
    brand,
    granularity,
    period_start,
    w_customer_messages AS customer_messages,
    w_brand_replies AS brand_replies,
    w_employee_replies AS employee_replies,
    w_peer_replies AS peer_replies,
    w_turns_opened AS turns_opened,
    w_answered AS answered,
    w_within_sla AS within_sla,
    w_answered_late AS answered_late,
    w_breached AS breached,
    if(w_within_sla + w_breached = 0, NULL, w_within_sla / (w_within_sla + w_breached)) AS sla_compliance,
    t_first_replies AS first_replies,
    if(t_first_replies = 0, NULL, t_first_p50) AS first_reply_p50_s,
    if(t_first_replies = 0, NULL, t_first_p90) AS first_reply_p90_s,
    t_next_replies AS next_replies,
    if(t_next_replies = 0, NULL, t_next_p50) AS next_reply_p50_s,
    if(t_next_replies = 0, NULL, t_next_p90) AS next_reply_p90_s,
    s_customer_messages AS customer_scored,
    if(s_customer_messages = 0, NULL, s_customer_score / s_customer_messages) AS customer_sentiment,
    if(s_customer_messages = 0, NULL, s_customer_negative / s_customer_messages) AS customer_negative_share,
    if(s_customer_messages = 0, NULL, s_customer_positive / s_customer_messages) AS customer_positive_share,
    s_brand_messages AS brand_scored,
    if(s_brand_messages = 0, NULL, s_brand_score / s_brand_messages) AS brand_sentiment,
    if(s_brand_messages = 0, NULL, s_brand_negative / s_brand_messages) AS brand_negative_share,
    if(s_brand_messages = 0, NULL, s_brand_positive / s_brand_messages) AS brand_positive_share,
    k_replies AS brand_side_replies,
    k_templated AS templated_replies,
    if(k_replies = 0, NULL, k_templated / k_replies) AS templated_share
FROM
(
    SELECT
        brand, granularity, period_start, w_customer_messages, w_brand_replies, w_employee_replies,
        w_peer_replies, w_turns_opened, w_answered, w_within_sla, w_answered_late, w_breached,
        t_first_replies, t_first_p50, t_first_p90, t_next_replies, t_next_p50, t_next_p90,
        s_customer_messages, s_customer_score, s_customer_negative, s_customer_positive,
        s_brand_messages, s_brand_score, s_brand_negative, s_brand_positive
    FROM
    (
        SELECT
            brand, granularity, period_start, w_customer_messages, w_brand_replies, w_employee_replies,
            w_peer_replies, w_turns_opened, w_answered, w_within_sla, w_answered_late, w_breached,
            t_first_replies, t_first_p50, t_first_p90, t_next_replies, t_next_p50, t_next_p90
        FROM
        (
            SELECT
                brand,
                granularity,
                period_start,
                sum(customer_messages) AS w_customer_messages,
                sum(brand_replies) AS w_brand_replies,
                sum(employee_replies) AS w_employee_replies,
                sum(peer_replies) AS w_peer_replies,
                sum(turns_opened) AS w_turns_opened,
                sum(answered) AS w_answered,
                sum(answered_within_sla) AS w_within_sla,
                sum(answered_late) AS w_answered_late,
                sum(breached) AS w_breached
            FROM
            (
                SELECT
                    brand, customer_messages, brand_replies, employee_replies, peer_replies, turns_opened,
                    answered, answered_within_sla, answered_late, breached,
                    arrayJoin(['hour', 'day']) AS granularity,
                    if(granularity = 'hour', toStartOfHour(window_start), toStartOfDay(window_start)) AS period_start
                FROM {database}.reciprocity_windows FINAL
            )
            GROUP BY brand, granularity, period_start
        ) AS w
        LEFT JOIN
        (
            -- answers land in the period of answered_at; unanswered turns (no latency)
            -- fall in the period of their start and count nowhere
            SELECT
                brand,
                granularity,
                period_start,
                sum(is_first_reply) AS t_first_replies,
                quantileExactIf(0.5)(t_latency, is_first_reply = 1) AS t_first_p50,
                quantileExactIf(0.9)(t_latency, is_first_reply = 1) AS t_first_p90,
                countIf(is_answered = 1 AND turn_index >= 1) AS t_next_replies,
                quantileExactIf(0.5)(t_latency, is_answered = 1 AND turn_index >= 1) AS t_next_p50,
                quantileExactIf(0.9)(t_latency, is_answered = 1 AND turn_index >= 1) AS t_next_p90
            FROM
            (
                SELECT
                    brand, turn_index, is_answered, is_first_reply, ifNull(latency_s, 0) AS t_latency,
                    ifNull(answered_at, started_at) AS t_at,
                    arrayJoin(['hour', 'day']) AS granularity,
                    if(granularity = 'hour', toStartOfHour(t_at), toStartOfDay(t_at)) AS period_start
                FROM {database}.v_turn_status
            )
            GROUP BY brand, granularity, period_start
        ) AS t
        USING (brand, granularity, period_start)
    ) AS wt
    LEFT JOIN
    (
        SELECT
            brand,
            granularity,
            period_start,
            sumIf(messages, side = 'customer') AS s_customer_messages,
            sumIf(score_sum, side = 'customer') AS s_customer_score,
            sumIf(negative, side = 'customer') AS s_customer_negative,
            sumIf(positive, side = 'customer') AS s_customer_positive,
            sumIf(messages, side = 'brand') AS s_brand_messages,
            sumIf(score_sum, side = 'brand') AS s_brand_score,
            sumIf(negative, side = 'brand') AS s_brand_negative,
            sumIf(positive, side = 'brand') AS s_brand_positive
        FROM
        (
            SELECT
                brand, side, messages, score_sum, negative, positive,
                arrayJoin(['hour', 'day']) AS granularity,
                if(granularity = 'hour', toStartOfHour(window_start), toStartOfDay(window_start)) AS period_start
            FROM {database}.sentiment_windows FINAL
        )
        GROUP BY brand, granularity, period_start
    ) AS s
    USING (brand, granularity, period_start)
) AS wts
LEFT JOIN
(
    SELECT
        brand,
        granularity,
        period_start,
        count() AS k_replies,
        sum(templated) AS k_templated
    FROM
    (
        SELECT
            brand, templated,
            arrayJoin(['hour', 'day']) AS granularity,
            if(granularity = 'hour', toStartOfHour(created_at), toStartOfDay(created_at)) AS period_start
        FROM {database}.v_reply_templates
    )
    GROUP BY brand, granularity, period_start
) AS k
USING (brand, granularity, period_start);


-- v_brand_hourly: one row per (brand, hour) with any activity: v_brand_timeseries,
-- granularity 'hour'. The time series a dashboard charts (volume, turns, SLA
-- compliance, first-reply and next-reply latency, sentiment by side, templated share).
-- Columns: as in v_brand_timeseries
-- period_start: start of the hour (UTC)
CREATE VIEW IF NOT EXISTS {database}.v_brand_hourly AS
SELECT
    brand, period_start, customer_messages, brand_replies, employee_replies, peer_replies, turns_opened,
    answered, within_sla, answered_late, breached, sla_compliance, first_replies, first_reply_p50_s,
    first_reply_p90_s, next_replies, next_reply_p50_s, next_reply_p90_s, customer_scored,
    customer_sentiment, customer_negative_share, customer_positive_share, brand_scored, brand_sentiment,
    brand_negative_share, brand_positive_share, brand_side_replies, templated_replies, templated_share
FROM {database}.v_brand_timeseries
WHERE granularity = 'hour';


-- v_brand_daily: one row per (brand, UTC day) with any activity: v_brand_timeseries,
-- granularity 'day'.
-- Columns: as in v_brand_timeseries
-- period_start: start of the UTC day
CREATE VIEW IF NOT EXISTS {database}.v_brand_daily AS
SELECT
    brand, period_start, customer_messages, brand_replies, employee_replies, peer_replies, turns_opened,
    answered, within_sla, answered_late, breached, sla_compliance, first_replies, first_reply_p50_s,
    first_reply_p90_s, next_replies, next_reply_p50_s, next_reply_p90_s, customer_scored,
    customer_sentiment, customer_negative_share, customer_positive_share, brand_scored, brand_sentiment,
    brand_negative_share, brand_positive_share, brand_side_replies, templated_replies, templated_share
FROM {database}.v_brand_timeseries
WHERE granularity = 'day';


-- v_responder_sla: one row per (brand, responder_id, responder_role) that answered
-- at least one turn, over all time: how fast and how often in time each brand
-- account and each employee answers. Per team: the team map of the SLA-policy work
-- fills `team` (a view v_team_sla will group this view by it); until then every
-- responder's team is ''.
-- Columns:
-- brand: the brand
-- responder_id: the account that answered ('<brand>/<signature>' for a signed agent in twcs)
-- responder_role: 'brand' (the official account) or 'employee'
-- team: the responder's team ('' until the team map exists)
-- answers: turns it answered (on time or late)
-- within_sla: of those, answered within the SLA
-- answered_late: of those, answered after the deadline
-- sla_compliance: within_sla / answers (a breached turn it answered late counts against it)
-- first_replies: its answers of turn 0
-- first_reply_p50_s: p50 latency of its first replies, seconds (NULL without any)
-- first_reply_p90_s: p90 latency of its first replies, seconds
-- next_replies: its answers of later turns (turn_index >= 1)
-- next_reply_p50_s: p50 latency of its next replies, seconds (NULL without any)
-- next_reply_p90_s: p90 latency of its next replies, seconds
-- first_answer_at: its first answer
-- last_answer_at: its latest answer
CREATE VIEW IF NOT EXISTS {database}.v_responder_sla AS
SELECT
    brand,
    responder_id,
    responder_role,
    '' AS team,
    t_answers AS answers,
    t_within_sla AS within_sla,
    t_answered_late AS answered_late,
    t_within_sla / t_answers AS sla_compliance,
    t_first_replies AS first_replies,
    if(t_first_replies = 0, NULL, t_first_p50) AS first_reply_p50_s,
    if(t_first_replies = 0, NULL, t_first_p90) AS first_reply_p90_s,
    t_next_replies AS next_replies,
    if(t_next_replies = 0, NULL, t_next_p50) AS next_reply_p50_s,
    if(t_next_replies = 0, NULL, t_next_p90) AS next_reply_p90_s,
    t_first_answer_at AS first_answer_at,
    t_last_answer_at AS last_answer_at
FROM
(
    SELECT
        brand,
        responder_id,
        responder_role,
        sum(is_answered) AS t_answers,
        sum(is_within_sla) AS t_within_sla,
        sum(is_answered_late) AS t_answered_late,
        sum(is_first_reply) AS t_first_replies,
        quantileExactIf(0.5)(ifNull(latency_s, 0), is_first_reply = 1) AS t_first_p50,
        quantileExactIf(0.9)(ifNull(latency_s, 0), is_first_reply = 1) AS t_first_p90,
        countIf(is_answered = 1 AND turn_index >= 1) AS t_next_replies,
        quantileExactIf(0.5)(ifNull(latency_s, 0), is_answered = 1 AND turn_index >= 1) AS t_next_p50,
        quantileExactIf(0.9)(ifNull(latency_s, 0), is_answered = 1 AND turn_index >= 1) AS t_next_p90,
        minIf(ifNull(answered_at, started_at), is_answered = 1) AS t_first_answer_at,
        maxIf(ifNull(answered_at, started_at), is_answered = 1) AS t_last_answer_at
    FROM {database}.v_turn_status
    GROUP BY brand, responder_id, responder_role
    HAVING t_answers > 0
);


-- v_conversations: one row per conversation (brand, conversation_id) with at least
-- one turn: the export Chatwoot users ask for. The first message is the mention
-- that started the conversation (its event_id is the conversation_id); turn 0 opens
-- with the first customer message. "Before" is the customer's opening message,
-- "after" their latest message after the first answer.
-- Columns:
-- brand: the brand
-- conversation_id: event_id of the conversation's first post
-- customer_id: the customer who opened turn 0
-- customer_followers: their audience when they opened it (NULL if unknown)
-- first_message_at: when turn 0 started (the first customer message)
-- first_message_text: the text of the mention that started the conversation ('' if not stored)
-- last_activity_at: the latest turn start or answer
-- turns: turns of the conversation
-- customer_messages: customer messages in those turns
-- answered_turns: turns answered (on time or late)
-- breached_turns: turns breached (answered late or not at all)
-- is_answered: 1 when turn 0 got an answer (the conversation got a first reply)
-- is_breached: 1 when any turn breached its SLA
-- is_awaiting_answer: 1 when its latest turn is still unanswered
-- first_reply_at: when turn 0 was answered (NULL if not)
-- first_reply_latency_s: latency of that first reply, seconds (NULL if none)
-- first_reply_bucket: '0-1h', '1-4h', '4-8h', '8-24h' or '24h+' (lower bound included), '' without a first reply
-- first_reply_bucket_order: 0 to 4 in that order, NULL without a first reply
-- max_reply_latency_s: the longest latency of its answers, seconds (NULL if none)
-- responder_roles: distinct roles that answered, sorted (['brand'], ['brand', 'employee'], ...)
-- responders: distinct accounts that answered
-- customer_sentiment_before: sentiment of the customer's opening message
-- customer_sentiment_after: sentiment of their latest message after the first answer (NULL if they did not write again)
-- is_recovered: 1 when negative before and no longer negative after, 0 otherwise (NULL without an after)
CREATE VIEW IF NOT EXISTS {database}.v_conversations AS
SELECT
    brand,
    conversation_id,
    c_customer_id AS customer_id,
    c_customer_followers AS customer_followers,
    c_first_message_at AS first_message_at,
    m_text AS first_message_text,
    c_last_activity_at AS last_activity_at,
    c_turns AS turns,
    c_customer_messages AS customer_messages,
    c_answered_turns AS answered_turns,
    c_breached_turns AS breached_turns,
    toUInt8(c_first_replies > 0) AS is_answered,
    toUInt8(c_breached_turns > 0) AS is_breached,
    c_awaiting AS is_awaiting_answer,
    c_first_reply_at AS first_reply_at,
    c_first_latency AS first_reply_latency_s,
    if(isNull(c_first_latency), '',
       ['0-1h', '1-4h', '4-8h', '8-24h', '24h+'][c_bucket_order + 1]) AS first_reply_bucket,
    if(isNull(c_first_latency), NULL, c_bucket_order) AS first_reply_bucket_order,
    c_max_latency AS max_reply_latency_s,
    c_roles AS responder_roles,
    c_responders AS responders,
    c_before AS customer_sentiment_before,
    c_after AS customer_sentiment_after,
    if(isNull(c_after), NULL, toUInt8(c_before <= {negative_threshold} AND c_after > {negative_threshold})) AS is_recovered
FROM
(
    SELECT
        brand,
        conversation_id,
        argMinIf(customer_id, turn_index, turn_index = 0) AS c_customer_id,
        argMinIf(customer_followers, turn_index, turn_index = 0) AS c_customer_followers,
        min(started_at) AS c_first_message_at,
        max(greatest(started_at, ifNull(answered_at, started_at))) AS c_last_activity_at,
        count() AS c_turns,
        sum(customer_messages) AS c_customer_messages,
        sum(is_answered) AS c_answered_turns,
        sum(is_breached) AS c_breached_turns,
        sum(is_first_reply) AS c_first_replies,
        toUInt8(argMax(is_answered, turn_index) = 0) AS c_awaiting,
        if(c_first_replies = 0, NULL, minIf(answered_at, is_first_reply = 1)) AS c_first_reply_at,
        if(c_first_replies = 0, NULL, minIf(latency_s, is_first_reply = 1)) AS c_first_latency,
        multiIf(ifNull(c_first_latency, 0) < 3600, 0, ifNull(c_first_latency, 0) < 14400, 1,
                ifNull(c_first_latency, 0) < 28800, 2, ifNull(c_first_latency, 0) < 86400, 3, 4) AS c_bucket_order,
        if(c_answered_turns = 0, NULL, maxIf(latency_s, is_answered = 1)) AS c_max_latency,
        arraySort(groupUniqArrayIf(responder_role, is_answered = 1)) AS c_roles,
        uniqExactIf(responder_id, is_answered = 1) AS c_responders,
        argMinIf(first_sentiment, turn_index, turn_index = 0) AS c_before,
        if(countIf(turn_index >= 1) = 0, NULL, argMaxIf(last_sentiment, turn_index, turn_index >= 1)) AS c_after
    FROM {database}.v_turn_status
    GROUP BY brand, conversation_id
) AS c
LEFT JOIN
(
    -- FINAL gives one row per (brand, event_id); the mention's event_id names its conversation
    SELECT brand, event_id AS conversation_id, text AS m_text
    FROM {database}.mentions FINAL
) AS m
USING (brand, conversation_id);


-- v_first_response_buckets: how long customers wait for a first reply, as Chatwoot
-- reports it: per brand, five rows, one per bucket of v_conversations'
-- first_reply_bucket (every bucket, 0 when empty), over the brand's conversations
-- with a first reply.
-- Columns:
-- brand: the brand
-- bucket: '0-1h', '1-4h', '4-8h', '8-24h' or '24h+' (lower bound included)
-- bucket_order: 0 to 4 in that order
-- conversations: conversations whose first reply took that long
-- share: conversations / the brand's conversations with a first reply (NULL when it has none)
CREATE VIEW IF NOT EXISTS {database}.v_first_response_buckets AS
SELECT
    brand,
    ['0-1h', '1-4h', '4-8h', '8-24h', '24h+'][bucket_order + 1] AS bucket,
    bucket_order,
    b_conversations AS conversations,
    if(a_first_replies = 0, NULL, b_conversations / a_first_replies) AS share
FROM
(
    SELECT brand, arrayJoin([0, 1, 2, 3, 4]) AS bucket_order, a_first_replies
    FROM
    (
        SELECT brand, sum(is_answered) AS a_first_replies
        FROM {database}.v_conversations
        GROUP BY brand
    )
) AS a
LEFT JOIN
(
    -- 255: no first reply, left out by the HAVING
    SELECT brand, ifNull(first_reply_bucket_order, 255) AS bucket_order, count() AS b_conversations
    FROM {database}.v_conversations
    GROUP BY brand, bucket_order
    HAVING bucket_order < 5
) AS b
USING (brand, bucket_order);


-- v_open_turn_queue: the turns awaiting an answer, the one nearest its deadline
-- first (Zendesk's "next SLA breach"): open turns, and breached ones still
-- unanswered (overdue, seconds_to_deadline <= 0). as_of is the watermark the stream
-- has reached (the latest snapshot version of `turns` or of the windows, DESIGN.md §
-- Idempotent writes and row versions), never the machine's clock: a turn is open
-- "as of" that instant.
-- Columns:
-- brand: the brand
-- conversation_id: the conversation
-- turn_index: the turn (0 = awaiting a first reply)
-- status: 'open' or 'breached'
-- started_at: when the turn started
-- deadline: started_at + the brand's SLA
-- as_of: the watermark the queue is computed at
-- seconds_to_deadline: deadline - as_of (negative once overdue)
-- waiting_s: as_of - started_at
-- customer_id: the customer who opened the turn
-- customer_followers: their audience (NULL if unknown)
-- customer_messages: messages of the customer in this turn
-- negative_messages: of those, negative
-- last_sentiment: the tone of the customer's latest message
CREATE VIEW IF NOT EXISTS {database}.v_open_turn_queue AS
SELECT
    brand,
    conversation_id,
    turn_index,
    q_status AS status,
    q_started_at AS started_at,
    q_deadline AS deadline,
    q_as_of AS as_of,
    toInt64(q_deadline) - toInt64(q_as_of) AS seconds_to_deadline,
    toInt64(q_as_of) - toInt64(q_started_at) AS waiting_s,
    q_customer_id AS customer_id,
    q_customer_followers AS customer_followers,
    q_customer_messages AS customer_messages,
    q_negative_messages AS negative_messages,
    q_last_sentiment AS last_sentiment
FROM
(
    -- one row per turn already (v_turn_status): any() is that row, and the HAVING
    -- filters on its latest status
    SELECT
        brand,
        conversation_id,
        turn_index,
        any(status) AS q_status,
        any(started_at) AS q_started_at,
        any(deadline) AS q_deadline,
        any(is_answered) AS q_answered,
        any(customer_id) AS q_customer_id,
        any(customer_followers) AS q_customer_followers,
        any(customer_messages) AS q_customer_messages,
        any(negative_messages) AS q_negative_messages,
        any(last_sentiment) AS q_last_sentiment,
        toDateTime(intDiv(greatest(
            (SELECT max(version) FROM {database}.turns),
            (SELECT max(version) FROM {database}.reciprocity_windows)), 1000), 'UTC') AS q_as_of
    FROM {database}.v_turn_status
    GROUP BY brand, conversation_id, turn_index
    HAVING q_answered = 0
)
ORDER BY seconds_to_deadline, brand, conversation_id, turn_index;
