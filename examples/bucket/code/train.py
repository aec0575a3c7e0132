"""Logistic regression by gradient descent: the boot file of the example training job.

Standard library only. ModelArts starts it as

    python train.py --epochs=20 --lr=0.5 --dist=False --world_size=1 \
        --data_url=<local input dir> --train_url=<local output dir>

It reads <data_url>/train.csv (feature columns plus a 0/1 "label" column), prints the loss of every
epoch and writes the weights to <train_url>/model.json.

Distributed (node_count > 1): the platform gives every node RANK, WORLD_SIZE, MASTER_ADDR and
MASTER_PORT. Each rank then trains on its own shard of the rows (every WORLD_SIZE-th row) and, once
per epoch, the ranks add up their gradients through a small TCP rendezvous at MASTER_ADDR:MASTER_PORT
served by rank 0. Every rank takes the same step, exactly as one big batch would; rank 0 writes the model.
"""

import argparse
import csv
import json
import math
import os
import socket
import sys
import time
from pathlib import Path


def str2bool(text: str) -> bool:
    """ModelArts passes Boolean hyperparameters as the strings True / False."""
    if text.strip().lower() in ("true", "1", "yes"):
        return True
    if text.strip().lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected True or False, got {text!r}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Logistic regression on <data_url>/train.csv")
    parser.add_argument("--data_url", required=True, help="input directory holding train.csv")
    parser.add_argument("--train_url", required=True, help="output directory for model.json")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=0.5, help="learning rate")
    parser.add_argument("--dist", type=str2bool, default=False, help="ask for distributed training")
    parser.add_argument("--world_size", type=int, default=1, help="number of nodes expected")
    args, unknown = parser.parse_known_args()  # the platform may pass more than we know about
    if unknown:
        print(f"ignoring unknown arguments: {unknown}")
    return args


def load_csv(path: Path) -> tuple[list[str], list[list[float]], list[float]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        features = [name for name in reader.fieldnames or [] if name != "label"]
        rows = list(reader)
    xs = [[float(row[name]) for name in features] for row in rows]
    ys = [float(row["label"]) for row in rows]
    return features, xs, ys


class Rendezvous:
    """Adds up lists of numbers across ranks: the workers send theirs to rank 0, which answers with the sum."""

    def __init__(self, rank: int, world_size: int, host: str, port: int, timeout: float = 60.0) -> None:
        self.rank = rank
        self.peers = []  # rank 0: one line-based stream per worker; a worker: its stream to rank 0
        if rank == 0:
            with socket.create_server((host, port)) as server:
                server.settimeout(timeout)
                joined = {}
                while len(joined) < world_size - 1:
                    conn, _ = server.accept()
                    conn.settimeout(timeout)
                    stream = conn.makefile("rw", encoding="utf-8")
                    joined[int(stream.readline())] = stream  # a worker first says its rank
                self.peers = [joined[r] for r in sorted(joined)]
        else:
            deadline = time.monotonic() + timeout
            while True:  # rank 0 may not be listening yet
                try:
                    conn = socket.create_connection((host, port), timeout=timeout)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            stream = conn.makefile("rw", encoding="utf-8")
            self._send(stream, rank)
            self.peers = [stream]

    @staticmethod
    def _send(stream, value) -> None:
        stream.write(json.dumps(value) + "\n")
        stream.flush()

    @staticmethod
    def _receive(stream) -> list[float]:
        line = stream.readline()
        if not line:
            raise ConnectionError("a peer closed the connection (did another rank fail?)")
        return json.loads(line)

    def sum(self, values: list[float]) -> list[float]:
        if self.rank != 0:
            self._send(self.peers[0], values)
            return self._receive(self.peers[0])
        total = list(values)
        for stream in self.peers:
            total = [a + b for a, b in zip(total, self._receive(stream))]
        for stream in self.peers:
            self._send(stream, total)
        return total


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def gradient(w: list[float], b: float, xs: list[list[float]], ys: list[float]) -> list[float]:
    """Summed (not averaged) gradient, log loss and correct predictions over the local rows."""
    grad_w, grad_b, loss, correct = [0.0] * len(w), 0.0, 0.0, 0.0
    for x, y in zip(xs, ys):
        p = sigmoid(sum(wi * xi for wi, xi in zip(w, x)) + b)
        for i, xi in enumerate(x):
            grad_w[i] += (p - y) * xi
        grad_b += p - y
        loss -= y * math.log(max(p, 1e-12)) + (1 - y) * math.log(max(1 - p, 1e-12))
        correct += float((p >= 0.5) == (y == 1.0))
    return [*grad_w, grad_b, loss, correct]


def main() -> int:
    args = parse_args()
    rank = int(os.environ.get("RANK", "0"))
    world_size = int(os.environ.get("WORLD_SIZE", "1"))  # the platform knows how many nodes there are
    if args.dist and world_size == 1:
        print("note: --dist=True but the job has a single node; training on this node alone")
    if world_size > 1 and args.world_size != world_size:
        print(f"note: --world_size={args.world_size}, but the job has {world_size} nodes; using {world_size}")

    data_file = Path(args.data_url)
    if not data_file.is_file():  # data_url is usually a folder; accept the CSV file itself too
        data_file = data_file / "train.csv"
    if not data_file.is_file():
        print(f"error: training data not found: {data_file} (--data_url must be a folder holding train.csv)",
              file=sys.stderr)
        return 2
    features, xs, ys = load_csv(data_file)
    xs, ys = xs[rank::world_size], ys[rank::world_size]  # this rank's shard
    print(f"rank {rank}/{world_size}: {len(xs)} rows, features {features}, epochs={args.epochs} lr={args.lr}")

    group = None
    if world_size > 1:
        host, port = os.environ.get("MASTER_ADDR", "127.0.0.1"), os.environ.get("MASTER_PORT")
        if not port:
            print("error: distributed training needs MASTER_PORT", file=sys.stderr)
            return 2
        group = Rendezvous(rank, world_size, host, int(port))
        print(f"rank {rank}: rendezvous with {world_size} ranks at {host}:{port} complete")

    w, b = [0.0] * len(features), 0.0
    for epoch in range(1, args.epochs + 1):
        totals = [*gradient(w, b, xs, ys), float(len(xs))]
        if group is not None:
            totals = group.sum(totals)  # every rank now holds the sums over all rows
        *grad_w, grad_b, loss, correct, rows = totals
        w = [wi - args.lr * g / rows for wi, g in zip(w, grad_w)]
        b -= args.lr * grad_b / rows
        print(f"epoch {epoch}/{args.epochs} loss={loss / rows:.4f}")
    print(f"accuracy={correct / rows:.4f} on {int(rows)} rows (before the last step)")

    if rank == 0:
        out_dir = Path(args.train_url)
        out_dir.mkdir(parents=True, exist_ok=True)
        model = {"model": "logistic_regression", "features": features, "weights": w, "bias": b,
                 "epochs": args.epochs, "lr": args.lr, "loss": loss / rows, "accuracy": correct / rows,
                 "world_size": world_size}
        (out_dir / "model.json").write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
        print(f"model written to {out_dir / 'model.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
