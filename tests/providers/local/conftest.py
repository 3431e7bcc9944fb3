from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from localrun import deployment_of, lw_env  # noqa: E402,F401 - fixtures
