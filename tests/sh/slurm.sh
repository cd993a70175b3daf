#!/bin/sh
# slurm.sh: a sweep on a real Slurm cluster.  Starts a private single-node
# cluster on this machine (scripts/slurm-local.sh: munged, slurmctld, slurmd,
# everything in a scratch folder), installs tcpqsim into a scratch PREFIX,
# submits the sweep as a Slurm array with the sbatch script and the commands
# of docs/sweeps.md as written (only /shared becomes a scratch folder), waits
# for the merge job, and checks that the merged tables equal `sweep -j 2`
# byte for byte.  Stops the cluster however it ends; the whole test is
# bounded (SLURM_TEST_TIMEOUT seconds, default 120).
#
# Skips, saying why, when the daemons cannot be started here (not root, Slurm
# or munge not installed, another Slurm running).
#
#   sh tests/sh/slurm.sh MAKE [MAKE VARIABLES...]    (run by make test)
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/tests/sh/lib.sh"
make=${1:?usage: slurm.sh MAKE [VAR=VALUE...]}
shift
limit=${SLURM_TEST_TIMEOUT:-120}
start=$(date +%s)

if ! why=$(sh "$here/scripts/slurm-local.sh" can-start); then
	echo "slurm: SKIPPED: cannot start a Slurm cluster here: $why"
	echo "slurm: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

tmp=$(mktemp -d /tmp/tcpqsim-slurm-XXXXXX)
cleanup() {
	sh "$here/scripts/slurm-local.sh" stop "$tmp/cluster" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
prefix=$tmp/prefix
cd "$here" || exit 1
$make --no-print-directory -s "$@" install PREFIX="$prefix" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "make install PREFIX=$prefix"; finish slurm; exit 1; }
mkdir -p "$tmp/cluster" "$tmp/work" "$tmp/shared"
if ! env=$(sh "$here/scripts/slurm-local.sh" start "$tmp/cluster"); then
	fail "start the single-node cluster (logs in $tmp/cluster/log)"
	tail -n 20 "$tmp/cluster/log/"*.log
	finish slurm
	exit 1
fi
eval "$env"
ok "single-node cluster up ($(sinfo -h -o '%P %D nodes %c CPUs %t' | head -1))"

# the user's shell: tcpqsim installed and on PATH, the sweep file in configs/
PATH=$prefix/bin:$PATH
export PATH
write_small_sweep "$tmp/work"
cd "$tmp/work" || exit 1
doc_block "$here/docs/sweeps.md" '^#SBATCH' | sed "s|/shared/|$tmp/shared/|g" >sweep.sbatch
doc_block "$here/docs/sweeps.md" 'sbatch --parsable' | sed "s|/shared/|$tmp/shared/|g" >submit.sh
check "docs/sweeps.md has the sbatch script" grep -q '^#SBATCH --output=slurm-%A_%a.out' sweep.sbatch
check "docs/sweeps.md has the submit commands" grep -q 'sbatch --parsable --array' submit.sh
# the commands as written, plus one line to learn the merge job's id
echo 'echo "array=$job"' >>submit.sh
if ! sh submit.sh >submit.out 2>&1; then
	cat submit.out
	fail "the submit commands ran"
	finish slurm
	exit 1
fi
merge_job=$(grep -o 'Submitted batch job [0-9]*' submit.out | awk '{print $4}')
array_job=$(sed -n 's/^array=\([0-9]*\).*/\1/p' submit.out)
ok "submitted: array job $array_job (4 tasks), merge job $merge_job"

# wait until both are gone from the queue, within the time limit
while [ -n "$(squeue -h -j "$array_job,$merge_job" 2>/dev/null)" ]; do
	# a job Slurm can never run fails at once rather than at the limit
	stuck=$(squeue -h -j "$array_job" -o '%r' 2>/dev/null | grep -E 'PartitionConfig|BadConstraints|ReqNodeNotAvail|PartitionNodeLimit|DependencyNeverSatisfied' | head -1)
	if [ -n "$stuck" ] || [ $(($(date +%s) - start)) -ge "$limit" ]; then
		fail "the jobs ended within ${limit} s${stuck:+ (Slurm will never run them: $stuck)}"
		squeue
		finish slurm
		exit 1
	fi
	sleep 0.5
done
ok "the jobs ended after $(($(date +%s) - start)) s"
n_out=$(ls slurm-"$array_job"_*.out 2>/dev/null | wc -l)
check "one slurm-%A_%a.out per array task ($n_out)" test "$n_out" -eq 4
state=$(scontrol show job "$merge_job" 2>/dev/null | grep -o 'JobState=[A-Z]*' | head -1)
check "the merge job completed ($state)" test "$state" = JobState=COMPLETED
tcpqsim sweep configs/sweeps/nginx-backlog-rate.json -j 2 -o j2 -q 2>/dev/null
check "Slurm's results.csv equals sweep -j 2's" cmp -s j2/results.csv "$tmp/shared/out/nginx/results.csv"
check "Slurm's results.json equals sweep -j 2's" cmp -s j2/results.json "$tmp/shared/out/nginx/results.json"
for i in 0 1 2 3; do
	p=points/point-0000$i.json
	check "Slurm's $p equals sweep -j 2's" cmp -s "j2/$p" "$tmp/shared/out/nginx/$p"
done
sh "$here/scripts/slurm-local.sh" stop "$tmp/cluster"
check "the cluster stopped" sh -c "! pgrep -x slurmctld >/dev/null && ! pgrep -x slurmd >/dev/null"
echo "slurm: took $(($(date +%s) - start)) s"
finish slurm
