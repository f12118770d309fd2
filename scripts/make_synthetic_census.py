"""Write a synthetic census to Parquet (for the tabulation benchmark; see corridor.microdata.synthetic).

    .venv/bin/python scripts/make_synthetic_census.py --persons 100_000_000 --out var/bench/census_100m.parquet
"""

from __future__ import annotations

import argparse
import time

from corridor.microdata.synthetic import write_synthetic_census


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=lambda s: int(s.replace("_", "")), default=100_000_000)
    parser.add_argument("--out", required=True, help="Parquet file to write")
    parser.add_argument("--chunk-size", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--home", type=int, default=276, help="M49 code of the census country")
    args = parser.parse_args()
    start = time.perf_counter()

    def progress(done: int) -> None:
        print(f"{done:>13,} persons  {time.perf_counter() - start:7.1f} s", flush=True)

    path = write_synthetic_census(args.out, args.persons, chunk_size=args.chunk_size, seed=args.seed,
                                  home=args.home, progress=progress)
    print(f"wrote {path} ({path.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
