"""`python -m desktop_app`: the same as the `hubsched` command."""

import sys

from desktop_app.launcher import main

sys.exit(main())
