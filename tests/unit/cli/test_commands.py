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
