"""advisor.calibration.dask imports without Dask and says how to get it when used."""

from __future__ import annotations

import subprocess
import sys

BLOCK_DASK = "import sys; sys.modules['dask'] = None; sys.modules['dask.array'] = None; "


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCK_DASK + code], capture_output=True, text=True)


def test_module_imports_without_dask():
    done = run("import advisor.calibration.dask as m; print(callable(m.calibration_metrics))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_calling_without_dask_names_the_extra():
    done = run("import numpy as np, advisor.calibration.dask as m\n"
               "try:\n    m.calibration_metrics(np.zeros(2, int), probs=np.full((2, 2), 0.5))\n"
               "except ImportError as exc:\n    print(exc)")
    assert done.returncode == 0, done.stderr
    assert "advisor[dask]" in done.stdout
