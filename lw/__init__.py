"""lw: run existing Python web apps serverless on more than one cloud."""

__version__ = "0.1.0"

# The name on the package index (``pip install lw-deploy``): ``lw`` there is another project.
DISTRIBUTION = "lw-deploy"
