"""The README's settings table is generated from the declarations."""
import subprocess
import sys
from pathlib import Path

from cluetrain.settings import declarations
from cluetrain.settings.table import (END, OPERATORS_END, OPERATORS_START, START, markdown_table, operators_table,
                                     readme_table)

ROOT = Path(__file__).resolve().parents[3]


def test_the_readme_table_is_current():
    assert readme_table((ROOT / "README.md").read_text()) == markdown_table(), \
        "regenerate with: python -m cluetrain.settings README.md"


def test_one_row_per_setting_with_its_type_and_default():
    rows = markdown_table().splitlines()[2:]
    assert [r.split(" | ")[0] for r in rows] == [f"| `{d.env_name}`" for d in declarations()]
    assert "| `CLUETRAIN_PARTITIONS` | integer > 0 | `4` |" in markdown_table()
    assert "| `CLUETRAIN_BRAND_SLA` | `brand=seconds,…` (integer > 0) | (empty) |" in markdown_table()


def test_the_module_prints_the_table_or_rewrites_it_in_a_readme(tmp_path):
    printed = subprocess.run([sys.executable, "-m", "cluetrain.settings"], capture_output=True, text=True, check=True)
    assert printed.stdout == markdown_table() + "\n"
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{START}\n| old |\n{END}\n\nafter\n")
    subprocess.run([sys.executable, "-m", "cluetrain.settings", str(readme)], check=True)
    assert readme.read_text() == f"# x\n\n{START}\n{markdown_table()}\n{END}\n\nafter\n"


def test_the_operators_table_in_deploy_readme_is_generated_from_the_declarations():
    text = (ROOT / "deploy" / "README.md").read_text()
    table, names = operators_table(text)
    assert "CLUETRAIN_SINK_OUTAGE_S" in names and "CLUETRAIN_CLICKHOUSE" in names
    assert table == markdown_table(names), "regenerate with: python -m cluetrain.settings --operators deploy/README.md"


def test_the_module_rewrites_the_operators_rows_it_names(tmp_path):
    doc = tmp_path / "README.md"
    doc.write_text(f"{OPERATORS_START}\n| `CLUETRAIN_SINK_OUTAGE_S` |\n| `CLUETRAIN_PARTITIONS` | old |\n"
                   f"{OPERATORS_END}\n")
    subprocess.run([sys.executable, "-m", "cluetrain.settings", "--operators", str(doc)], check=True)
    expected = markdown_table(["CLUETRAIN_SINK_OUTAGE_S", "CLUETRAIN_PARTITIONS"])
    assert doc.read_text() == f"{OPERATORS_START}\n{expected}\n{OPERATORS_END}\n"
    assert len(expected.splitlines()) == 4
