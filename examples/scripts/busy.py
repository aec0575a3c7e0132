"""A training stand-in that works the machine for a few minutes: CPU-bound steps whose load rises and falls,
and memory that grows, so that a job's metrics have something to show (`modelarts-pulumi metrics JOB --plot`;
the README's chart was drawn from a run of it).

Options (unknown arguments such as --data_url=... are ignored):
  --minutes=N   how long to run (default 4)
"""

import argparse
import math
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=4.0)
    args, _ = parser.parse_known_args()
    start = time.monotonic()
    held = []
    step = 0
    loss = 2.0
    while (elapsed := time.monotonic() - start) < args.minutes * 60:
        step += 1
        busy = 0.35 + 0.3 * math.sin(elapsed / 25.0)  # the share of each second spent computing
        until = time.monotonic() + busy
        total = 0.0
        while time.monotonic() < until:
            total += sum(i * i for i in range(2000))
        held.append(bytearray(2 * 1024 * 1024))  # 2 MiB more each step
        loss *= 0.98
        print(f"step {step}: loss={loss:.4f} ({elapsed:.0f}s)", flush=True)
        time.sleep(max(0.0, 1.0 - busy))
    print("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
