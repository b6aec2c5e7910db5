"""`python -m tui.cli`: the packdesk command."""

import sys

from . import main

sys.exit(main())
