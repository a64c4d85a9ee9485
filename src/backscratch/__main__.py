"""``python -m backscratch`` runs the command line."""

import sys

from backscratch._entry import main

sys.exit(main())
