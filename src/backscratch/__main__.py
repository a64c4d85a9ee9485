"""``python -m backscratch`` runs the command line."""

import sys

from backscratch.cli import main

sys.exit(main())
