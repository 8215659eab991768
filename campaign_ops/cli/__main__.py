"""``python -m campaign_ops.cli``: the same as the ``campaign-ops`` command."""

import sys

from campaign_ops.cli import main

sys.exit(main())
