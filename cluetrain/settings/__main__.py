"""`python -m cluetrain.settings`: print the settings table; with a README path, rewrite
the table in it; with `--operators PATH`, rewrite the operators' table there (deploy/README.md)."""
import sys
from pathlib import Path

from cluetrain.settings.table import markdown_table, rewrite_operators, rewrite_readme

if len(sys.argv) > 2 and sys.argv[1] == "--operators":
    rewrite_operators(Path(sys.argv[2]))
elif len(sys.argv) > 1:
    rewrite_readme(Path(sys.argv[1]))
else:
    print(markdown_table())
