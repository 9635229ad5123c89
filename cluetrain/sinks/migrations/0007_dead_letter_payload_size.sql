-- Dead letters keep at most CLUETRAIN_DEAD_LETTER_PAYLOAD_BYTES of a payload
-- (payload_base64 holds the start of a larger one): the size and SHA-256 of the payload
-- as received. One statement, so that it is applied whole or not at all (ClickHouse
-- 18.16 has no ADD COLUMN IF NOT EXISTS). Rows written before it read 0 and ''.
ALTER TABLE {database}.dead_letters
    ADD COLUMN payload_size UInt64,
    ADD COLUMN payload_sha256 String;
