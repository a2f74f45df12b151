"""The benchmark harness as a script; the same as ``smoothfn bench`` (smoothfn/bench/harness.py).

    python benchmarks/bench.py --quick
    python benchmarks/bench.py --out benchmarks/results    # the RESULTS.md configuration
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # a clone that is not installed

from smoothfn.bench.harness import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
