"""Print the table of 2^(j/16), j = 0..15, used by the AVX-512 exponential
(`crates/em/src/simd.rs`, EXP2_TABLE): each value as the nearest f64 and the
f64 nearest to the remainder, as bit patterns, from 60-digit decimal arithmetic.

    python3 crates/em/scripts/exp2_table.py
"""
import struct
from decimal import Decimal, getcontext

getcontext().prec = 60


def bits(x: float) -> str:
    return "0x%016x" % struct.unpack("<Q", struct.pack("<d", x))[0]


ln2 = Decimal(2).ln()
for j in range(16):
    exact = (ln2 * j / 16).exp()
    hi = float(exact)
    lo = float(exact - Decimal(hi))
    print(f"        ({bits(hi)}, {bits(lo)}),")
