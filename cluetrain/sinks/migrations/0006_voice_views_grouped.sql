-- Views of the customer's and the brand's voice: does an answer calm an angry
-- customer down, and does the brand answer like a human or with templates?
-- This migration replaces the views of 0004 (same names, same columns, same
-- values): it drops them and creates them again, so a database that applied 0004
-- gets these definitions too; 0004 is empty since.
--
-- Same constraints and conventions as 0005_reciprocity_views_on_turn_status.sql
-- (chdb and clickhouse-server 18.16, turns read through v_turn_status, grouped
-- views by arrayJoin over the grouping names): subqueries name their results t_*,
-- n_*, r_*, k_*, s_*, v_* and the outer SELECT renames them; a LEFT JOIN ... USING
-- gives the column's default for a missing right row (0 for numbers, '' for
-- strings); no WHERE on a non-key column next to FINAL (filters are conditional
-- aggregates or HAVING); ratios are NULL when their denominator is 0.
--
-- Tone (DESIGN.md § Sentiment analyzers and the polarity threshold): negative = at
-- or below the negative threshold of
-- cluetrain/domain/polarity.py, "no longer negative" = above it; the per-turn flags
-- are is_first_negative / is_last_negative of v_turn_status.

DROP TABLE IF EXISTS {database}.v_sentiment_recovery;
DROP TABLE IF EXISTS {database}.v_sentiment_recovery_by_role;
DROP TABLE IF EXISTS {database}.v_sentiment_recovery_grouped;
DROP TABLE IF EXISTS {database}.v_template_share;
DROP TABLE IF EXISTS {database}.v_template_share_by_author;
DROP TABLE IF EXISTS {database}.v_template_share_grouped;
DROP TABLE IF EXISTS {database}.v_reply_templates;


-- v_sentiment_recovery_grouped: "the customer who flips from defender to
-- attacker", and back, per grouping: 'brand' (responder_role ''): all the brand's
-- turns; 'responder_role': per role of the answer ('brand': the official account,
-- 'employee': a named person; '' for the unanswered turns). One row per (brand,
-- grouping, responder_role) with at least one turn. For every answered turn i
-- (is_answered) of a conversation: the customer's tone just before the answer =
-- last_sentiment of turn i, and in their next message after it = first_sentiment
-- of turn i + 1 of the same (brand, conversation_id), if the customer wrote again
-- (a new turn opens only with the next customer message after an answer, so turn
-- i + 1 starts with exactly that message).
-- answered: answered turns. answered_with_next: those the customer wrote after.
-- negative_answered: answered turns whose last customer message was negative.
-- negative_with_next: those followed by a next message; recovered: those whose
-- next message is no longer negative; recovery_rate = recovered / negative_with_next.
-- nonnegative_with_next: answered turns, not negative before the answer, followed
-- by a next message; soured: those whose next message is negative ("defender to
-- attacker"); souring_rate = soured / nonnegative_with_next.
CREATE VIEW IF NOT EXISTS {database}.v_sentiment_recovery_grouped AS
SELECT
    brand,
    grouping,
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
        grouping,
        if(grouping = 'brand', '', t_role) AS responder_role,
        countIf(t_answered = 1) AS r_answered,
        countIf(t_answered = 1 AND n_next = 1) AS r_answered_with_next,
        countIf(t_answered = 1 AND t_negative = 1) AS r_negative,
        countIf(t_answered = 1 AND t_negative = 1 AND n_next = 1) AS r_negative_with_next,
        countIf(t_answered = 1 AND t_negative = 1 AND n_next = 1 AND n_negative = 0) AS r_recovered,
        countIf(t_answered = 1 AND t_negative = 0 AND n_next = 1) AS r_nonnegative_with_next,
        countIf(t_answered = 1 AND t_negative = 0 AND n_next = 1 AND n_negative = 1) AS r_soured
    FROM
    (
        SELECT brand, conversation_id, toInt64(turn_index) AS turn_key, is_answered AS t_answered,
               is_last_negative AS t_negative, responder_role AS t_role,
               arrayJoin(['brand', 'responder_role']) AS grouping
        FROM {database}.v_turn_status
    ) AS t
    LEFT JOIN
    (
        -- turn i + 1 keyed by i; turn 0 gets key -1 and matches nothing.
        -- n_next is 1 on every row that matches (never a constant: a constant column
        -- of a joined subquery is not reliably carried through the JOIN on 18.16)
        SELECT brand, conversation_id, toInt64(turn_index) - 1 AS turn_key,
               is_first_negative AS n_negative, toUInt8(turn_index >= 1) AS n_next
        FROM {database}.v_turn_status
    ) AS n
    USING (brand, conversation_id, turn_key)
    GROUP BY brand, grouping, responder_role
) AS r;


