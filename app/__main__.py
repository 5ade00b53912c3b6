"""Lets `python -m app` run the console script."""

from app.cli import main

if __name__ == "__main__":  # worker processes import this module too (multiprocessing spawn)
    main()
