#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for test/slurm.test.ts and for trying `bridge reproduce --executor slurm`
# without a cluster. Debian's packages (apt-get install slurmctld slurmd slurm-client munge), run as root: munged,
# slurmctld and slurmd with their slurm.conf, munge key, state, logs and sockets all in DIR — nothing under /etc or
# /run changes and the packages' own services stay off. The node has the machine's real CPUs and memory (`slurmd -C`);
# accounting is off, processes are tracked without cgroups (proctrack/linuxproc, task/none).
#
#   scripts/slurm-local.sh start DIR [--hide PATH]   start it; prints the line `export SLURM_CONF=DIR/slurm.conf`
#   scripts/slurm-local.sh stop DIR                  cancel every job, stop the three daemons
#
# --hide PATH runs slurmd (and so every job) in its own mount namespace with an empty tmpfs over PATH: a directory
# there is invisible to the jobs, like a run directory that is not on a filesystem the compute nodes share.
# Every sbatch/squeue/scontrol call needs SLURM_CONF=DIR/slurm.conf in its environment.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop DIR [--hide PATH]" >&2
  exit 2
fi
shift 2
hide=""
while [ $# -gt 0 ]; do
  case "$1" in
    --hide) hide=${2:?--hide needs a PATH}; shift 2 ;;
    *) echo "$0: unknown argument $1" >&2; exit 2 ;;
  esac
done

pid_of() { [ -s "$dir/$1.pid" ] && cat "$dir/$1.pid" || true; }
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

stop() {
  [ -d "$dir" ] || return 0
  export SLURM_CONF="$dir/slurm.conf"
  if alive "$(pid_of slurmctld)"; then
    # cancel the jobs first: slurmd's job steps would outlive it otherwise
    ids=$(squeue --noheader --format=%i 2>/dev/null || true)
    if [ -n "$ids" ]; then
      # shellcheck disable=SC2086
      scancel $ids 2>/dev/null || true
      for _ in $(seq 1 60); do
        [ -z "$(squeue --noheader --format=%i 2>/dev/null || true)" ] && break
        sleep 0.5
      done
    fi
  fi
  for d in slurmd slurmctld munged; do
    p=$(pid_of "$d")
    if alive "$p"; then
      kill "$p"
      for _ in $(seq 1 50); do alive "$p" || break; sleep 0.1; done
      alive "$p" && kill -9 "$p" || true
    fi
    rm -f "$dir/$d.pid"
  done
}

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 1))") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
  echo "$0: no free port pair found" >&2
  exit 1
}

start() {
  if [ "$(id -u)" -ne 0 ]; then echo "$0: must run as root (slurmd starts jobs as their users)" >&2; exit 1; fi
  for b in munged slurmctld slurmd sbatch squeue scontrol; do
    command -v "$b" >/dev/null || { echo "$0: $b not found (apt-get install slurmctld slurmd slurm-client munge)" >&2; exit 1; }
  done
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  stop
  chmod 700 "$dir"
  rm -rf "$dir/state" "$dir/spool" # a fresh cluster: no jobs of an earlier start
  mkdir -p "$dir/state" "$dir/spool"
  # munged: its own key and socket
  dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 status=none
  chmod 400 "$dir/munge.key"
  munged --force --key-file="$dir/munge.key" --socket="$dir/munge.socket" --pid-file="$dir/munged.pid" \
    --log-file="$dir/munged.log" --seed-file="$dir/munged.seed"

  local node host port
  node=$(slurmd -C | head -n 1)
  host=$(echo "$node" | sed -E 's/^NodeName=([^ ]+).*/\1/')
  port=$(free_port)
  cat >"$dir/slurm.conf" <<EOF
# written by scripts/slurm-local.sh: a one-node cluster, all files in $dir
ClusterName=bridgelocal
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
MailProg=/bin/true
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# schedule right after submissions and job ends (dependent jobs start without waiting for the periodic pass)
SchedulerParameters=sched_min_interval=200000,bf_interval=1
# ended jobs stay visible to scontrol for 10 min (accounting is off, so sacct cannot answer)
MinJobAge=600
KillWait=5
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld
  if [ -n "$hide" ]; then
    mkdir -p "$hide"
    unshare --mount --propagation private -- sh -c 'mount -t tmpfs -o size=1m bridge-hidden "$1" && exec slurmd' sh "$hide"
  else
    slurmd
  fi
  for _ in $(seq 1 100); do
    if scontrol show node "$host" 2>/dev/null | grep -Eq 'State=IDLE'; then
      echo "export SLURM_CONF=$dir/slurm.conf"
      return
    fi
    sleep 0.2
  done
  echo "$0: the node did not come up within 20 s; logs in $dir" >&2
  tail -n 5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
  exit 1
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop DIR [--hide PATH]" >&2; exit 2 ;;
esac
