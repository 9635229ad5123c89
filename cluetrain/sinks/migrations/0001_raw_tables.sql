-- Raw input: every valid event, and every rejected input with its reason.
-- ReplacingMergeTree on the event's key: a re-delivered event is stored once when
-- read with FINAL (created_at never changes for an event_id, so the duplicates land
-- in the same monthly partition).

CREATE TABLE IF NOT EXISTS {database}.mentions
(
    kind String,
    event_id String,
    conversation_id String,
    in_reply_to Nullable(String),
    brand String,
    author_id String,
    author_role String,
    author_followers Nullable(UInt64),
    text String,
    lang String,
    created_at DateTime,
    created_at_ms UInt64,
    sentiment Float32,
    late UInt8,
    source_partition UInt32,
    source_offset UInt64,
    ingested_at DateTime,
    -- MinHash-LSH keys of a brand-side reply (streams/domain/voice.py); replies of one
    -- brand sharing a key are near-duplicates (templates). Empty for customer posts.
    template_keys Array(String)
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(created_at)
ORDER BY (brand, event_id);

-- replies: the same columns and engine as mentions
CREATE TABLE IF NOT EXISTS {database}.replies AS {database}.mentions;

-- dead_letter_id is derived from the source topic/partition/offset: a re-delivered
-- bad record replaces itself. Not partitioned: received_at differs between deliveries.
CREATE TABLE IF NOT EXISTS {database}.dead_letters
(
    received_at DateTime,
    source String,
    reason String,
    payload_base64 String,
    source_topic String,
    source_partition Int32,
    source_offset Int64,
    dead_letter_id String
)
ENGINE = ReplacingMergeTree()
ORDER BY dead_letter_id;
