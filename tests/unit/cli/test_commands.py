"""`cluetrain sentiment [--lang L]`: one score per stdin line, in order, never a traceback."""
from __future__ import annotations

import io

from cluetrain.cli import main as cli


def run(monkeypatch, capsys, data: bytes, *args: str):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code = cli.main(["sentiment", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_one_score_per_line_with_detected_language(monkeypatch, capsys):
    lines = ["still waiting for my refund, 3 weeks now", "thanks so much, you guys rock!",
             "what time does the store open?", "je n'aime pas du tout ce service", "", "Merci beaucoup !"]
    code, out, err = run(monkeypatch, capsys, "\n".join(lines).encode() + b"\n")
    assert code == 0 and err == ""
    assert len(out) == len(lines)
    scores = [float(x) for x in out]
    assert scores[0] < -0.05 and scores[1] > 0.05 and scores[2] == 0.0
    assert scores[3] < -0.05 and scores[4] == 0.0 and scores[5] > 0.05
    assert all(len(x.split(".")[1]) == 4 for x in out)


def test_forced_language_and_unsupported_ones_are_reported(monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, b"je n'aime pas\r\nhola amigos\n", "--lang", "de")
    assert code == 0 and out == ["0.0000", "0.0000"]
    assert "2 line(s)" in err and "de 2" in err and "Traceback" not in err
    code, out, _ = run(monkeypatch, capsys, b"je n'aime pas\n", "--lang", "fr")
    assert float(out[0]) < -0.05


def test_undecodable_bytes_are_replaced(monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, b"\xff\xfe broken bytes, terrible service\n")
    assert code == 0 and len(out) == 1 and float(out[0]) < 0


def test_errors_are_one_line_with_the_password_masked_and_their_exit_code(capsys, tmp_path):
    url = "clickhouse://writer:S3cr3tPW@127.0.0.1:99999/db"
    assert cli.main(["query", "SELECT 1", "--clickhouse", url]) == 2  # a setting to fix
    err = capsys.readouterr().err
    assert err == "cluetrain: error: invalid port in ClickHouse URL 'clickhouse://writer:***@127.0.0.1:99999/db'\n"
    assert cli.main(["query", "SELECT 1", "--clickhouse", "http://writer:S3cr3tPW@h/db"]) == 2
    assert "S3cr3tPW" not in capsys.readouterr().err
    assert cli.main(["run", "--input", str(tmp_path / "x.jsonl"), "--broker", "notaurl"]) == 2
    assert capsys.readouterr().err.startswith("cluetrain: error: CLUETRAIN_BROKER: expected kafka://host:port")


def test_run_refuses_a_csv_that_is_not_twcs_as_import_twcs_does(capsys, tmp_path):
    csv = tmp_path / "notwcs.csv"
    csv.write_text("a,b,c\n1,2,3\n")
    assert cli.main(["import-twcs", str(csv), "-o", str(tmp_path / "out.jsonl")]) == 2
    refused = capsys.readouterr().err
    assert "not a twcs CSV: missing column(s) tweet_id" in refused
    assert cli.main(["run", "--input", str(csv), "--clickhouse", str(tmp_path / "chdb")]) == 2
    assert capsys.readouterr().err == refused
