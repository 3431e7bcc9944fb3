"""The AWS provider (Lambda, IAM, API Gateway, Function URLs and event sources).

``plugin`` holds the hook implementations registered under the ``lw`` entry-point group;
every other module does one job and is imported lazily by the hook that needs it.
"""
