import sys

from cluetrain.cli.main import main

sys.exit(main())
