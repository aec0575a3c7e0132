"""A training script that fails: prints a few lines, then exits 3 with an error on stderr.

Accepts (and ignores) whatever arguments the platform passes, like --data_url=...
"""

import sys
import time


def main() -> int:
    print(f"fail.py started with {len(sys.argv) - 1} arguments")
    for step in range(1, 4):
        print(f"step {step}/3")
        time.sleep(0.05)
    print("error: simulated failure in step 3 (exit code 3)", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())
