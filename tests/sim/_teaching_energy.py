"""The static power of teaching's vector unit, which the file does not give: the leakage
extension of ``acg/energy_table.py``. Its costliest unit is an int32 multiplier (exp, div, ...
are multiplies: 3495 um^2 in the Horowitz table) at Aladdin's multiplier leakage, 80 uW per
6350 um^2; 4 lanes; teaching has no ``clock_mhz``, so 1000 MHz: 176.13 uW is 0.17613 pJ per
cycle (idle and busy alike)."""

VECTOR_PJ_PER_CYCLE = 4 * 3495 * 80 / 6350 / 1000
