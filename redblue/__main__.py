"""``python -m redblue`` runs the command line."""

import sys

from redblue.cli import main

if __name__ == "__main__":
    sys.exit(main())
