"""``python -m neurocast.cli``: the ``neurocast`` command."""

import sys

from neurocast.cli import main

sys.exit(main())
