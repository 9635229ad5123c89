"""The exit codes: one definition, the operators' table in deploy/README.md generated from
it, and the systemd unit's restart policy in step with it."""
import re
import subprocess
import sys
from pathlib import Path

from cluetrain.runtime import exit_codes
from cluetrain.runtime.exit_codes import END, MEANINGS, NO_RESTART, START, document_table, markdown_table

ROOT = Path(__file__).resolve().parents[3]


def test_the_deploy_readme_table_is_current():
    assert document_table((ROOT / "deploy" / "README.md").read_text()) == markdown_table(), \
        "regenerate with: python -m cluetrain.runtime.exit_codes deploy/README.md"


def test_every_code_has_one_meaning_and_a_row():
    codes = [v for k, v in vars(exit_codes).items() if k.isupper() and isinstance(v, int)]
    assert sorted(codes) == sorted(MEANINGS) == [0, 1, 2, 3, 4, 130]
    rows = markdown_table().splitlines()[2:]
    assert [r.split(" | ")[0] for r in rows] == [f"| `{c}`" for c in MEANINGS]
    assert "| `3` | CLICKHOUSE |" in markdown_table() and "CLUETRAIN_SINK_OUTAGE_S" in MEANINGS[3]


def test_the_systemd_unit_restarts_on_failure_except_the_codes_a_restart_cannot_help():
    unit = (ROOT / "deploy" / "cluetrain-worker@.service").read_text()
    options = dict(re.findall(r"^(\w+)=(.*)$", unit, re.M))
    assert options["Restart"] == "on-failure"
    assert sorted(int(c) for c in options["RestartPreventExitStatus"].split()) == sorted(NO_RESTART)
    assert float(options["RestartSec"]) > 0 and options["StartLimitIntervalSec"] == "0"
    for code in (exit_codes.ERROR, exit_codes.CLICKHOUSE, exit_codes.BROKER):  # resumable: restarted
        assert code not in NO_RESTART and f"| `{code}` |" in markdown_table()
        assert markdown_table().splitlines()[2 + list(MEANINGS).index(code)].endswith("| yes |")


def test_the_module_prints_the_table_or_rewrites_it_in_a_document(tmp_path):
    printed = subprocess.run([sys.executable, "-m", "cluetrain.runtime.exit_codes"], capture_output=True, text=True,
                             check=True)
    assert printed.stdout == markdown_table() + "\n"
    doc = tmp_path / "README.md"
    doc.write_text(f"# x\n\n{START}\n| old |\n{END}\n\nafter\n")
    subprocess.run([sys.executable, "-m", "cluetrain.runtime.exit_codes", str(doc)], check=True)
    assert doc.read_text() == f"# x\n\n{START}\n{markdown_table()}\n{END}\n\nafter\n"
