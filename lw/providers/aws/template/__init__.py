"""``lw template``: the stage exported as a CloudFormation or SAM template.

The template is built from the very functions ``lw deploy`` plans with (names, the
execution policy, the Lambda configuration, the OpenAPI body, the event builders), so
leaving lw for plain CloudFormation or SAM deploys the same resources under the same
names instead of a look-alike that drifts.
"""

from __future__ import annotations

from lw.providers.aws.template.build import FORMATS, CodeLocation, build_template
from lw.providers.aws.template.render import render

__all__ = ["FORMATS", "CodeLocation", "build_template", "render"]
