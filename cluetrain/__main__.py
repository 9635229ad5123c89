import sys

from cluetrain.cli import main

sys.exit(main())
