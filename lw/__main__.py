"""``python -m lw`` runs the CLI."""

from lw.cli import main

main()
