"""Lets `python -m app` run the console script."""

from app.cli import main

main()
