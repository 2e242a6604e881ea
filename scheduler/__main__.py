"""``python -m scheduler``: the pgrec scheduler in the foreground."""

import sys

from scheduler import main

sys.exit(main())
