"""Test-session settings shared by the test suite and the doctests.

The test networks are tiny, so one thread per process runs them fastest; on a machine whose
cores are shared, two OpenMP threads that spin-wait on each other made single tests up to ten
times slower. Set before torch is imported, so subprocesses and joblib workers inherit it.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
