"""Python imports this at start-up when its folder is on ``PYTHONPATH``: tests put it
there, with ``LW_STRICT_AWS`` set, for an ``lw`` CLI they run as a separate process
(``strict_aws.process.environment()``), so that process's botocore clients go through
the strict layer too. Without the variable it does nothing; users never have it."""

import os

if os.environ.get("LW_STRICT_AWS"):
    import sys

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from strict_aws.process import install_from_environment

    install_from_environment()
