"""``python -m app``: the same as the ``webgen`` command."""

import sys

from app.cli import main

sys.exit(main(sys.argv[1:]))
