"""Writes examples/bucket/data/train.csv: 300 labelled points in two overlapping clouds.

Deterministic (fixed seed), so re-running it reproduces the committed file.
Usage: python examples/scripts/make_dataset.py
"""

import csv
import random
from pathlib import Path

ROWS = 300
OUT = Path(__file__).resolve().parents[1] / "bucket" / "data" / "train.csv"


def main() -> None:
    rng = random.Random(20240611)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["x1", "x2", "label"])
        for _ in range(ROWS):
            label = rng.random() < 0.5
            # Class 1 is centred at (1, 1), class 0 at (-1, -1); the clouds overlap a little.
            centre = 1.0 if label else -1.0
            x1 = rng.gauss(centre, 1.0)
            x2 = rng.gauss(centre, 1.0)
            writer.writerow([f"{x1:.4f}", f"{x2:.4f}", int(label)])
    print(f"wrote {ROWS} rows to {OUT}")


if __name__ == "__main__":
    main()
