"""`python -m portal ...` is the `portal` command, for machines where pip's scripts are not on PATH."""

import sys

from portal.cli import main

sys.exit(main())
