"""`python -m bench` (what `make bench` runs)."""

import sys

from bench.run import main

if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("bench: interrupted; every child process was stopped", file=sys.stderr)
        sys.exit(130)