-- v_sentiment_recovery: one row per brand with at least one turn:
-- v_sentiment_recovery_grouped, grouping 'brand'.
CREATE VIEW IF NOT EXISTS {database}.v_sentiment_recovery AS
SELECT
    brand, answered, answered_with_next, negative_answered, negative_with_next, recovered,
    recovery_rate, nonnegative_with_next, soured, souring_rate
FROM {database}.v_sentiment_recovery_grouped
WHERE grouping = 'brand';


-- v_sentiment_recovery_by_role: does a human recover more customers than the brand
-- account? One row per (brand, responder_role) with at least one answered turn:
-- v_sentiment_recovery_grouped, grouping 'responder_role'.
CREATE VIEW IF NOT EXISTS {database}.v_sentiment_recovery_by_role AS
SELECT
    brand, responder_role, answered, answered_with_next, negative_answered, negative_with_next,
    recovered, recovery_rate, nonnegative_with_next, soured, souring_rate
FROM {database}.v_sentiment_recovery_grouped
WHERE grouping = 'responder_role' AND answered > 0;


-- v_reply_templates: one row per brand-side reply (author_role 'brand' or
-- 'employee'; customers' replies and mentions are not replies of the brand).
-- A reply is templated when one of its template_keys (MinHash-LSH band keys of its
-- masked text, cluetrain/text/voice.py) is shared with at least one OTHER
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


-- v_template_share_grouped: the brand-side replies of v_reply_templates per
-- grouping: 'brand' (author_id '', author_role ''): all the brand's replies;
-- 'author': per author of the reply, every employee individually (author_id
-- '<brand>/<signature>' in twcs), the brand account as one author (its handle,
-- role 'brand'). One row per (brand, grouping, author_id, author_role) with at
-- least one reply. replies: brand-side replies; templated: those templated;
-- share = templated / replies; templates: distinct template_id of the templated
-- replies (an upper bound of the number of templates, see v_reply_templates). A
-- templated reply may share its template with replies of other authors of the
-- same brand.
CREATE VIEW IF NOT EXISTS {database}.v_template_share_grouped AS
SELECT
    brand,
    grouping,
    author_id,
    author_role,
    v_replies AS replies,
    v_templated AS templated,
    if(v_replies = 0, NULL, v_templated / v_replies) AS share,
    v_templates AS templates
FROM
(
    SELECT
        brand,
        grouping,
        if(grouping = 'brand', '', v_author_id) AS author_id,
        if(grouping = 'brand', '', v_author_role) AS author_role,
        count() AS v_replies,
        sum(v_reply_templated) AS v_templated,
        uniqExactIf(v_template_id, v_reply_templated = 1) AS v_templates
    FROM
    (
        SELECT brand, author_id AS v_author_id, author_role AS v_author_role, templated AS v_reply_templated,
               template_id AS v_template_id, arrayJoin(['brand', 'author']) AS grouping
        FROM {database}.v_reply_templates
    )
    GROUP BY brand, grouping, author_id, author_role
) AS v;


-- v_template_share: one row per brand with at least one brand-side reply:
-- v_template_share_grouped, grouping 'brand'.
CREATE VIEW IF NOT EXISTS {database}.v_template_share AS
SELECT brand, replies, templated, share, templates
FROM {database}.v_template_share_grouped
WHERE grouping = 'brand';


-- v_template_share_by_author: one row per (brand, author_id, author_role) with at
-- least one brand-side reply: v_template_share_grouped, grouping 'author'.
CREATE VIEW IF NOT EXISTS {database}.v_template_share_by_author AS
SELECT brand, author_id, author_role, replies, templated, share
FROM {database}.v_template_share_grouped
WHERE grouping = 'author';
