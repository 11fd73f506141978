"""lstmviz.cli: the ``lstmviz`` command.

Set before NumPy is first imported: a batch-1 recurrence multiplies small matrices one step at a time, where a
threaded BLAS only adds synchronisation (on a busy 2-core machine a 256 x 256 eigvals took 1.3 s threaded against
23 ms single-threaded). A user's explicit setting wins.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
