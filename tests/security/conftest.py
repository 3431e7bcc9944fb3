"""Attack families that stay in the suite: every hole found by attacking lw has its
repro here, so that it cannot silently reopen."""

import sys
from pathlib import Path

LOCAL_HELPERS = Path(__file__).resolve().parents[1] / "providers" / "local"
if str(LOCAL_HELPERS) not in sys.path:
    sys.path.insert(0, str(LOCAL_HELPERS))

from localrun import deployment_of, lw_env  # noqa: E402,F401 - fixtures for the local provider
