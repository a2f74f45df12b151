#!/usr/bin/env bash
# Everything that needs a GPU, in one run (a lent device machine runs this as one command):
#   bash benchmarks/gpu_checks.sh OUTDIR
# 1. the device and the versions of torch and triton;
# 2. benchmarks/bench_gpu.py at 2^26 elements (table in OUTDIR/results_gpu.csv);
# 3. the Triton tests on the GPU (tests/conftest.py leaves TRITON_INTERPRET unset when CUDA is
#    there, so every kernel is compiled for and run on the device), both tiers (-m "slow or not
#    slow": every pair at every width, as the CPU's exhaustive tier), without the ahead-of-time
#    compilation tests, which CI runs.
# Uses the python3 on the PATH (set PYTHON to choose another) with the repository on PYTHONPATH.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-gpu_out}
mkdir -p "$out"
PY=${PYTHON:-python3}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
{
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv
  $PY -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__, torch.cuda.get_device_name())"
} 2>&1 | tee "$out/device.txt"
timeout -s INT "${BENCH_SECONDS:-260}" $PY benchmarks/bench_gpu.py --log2n 26 --out "$out/results_gpu.csv" 2>&1 | tee "$out/bench.log"
timeout -s INT "${TEST_SECONDS:-200}" $PY -m pytest -q -n "${WORKERS:-16}" -p no:cacheprovider -m "slow or not slow" \
  tests/test_triton_kernels.py tests/test_triton_math.py tests/test_triton_printer.py \
  -k "not compiles_for_the_gpu and not without_spills" 2>&1 | tee "$out/tests.log"
