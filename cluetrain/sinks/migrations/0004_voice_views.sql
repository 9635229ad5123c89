-- Views of the customer's and the brand's voice (issue 5): does an answer calm an
-- angry customer down, and does the brand answer like a human or with templates?
--
-- Same constraints and conventions as 0003_reciprocity_views.sql: the SQL runs on
-- chdb and on clickhouse-server 18.16 (no window functions, no CTE, aliased
-- subqueries, LEFT JOIN ... USING where a missing right row gives the column's
-- default: 0 for numbers, '' for strings), every table is read with FINAL inside
-- the view, aggregate aliases never reuse a source column's name (subqueries name
-- their results t_*, n_*, r_*, k_*, s_*, v_* and the outer SELECT renames them),
-- no WHERE on a non-key column next to FINAL (filters are conditional aggregates or
-- HAVING), and ratios are NULL when their denominator is 0.
--
-- Tone (DESIGN: Sentiment): negative <= -0.05, "no longer negative" > -0.05. The
-- scores are Float32 in `turns`: a stored -0.05 reads -0.0500000007 and stays
-- negative, as the score -0.05 is in the stream.


-- v_sentiment_recovery: "the customer who flips from defender to attacker", and
-- back. One row per brand with at least one turn. For every answered turn i
-- (status 'answered' or 'answered_late') of a conversation: the customer's tone
-- just before the answer = last_sentiment of turn i, and in their next message
-- after it = first_sentiment of turn i + 1 of the same (brand, conversation_id),
-- if the customer wrote again (a new turn opens only with the next customer
-- message after an answer, so turn i + 1 starts with exactly that message).
-- answered: answered turns. answered_with_next: those the customer wrote after.
-- negative_answered: answered turns whose last customer message was negative.
-- negative_with_next: those followed by a next message; recovered: those whose
-- next message is no longer negative; recovery_rate = recovered / negative_with_next.
-- nonnegative_with_next: answered turns, not negative before the answer, followed
-- by a next message; soured: those whose next message is negative ("defender to
-- attacker"); souring_rate = soured / nonnegative_with_next.
CREATE VIEW IF NOT EXISTS {database}.v_sentiment_recovery AS
SELECT
    brand,
    r_answered AS answered,
    r_answered_with_next AS answered_with_next,
    r_negative AS negative_answered,
    r_negative_with_next AS negative_with_next,
    r_recovered AS recovered,
    if(r_negative_with_next = 0, NULL, r_recovered / r_negative_with_next) AS recovery_rate,
    r_nonnegative_with_next AS nonnegative_with_next,
    r_soured AS soured,
    if(r_nonnegative_with_next = 0, NULL, r_soured / r_nonnegative_with_next) AS souring_rate
FROM
(
    SELECT
        brand,
        countIf(t_status IN ('answered', 'answered_late')) AS r_answered,
        countIf(t_status IN ('answered', 'answered_late') AND n_next = 1) AS r_answered_with_next,
        countIf(t_status IN ('answered', 'answered_late') AND t_last <= -0.05) AS r_negative,
        countIf(t_status IN ('answered', 'answered_late') AND t_last <= -0.05 AND n_next = 1) AS r_negative_with_next,
        countIf(t_status IN ('answered', 'answered_late') AND t_last <= -0.05 AND n_next = 1
                AND n_first > -0.05) AS r_recovered,
        countIf(t_status IN ('answered', 'answered_late') AND t_last > -0.05 AND n_next = 1) AS r_nonnegative_with_next,
        countIf(t_status IN ('answered', 'answered_late') AND t_last > -0.05 AND n_next = 1
                AND n_first <= -0.05) AS r_soured
    FROM
    (
        SELECT brand, conversation_id, toInt64(turn_index) AS turn_key, status AS t_status,
               last_sentiment AS t_last
        FROM {database}.turns FINAL
    ) AS t
    LEFT JOIN
    (
        -- turn i + 1 keyed by i; turn 0 gets key -1 and matches nothing.
        -- n_next is 1 on every row that matches (never a constant: a constant column
        -- of a joined subquery is not reliably carried through the JOIN on 18.16)
        SELECT brand, conversation_id, toInt64(turn_index) - 1 AS turn_key,
               first_sentiment AS n_first, toUInt8(turn_index >= 1) AS n_next
        FROM {database}.turns FINAL
    ) AS n
    USING (brand, conversation_id, turn_key)
    GROUP BY brand
) AS r;


-- v_sentiment_recovery_by_role: v_sentiment_recovery per brand and responder_role
-- of the answer ('brand': the official account, 'employee': a named person). Does a
-- human recover more customers than the brand account? One row per (brand,
-- responder_role) with at least one answered turn; same columns and definitions.
CREATE VIEW IF NOT EXISTS {database}.v_sentiment_recovery_by_role AS
SELECT
    brand,
    responder_role,
    r_answered AS answered,
    r_answered_with_next AS answered_with_next,
    r_negative AS negative_answered,
    r_negative_with_next AS negative_with_next,
    r_recovered AS recovered,
    if(r_negative_with_next = 0, NULL, r_recovered / r_negative_with_next) AS recovery_rate,
    r_nonnegative_with_next AS nonnegative_with_next,
    r_soured AS soured,
    if(r_nonnegative_with_next = 0, NULL, r_soured / r_nonnegative_with_next) AS souring_rate
FROM
(
    SELECT
        brand,
        t_role AS responder_role,
        countIf(t_status IN ('answered', 'answered_late')) AS r_answered,
        countIf(t_status IN ('answered', 'answered_late') AND n_next = 1) AS r_answered_with_next,
        countIf(t_status IN ('answered', 'answered_late') AND t_last <= -0.05) AS r_negative,
        countIf(t_status IN ('answered', 'answered_late') AND t_last <= -0.05 AND n_next = 1) AS r_negative_with_next,
        countIf(t_status IN ('answered', 'answered_late') AND t_last <= -0.05 AND n_next = 1
                AND n_first > -0.05) AS r_recovered,
        countIf(t_status IN ('answered', 'answered_late') AND t_last > -0.05 AND n_next = 1) AS r_nonnegative_with_next,
        countIf(t_status IN ('answered', 'answered_late') AND t_last > -0.05 AND n_next = 1
                AND n_first <= -0.05) AS r_soured
    FROM
    (
        SELECT brand, conversation_id, toInt64(turn_index) AS turn_key, status AS t_status,
               last_sentiment AS t_last, responder_role AS t_role
        FROM {database}.turns FINAL
    ) AS t
    LEFT JOIN
    (
        SELECT brand, conversation_id, toInt64(turn_index) - 1 AS turn_key,
               first_sentiment AS n_first, toUInt8(turn_index >= 1) AS n_next
        FROM {database}.turns FINAL
    ) AS n
    USING (brand, conversation_id, turn_key)
    GROUP BY brand, t_role
    HAVING r_answered > 0
) AS r;


-- v_reply_templates: one row per brand-side reply (author_role 'brand' or
-- 'employee'; customers' replies and mentions are not replies of the brand).
-- A reply is templated when one of its template_keys (MinHash-LSH band keys of its
-- masked text, streams/domain/voice.py) is shared with at least one OTHER
-- brand-side reply of the same brand: uniqExact(event_id) >= 2 per (brand, key).
-- templated: 1 or 0; template_id: the smallest shared key of the reply ('' when
-- not templated), a stable name for "the template it follows" (two replies of one
-- template may still differ in template_id when they share different bands).
-- A reply with no keys (empty text once masked) is never templated.
CREATE VIEW IF NOT EXISTS {database}.v_reply_templates AS
SELECT
    brand,
    event_id,
    r_author_id AS author_id,
    r_author_role AS author_role,
    r_created_at AS created_at,
    s_templated AS templated,
    s_template_id AS template_id
FROM
(
    -- FINAL gives one row per (brand, event_id); the role filter is a HAVING so
    -- that it sees that row only
    SELECT
        brand,
        event_id,
        any(author_id) AS r_author_id,
        any(author_role) AS r_author_role,
        any(created_at) AS r_created_at
    FROM {database}.replies FINAL
    GROUP BY brand, event_id
    HAVING r_author_role IN ('brand', 'employee')
) AS r
LEFT JOIN
(
    SELECT
        brand,
        event_id,
        toUInt8(count() > 0) AS s_templated,
        min(template_key) AS s_template_id
    FROM
    (
        SELECT brand, event_id,
               arrayJoin(if(author_role IN ('brand', 'employee'), template_keys, emptyArrayString())) AS template_key
        FROM {database}.replies FINAL
    ) AS e
    INNER JOIN
    (
        SELECT brand, template_key, uniqExact(event_id) AS k_replies
        FROM
        (
            SELECT brand, event_id,
                   arrayJoin(if(author_role IN ('brand', 'employee'), template_keys, emptyArrayString())) AS template_key
            FROM {database}.replies FINAL
        ) AS e2
        GROUP BY brand, template_key
        HAVING k_replies >= 2
    ) AS k
    USING (brand, template_key)
    GROUP BY brand, event_id
) AS s
USING (brand, event_id);


-- v_template_share: one row per brand with at least one brand-side reply.
-- replies: brand-side replies; templated: those templated (v_reply_templates);
-- share = templated / replies; templates: distinct template_id of the templated
-- replies (an upper bound of the number of templates, see v_reply_templates).
CREATE VIEW IF NOT EXISTS {database}.v_template_share AS
SELECT
    brand,
    v_replies AS replies,
    v_templated AS templated,
    if(v_replies = 0, NULL, v_templated / v_replies) AS share,
    v_templates AS templates
FROM
(
    SELECT
        brand,
        count() AS v_replies,
        sum(templated) AS v_templated,
        uniqExactIf(template_id, templated = 1) AS v_templates
    FROM {database}.v_reply_templates
    GROUP BY brand
) AS v;


-- v_template_share_by_author: v_template_share per brand and author of the reply:
-- every employee individually (author_id '<brand>/<signature>' in twcs), the brand
-- account as one author (its handle, role 'brand'). A templated reply may share its
-- template with replies of other authors of the same brand.
CREATE VIEW IF NOT EXISTS {database}.v_template_share_by_author AS
SELECT
    brand,
    author_id,
    author_role,
    v_replies AS replies,
    v_templated AS templated,
    if(v_replies = 0, NULL, v_templated / v_replies) AS share
FROM
(
    SELECT
        brand,
        author_id,
        author_role,
        count() AS v_replies,
        sum(templated) AS v_templated
    FROM {database}.v_reply_templates
    GROUP BY brand, author_id, author_role
) AS v;
