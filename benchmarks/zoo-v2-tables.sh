#!/usr/bin/env bash
# The README's tables on the shipped zoo v2, resumable (rerun after any interruption; finished runs are
# kept): the benchmark suite on every backdoored model (3 seeds; recover's ablations on seed 0), then
# the unsupervised-vector table (MELBO, DCT, θ_Y-ranked, random; 3 seeds). About 2.5 hours of this
# 2-core machine's CPU in all.
#
#   bash benchmarks/zoo-v2-tables.sh [models-folder]
set -euo pipefail
cd "$(dirname "$0")/.."
models=${1:-models}
out=benchmarks/results/suite-v2
methods=prior-embedding-diff,gcg-logit,gcg-logit+prior,gcg-act-caa,gcg-act-optimised,gcg-act-melbo,gcg-act-dct,gcg-mixed-optimised,backsample-arithmetic,backsample-guided,recover
npx tsx benchmarks/suite.ts --models "$models" --jobs 2 --out "$out" --seeds 0,1,2 --methods "$methods"
npx tsx benchmarks/suite.ts --models "$models" --jobs 2 --out "$out" --seeds 0 --methods recover-no-contrast,recover-no-prior,recover-no-minimise,recover-no-leak,recover-no-gcg
npx tsx benchmarks/steer-unsupervised-zoo.ts --models "$models" --seeds 0,1,2 --out benchmarks/results/steer-unsupervised-v2.jsonl > benchmarks/results/steer-unsupervised-v2.md.tmp
mv benchmarks/results/steer-unsupervised-v2.md.tmp benchmarks/results/steer-unsupervised-v2.md
