#!/bin/sh
# slurm-local.sh: a private single-node Slurm cluster on this machine, for
# the sweep tests (Debian packages slurm-wlm and munge).
#
#   sh scripts/slurm-local.sh start DIR   configure and start munged, slurmctld
#                                         and slurmd, all under DIR; prints the
#                                         lines to eval (SLURM_CONF=...)
#   sh scripts/slurm-local.sh stop DIR    stop them (by the pids in DIR)
#   sh scripts/slurm-local.sh can-start   exit 0 when start can work here
#                                         (root, the daemons installed, no other
#                                         Slurm running); otherwise say why
#
# Everything lives in DIR: the munge key and socket, slurm.conf, the state and
# spool folders, the logs and the pid files.  No system file is touched and no
# system service is started; the daemons listen on loopback ports chosen here
# (SLURM_PORT, default 16817 and 16818).  Needs root: slurmd runs jobs as the
# submitting user.
set -eu

cmd=${1:-}
dir=${2:-}
port=${SLURM_PORT:-16817}

why_not() {
	if [ "$(id -u)" != 0 ]; then
		echo "not root (slurmd must run as root)"; return 0
	fi
	for b in munged slurmctld slurmd sbatch squeue scontrol; do
		command -v "$b" >/dev/null 2>&1 || { echo "$b is not installed (Debian: slurm-wlm munge)"; return 0; }
	done
	if pgrep -x slurmctld >/dev/null 2>&1 || pgrep -x slurmd >/dev/null 2>&1; then
		echo "another Slurm is running on this machine"; return 0
	fi
	return 1
}

wait_for() { # seconds, command...
	n=$1; shift
	i=0
	while [ "$i" -lt "$((n * 10))" ]; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

case "$cmd" in
can-start)
	if r=$(why_not); then echo "$r"; exit 1; fi
	exit 0
	;;
start)
	[ -n "$dir" ] || { echo "usage: $0 start DIR" >&2; exit 2; }
	if r=$(why_not); then echo "slurm-local: cannot start: $r" >&2; exit 1; fi
	dir=$(cd "$dir" && pwd)
	mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
	chmod 700 "$dir/munge"
	# a key of our own: 1024 random bytes, readable by its owner only
	head -c 1024 /dev/urandom >"$dir/munge/munge.key"
	chmod 400 "$dir/munge/munge.key"
	host=$(hostname -s)
	# at least 4 CPUs, whatever the machine has (SlurmdParameters=
	# config_overrides lets slurmd take the configured count): the sbatch
	# script of docs/sweeps.md asks for --cpus-per-task=4, as on a real
	# cluster, and a 2-core test machine must still run it
	cpus=$(nproc)
	[ "$cpus" -ge 4 ] || cpus=4
	mem=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
	cat >"$dir/slurm.conf" <<CONF
# written by scripts/slurm-local.sh: one node, this machine, everything under $dir
ClusterName=tcpqsim-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/slurmd-%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmdParameters=config_overrides
MpiDefault=none
SwitchType=switch/none
MaxArraySize=100000
MaxJobCount=100000
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
Waittime=0
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
	munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
		--pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
		--seed-file="$dir/munge/munged.seed"
	wait_for 10 test -S "$dir/munge/munge.socket" || { echo "slurm-local: munged did not start ($dir/log/munged.log)" >&2; exit 1; }
	SLURM_CONF="$dir/slurm.conf"
	export SLURM_CONF
	slurmctld -f "$SLURM_CONF"
	wait_for 20 scontrol ping || { echo "slurm-local: slurmctld did not answer ($dir/log/slurmctld.log)" >&2; exit 1; }
	slurmd -f "$SLURM_CONF"
	# the node is up once sinfo shows it idle
	if ! wait_for 30 sh -c "sinfo -h -N -o %T | grep -q idle"; then
		echo "slurm-local: the node did not come up ($dir/log/slurmd.log)" >&2
		exit 1
	fi
	echo "SLURM_CONF=$SLURM_CONF; export SLURM_CONF"
	;;
stop)
	[ -n "$dir" ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
	for p in slurmd.pid slurmctld.pid munge/munged.pid; do
		f="$dir/$p"
		[ -s "$f" ] || continue
		pid=$(cat "$f")
		kill "$pid" 2>/dev/null || continue
		i=0
		while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$pid" 2>/dev/null || true
	done
	;;
*)
	echo "usage: $0 start DIR | stop DIR | can-start" >&2
	exit 2
	;;
esac
