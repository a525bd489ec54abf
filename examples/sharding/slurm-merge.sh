#!/bin/bash
# The merge job of slurm-array.sh: submit it to run after every array task
# has ended, whatever their outcome,
#
#   jobid=$(sbatch --parsable examples/sharding/slurm-array.sh)
#   sbatch --dependency=afterany:$jobid examples/sharding/slurm-merge.sh
#
# from the same directory and with the same OUT (default sweep). clc merge
# checks that the 8 journals belong to one plan and fits them into
# $OUT/clc-fit.yaml. If a task failed, it names the missing trials and exits
# 1: submit both again (the tasks resume from their journals, so finished
# trials do not run twice).
#
#SBATCH --job-name=clc-merge
#SBATCH --cpus-per-task=1
#SBATCH --mem=1G
#SBATCH --time=00:30:00
#SBATCH --output=clc-merge-%j.log
set -euo pipefail

OUT=${OUT:-sweep}

clc merge "$OUT"/clc-fit.shard-*-of-8.journal.jsonl -o "$OUT/clc-fit.yaml"
