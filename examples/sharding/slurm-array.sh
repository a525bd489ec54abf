#!/bin/bash
# One shard of a clc sweep per Slurm array task. Submit the array and a
# merge job that runs when every task has ended (afterany: merge then names
# the trials of tasks that failed, instead of never running):
#
#   jobid=$(sbatch --parsable examples/sharding/slurm-array.sh)
#   sbatch --dependency=afterany:$jobid --wrap \
#     'clc merge sweep/clc-fit.shard-*-of-8.journal.jsonl -o sweep/clc-fit.yaml'
#
# Slurm sets SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and
# SLURM_ARRAY_TASK_COUNT; clc fit reads them and runs task i's share of the
# plan, writing sweep/clc-fit.shard-<i>-of-8.journal.jsonl. A requeued or
# resubmitted task resumes from its journal. The plan must be the same in
# every task: same data, flags and grid (clc merge checks).
#
#SBATCH --job-name=clc-sweep
#SBATCH --array=0-7
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=04:00:00
#SBATCH --output=clc-sweep-%A_%a.log
set -euo pipefail

DATA=${DATA:-data/train.csv}
OUT=${OUT:-sweep}
mkdir -p "$OUT"

clc fit "$DATA" \
  --fractions 1/64,1/32,1/16,1/8 --optimizer adam --seeds 3 \
  --workers "${SLURM_CPUS_PER_TASK:-1}" \
  -o "$OUT/clc-fit.yaml"
