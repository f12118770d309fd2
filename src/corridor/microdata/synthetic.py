"""A realistic synthetic census for benchmarks (never for figures: real data are tested on real files).

One row per person of a fictional destination country (``home``, default M49 ``276``), written to
Parquet in chunks so memory stays bounded whatever the size (100 million persons take a few GB on disk
and ~ 100 MB of memory). The distributions are chosen to look like a European census:

- ``age`` (0-100, ``int8``): flat to 55, then a falling survival curve;
- ``sex`` (``M``/``F``): 51% women, more among the old (female longevity);
- ``country_of_birth`` (M49 ``int16``): foreign-born with probability 5% + 15% x a bump centred on
  age 35 (about 13% overall); countries skewed by Zipf's law (exponent 1.1) over 200 M49 codes, as
  real origin distributions are (a few corridors hold most migrants);
- ``year_of_arrival`` (``int16``, NULL for the native-born): years since arrival exponential
  (mean 12), never before birth;
- ``citizenship`` (M49 ``int16``): natives are citizens (99.5%); the foreign-born naturalise with
  probability ``1 - exp(-years since arrival / 15)``, otherwise keep their birth country's citizenship
  (92%) or hold a third country's;
- ``region`` (1-16, ``int8``) and ``weight`` (``float64``, 1 / coverage with coverage uniform on
  0.92-1.0: the post-enumeration survey's undercount adjustment).

The generator is deterministic for a given seed and chunk size.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

REFERENCE_YEAR = 2021

#: M49 codes of countries (and a few territories) used as origins; order is shuffled by the seed.
ORIGINS: tuple[int, ...] = (
    4, 8, 12, 24, 32, 36, 40, 50, 51, 56, 64, 68, 70, 72, 76, 100, 104, 112, 116, 120, 124, 140, 144, 148,
    152, 156, 170, 178, 180, 188, 191, 192, 196, 203, 204, 208, 214, 218, 222, 231, 232, 233, 246, 250,
    262, 266, 268, 270, 275, 288, 300, 320, 324, 332, 340, 344, 348, 352, 356, 360, 364, 368, 372, 376,
    380, 384, 388, 392, 398, 400, 404, 408, 410, 414, 417, 418, 422, 426, 428, 430, 434, 440, 442, 450,
    454, 458, 466, 470, 478, 480, 484, 496, 498, 499, 504, 508, 512, 516, 524, 528, 554, 558, 562, 566,
    578, 586, 591, 598, 600, 604, 608, 616, 620, 624, 626, 630, 634, 642, 643, 646, 682, 686, 688, 694,
    702, 703, 704, 705, 706, 710, 716, 724, 728, 729, 740, 748, 752, 756, 760, 762, 764, 768, 780, 784,
    788, 792, 795, 800, 804, 807, 818, 826, 834, 840, 854, 858, 860, 862, 887, 894, 20, 28, 31, 44, 48,
    52, 84, 90, 96, 108, 132, 174, 226, 242, 258, 296, 462, 470, 480, 492, 520, 570, 583, 584, 585, 659,
    662, 670, 674, 678, 690, 776, 798, 882, 548, 540, 531, 533, 534, 535,
)


def _age_probabilities() -> np.ndarray:
    ages = np.arange(101)
    p = np.where(ages < 55, 1.0, np.exp(-(((ages - 55) / 28.0) ** 2)))
    return p / p.sum()


def generate_chunk(rng: np.random.Generator, size: int, *, home: int = 276,
                   origins: np.ndarray, origin_p: np.ndarray) -> pa.Table:
    """One chunk of ``size`` persons as an Arrow table (see the module docstring for the model)."""
    age = rng.choice(101, size=size, p=_age_probabilities()).astype(np.int8)
    p_female = 0.5 + 0.1 * np.clip((age.astype(np.float64) - 60) / 40, 0, 1)
    sex = np.where(rng.random(size) < p_female, "F", "M")
    p_foreign = 0.05 + 0.15 * np.exp(-(((age.astype(np.float64) - 35) / 18) ** 2))
    foreign = rng.random(size) < p_foreign
    k = int(foreign.sum())
    cob = np.full(size, home, dtype=np.int16)
    cob[foreign] = origins[rng.choice(len(origins), size=k, p=origin_p)]
    ysa = np.minimum(np.floor(rng.exponential(12.0, size=k)), age[foreign]).astype(np.int16)
    year = np.zeros(size, dtype=np.int16)
    year[foreign] = REFERENCE_YEAR - ysa
    citizenship = cob.copy()
    native_abroad = (~foreign) & (rng.random(size) < 0.005)
    citizenship[native_abroad] = origins[rng.choice(len(origins), size=int(native_abroad.sum()), p=origin_p)]
    naturalised = rng.random(k) < 1 - np.exp(-ysa / 15.0)
    third = (~naturalised) & (rng.random(k) >= 0.92)
    cit_f = cob[foreign].copy()
    cit_f[naturalised] = home
    cit_f[third] = origins[rng.choice(len(origins), size=int(third.sum()), p=origin_p)]
    citizenship[foreign] = cit_f
    region = rng.integers(1, 17, size=size, dtype=np.int8)
    weight = 1.0 / rng.uniform(0.92, 1.0, size=size)
    return pa.table({
        "region": pa.array(region),
        "sex": pa.array(sex).dictionary_encode(),
        "age": pa.array(age),
        "country_of_birth": pa.array(cob),
        "citizenship": pa.array(citizenship),
        "year_of_arrival": pa.array(year, mask=~foreign),
        "weight": pa.array(weight),
    })


def chunks(persons: int, *, chunk_size: int = 2_000_000, seed: int = 20261127,
           home: int = 276) -> Iterator[pa.Table]:
    """Yield the synthetic census in chunks of at most ``chunk_size`` persons."""
    rng = np.random.default_rng(seed)
    origins = np.array(sorted(set(ORIGINS) - {home}), dtype=np.int16)
    rng.shuffle(origins)
    ranks = np.arange(1, len(origins) + 1, dtype=np.float64)
    origin_p = ranks ** -1.1
    origin_p /= origin_p.sum()
    done = 0
    while done < persons:
        size = min(chunk_size, persons - done)
        yield generate_chunk(rng, size, home=home, origins=origins, origin_p=origin_p)
        done += size


def write_synthetic_census(path: str | Path, persons: int, *, chunk_size: int = 2_000_000,
                           seed: int = 20261127, home: int = 276, progress=None) -> Path:
    """Write ``persons`` synthetic persons to a Parquet file, chunk by chunk (bounded memory).

    Written to ``path + ".part"`` and renamed when complete, so a half-written file is never taken
    for a finished one. ``progress(done)`` is called after each chunk when given.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    writer = None
    done = 0
    try:
        for table in chunks(persons, chunk_size=chunk_size, seed=seed, home=home):
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
            writer.write_table(table, row_group_size=1_000_000)
            done += table.num_rows
            if progress is not None:
                progress(done)
    finally:
        if writer is not None:
            writer.close()
    tmp.replace(path)
    return path
