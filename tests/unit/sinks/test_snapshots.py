from cluetrain.sinks.snapshots import fingerprint, reading_snapshots


def test_reading_snapshots_rewrites_only_the_fresh_views():
    sql = "SELECT a FROM db.v_one WHERE x IN (SELECT y FROM v_two) AND z = 'v_one'"
    assert reading_snapshots(sql, {"v_one": 7}) == (
        "SELECT a FROM db.snapshot_v_one AS v_one PREWHERE snapshot_generation = 7 "
        "WHERE x IN (SELECT y FROM v_two) AND z = 'v_one'")
    assert reading_snapshots(sql, {}) == sql


def test_unqualified_names_and_joins_are_rewritten_in_place():
    sql = "SELECT * FROM v_a\nLEFT JOIN v_b USING (brand) WHERE v_a.brand = 'x'"
    assert reading_snapshots(sql, {"v_a": 1, "v_b": 2}) == (
        "SELECT * FROM snapshot_v_a AS v_a PREWHERE snapshot_generation = 1\n"
        "LEFT JOIN (SELECT * FROM snapshot_v_b WHERE snapshot_generation = 2) AS v_b USING (brand) "
        "WHERE v_a.brand = 'x'")


def test_the_fingerprint_is_the_highest_block_of_each_base_table():
    asked = []

    def query(sql):
        asked.append(sql)
        return ["table", "block"], [("mentions", "12"), ("turns", 40)]

    assert fingerprint(query, "cluetrain") == "mentions:12,turns:40"
    assert "database = 'cluetrain'" in asked[0] and "active" in asked[0]
    fingerprint(query)
    assert "database = currentDatabase()" in asked[1]

