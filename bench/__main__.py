"""`python -m bench` (what `make bench` runs); `python -m bench scale`: the scale curve (bench/scale.py)."""

import sys

from bench import run, scale

if __name__ == "__main__":
    command = scale.main if sys.argv[1:] == ["scale"] else run.main
    try:
        sys.exit(command())
    except KeyboardInterrupt:
        print("bench: interrupted; every child process was stopped", file=sys.stderr)
        sys.exit(130)
