#!/usr/bin/env python3
"""Writes BTCUSDT-1m.csv: three days of synthetic one-minute candles from a seeded random walk
with drifting trends, so that the example strategies trade. Same seed, same file, byte for byte:

    python3 examples/candles/generate.py > examples/candles/BTCUSDT-1m.csv
"""
import random

SEED = 20240101
START_MS = 1_704_067_200_000  # 2024-01-01 00:00 UTC
MINUTES = 3 * 24 * 60


def main():
    rng = random.Random(SEED)
    price = 42_000.0
    drift = 0.0
    print("timestamp,open,high,low,close,volume")
    for minute in range(MINUTES):
        if minute % 180 == 0:
            drift = rng.uniform(-0.0004, 0.0004)
        open_ = price
        close = max(1.0, open_ * (1.0 + drift + rng.gauss(0.0, 0.0012)))
        high = max(open_, close) * (1.0 + abs(rng.gauss(0.0, 0.0006)))
        low = min(open_, close) * (1.0 - abs(rng.gauss(0.0, 0.0006)))
        volume = rng.uniform(5.0, 60.0)
        print(f"{START_MS + minute * 60_000},{open_:.2f},{high:.2f},{low:.2f},{close:.2f},{volume:.3f}")
        price = float(f"{close:.2f}")


if __name__ == "__main__":
    main()
