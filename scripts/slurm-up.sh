#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for testing the Slurm example
# (examples/sharding/slurm-array.sh) for real. Run as root on Debian/Ubuntu:
#
#   sudo scripts/slurm-up.sh            # install, configure, start; wait for the node
#   CLC_TEST_SLURM=1 go test ./cmd/clc -run TestSlurmArray -v
#   sudo scripts/slurm-up.sh down       # stop the daemons (packages and state stay)
#
# It installs Debian's Slurm (slurmctld, slurmd, the client; the packages of
# the slurm-wlm metapackage) and munge when missing, writes
# /etc/slurm/slurm.conf for one node named after this host with its CPUs
# (nproc) and memory, creates the munge key if missing, starts munged,
# slurmctld and slurmd as plain daemons (no systemd needed) and waits until
# sinfo shows the node idle. Running it again with the cluster up changes
# nothing. The config uses no cgroups (proctrack/linuxproc, task/none), so it
# works in containers and VMs alike; state and logs live in $SLURM_STATE.
#
# It refuses to overwrite a slurm.conf it did not write: this is for CI
# machines and throwaway VMs, not for a host that is part of a real cluster.
#
# Environment: SLURM_STATE (default /var/spool/clc-slurm), SLURM_UP_TIMEOUT
# (seconds to wait for the node, default 60).
set -euo pipefail

state=${SLURM_STATE:-/var/spool/clc-slurm}
timeout=${SLURM_UP_TIMEOUT:-60}
conf=/etc/slurm/slurm.conf
marker="# written by clc scripts/slurm-up.sh"

die() {
  echo "slurm-up: $*" >&2
  exit 1
}

# running PIDFILE: the daemon whose pid the file holds is alive.
running() {
  [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

# stop PIDFILE: end that daemon (by its pid) and wait for it to exit.
stop() {
  if running "$1"; then
    local pid
    pid=$(cat "$1")
    kill "$pid"
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || return 0
      sleep 0.1
    done
    die "pid $pid ($1) did not exit"
  fi
}

[[ $(id -u) == 0 ]] || die "run as root (it installs packages and starts slurmctld, slurmd and munged)"

if [[ ${1:-up} == down ]]; then
  stop "$state/slurmd.pid"
  stop "$state/slurmctld.pid"
  echo "slurm-up: slurmctld and slurmd stopped (munged left running)"
  exit 0
fi
[[ ${1:-up} == up ]] || die "usage: $0 [up|down]"

# 1. Packages. slurm-wlm is a metapackage of exactly slurmctld, slurmd and
# slurm-client; without recommends this is 7 small packages.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
  ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || die "slurmctld, slurmd, sbatch or munged missing, and no apt-get to install them"
  echo "slurm-up: installing slurmctld slurmd slurm-client munge" >&2
  apt_install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      slurmctld slurmd slurm-client munge >/dev/null
  }
  # The package lists may be fresh already (CI updates them for python3-torch).
  apt_install 2>/dev/null || { apt-get update -qq && apt_install; }
fi
version=$(slurmd -V) # "slurm-wlm 22.05.8" on Debian bookworm

# 2. The config: one node with this machine's CPUs and memory, one partition.
host=$(hostname -s)
cpus=$(nproc)
mem_mib=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024))
if [[ -e $conf ]] && ! grep -qF "$marker" "$conf"; then
  die "$conf exists and was not written by this script; not overwriting it"
fi
mkdir -p /etc/slurm "$state/ctld" "$state/d"
new=$(
  cat <<EOF
$marker for $version
ClusterName=clc-ci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mib State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
)
if [[ ! -e $conf ]] || [[ $(cat "$conf") != "$new" ]]; then
  # A changed config needs fresh daemons.
  stop "$state/slurmd.pid"
  stop "$state/slurmctld.pid"
  printf '%s\n' "$new" >"$conf"
fi

# 3. Munge: the key (Debian's package usually creates it) and the daemon.
if [[ ! -s /etc/munge/munge.key ]]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- munged
  for _ in $(seq 50); do
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.1
  done
  munge -n | unmunge >/dev/null || die "munged does not answer (see /var/log/munge/munged.log)"
fi

# 4. The Slurm daemons.
running "$state/slurmctld.pid" || slurmctld || die "slurmctld did not start (see $state/slurmctld.log)"
running "$state/slurmd.pid" || slurmd || die "slurmd did not start (see $state/slurmd.log)"

# 5. Wait until the node takes jobs.
node_state=""
for _ in $(seq $((timeout * 5))); do
  node_state=$(sinfo -h -N -n "$host" -o %T 2>/dev/null || true)
  [[ $node_state == idle || $node_state == mixed || $node_state == allocated ]] && break
  sleep 0.2
done
if [[ $node_state != idle && $node_state != mixed && $node_state != allocated ]]; then
  {
    echo "slurm-up: node $host is not idle after ${timeout}s (state: ${node_state:-no answer from slurmctld})"
    sinfo -N -l 2>&1 || true
    scontrol show node "$host" 2>&1 | grep -i reason || true
    echo "--- $state/slurmctld.log (last lines)"
    tail -n 20 "$state/slurmctld.log" 2>/dev/null || true
    echo "--- $state/slurmd.log (last lines)"
    tail -n 20 "$state/slurmd.log" 2>/dev/null || true
  } >&2
  exit 1
fi
echo "slurm-up: $version, node $host ($cpus CPUs, $mem_mib MiB) is $node_state" >&2
