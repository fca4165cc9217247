"""``python -m redblue`` runs the command line."""

import sys

from redblue.cli import main

sys.exit(main())
