"""``python -m cisim`` runs the command line."""

from cisim.cli import main

main()
