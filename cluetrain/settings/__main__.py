"""`python -m cluetrain.settings`: print the settings table; with a README path, rewrite
the table in it."""
import sys
from pathlib import Path

from cluetrain.settings.table import markdown_table, rewrite_readme

if len(sys.argv) > 1:
    rewrite_readme(Path(sys.argv[1]))
else:
    print(markdown_table())
