#!/bin/bash
# One shard of a clc sweep per Slurm array task. Submit the array and the
# merge job, which runs when every task has ended (afterany: merge then
# names the trials of tasks that failed, instead of never running):
#
#   jobid=$(sbatch --parsable examples/sharding/slurm-array.sh)
#   sbatch --dependency=afterany:$jobid examples/sharding/slurm-merge.sh
#
# Slurm sets SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and
# SLURM_ARRAY_TASK_COUNT; clc fit reads them and runs task i's share of the
# plan, writing $OUT/clc-fit.shard-<i>-of-8.journal.jsonl. A requeued or
# resubmitted task resumes from its journal. The plan must be the same in
# every task: same data, flags and grid (clc merge checks).
#
# Both jobs run in the directory you submit from, with your environment
# (sbatch exports it): clc must be on PATH, DATA names the training CSV
# (default data/train.csv), OUT the directory of journals and fit (default
# sweep). Any other clc fit setting can come from the environment too, e.g.
# CLC_EPOCHS=5 or CLC_CONFIG=clc.yaml. Size the requests to your nodes:
# options on the sbatch command line override the #SBATCH lines below, e.g.
# sbatch --parsable --cpus-per-task=1 --mem=1G ... on a small node.
#
# Run without Slurm (bash examples/sharding/slurm-array.sh), the script fits
# the whole plan in one process and writes $OUT/clc-fit.yaml: the merged fit
# of the array equals it apart from wall times (cmd/clc/slurm_test.go checks
# this on a real one-node cluster; scripts/slurm-up.sh starts one).
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
  --design grid --fractions 1/64,1/32,1/16,1/8 --optimizer adam --seeds 3 \
  --workers "${SLURM_CPUS_PER_TASK:-1}" \
  -o "$OUT/clc-fit.yaml"
