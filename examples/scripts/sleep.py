"""A long-running training script: prints progress and sleeps, for terminate tests.

Options (unknown arguments such as --data_url=... are ignored):
  --seconds=N        how long to run (default 600)
  --interval=S       seconds between progress lines (default 0.2)
  --spawn_child      also start a grandchild process that sleeps; prints "child pid <pid>"
  --ignore_sigterm   ignore SIGTERM, so only SIGKILL stops it
"""

import argparse
import signal
import subprocess
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--spawn_child", action="store_true")
    parser.add_argument("--ignore_sigterm", action="store_true")
    args, _ = parser.parse_known_args()

    if args.ignore_sigterm:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("ignoring SIGTERM")
    if args.spawn_child:
        child = subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({args.seconds})"])
        print(f"child pid {child.pid}")
    start = time.monotonic()
    step = 0
    while time.monotonic() - start < args.seconds:
        step += 1
        print(f"sleeping: step {step}, {time.monotonic() - start:.1f}s of {args.seconds:g}s")
        time.sleep(args.interval)
    print("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
