#!/bin/sh
# nodes.sh: N crmdigest daemons (N = 1 or 2, or more) on one fresh PostgreSQL
# database serve one firing of every schedule of a demo organisation; prints
# how the recipients were split between the nodes, the duplicates and the
# wall time. docs/DAEMON.md ("Several nodes on PostgreSQL") has the figures.
#
#   crmdigest demo --format csv --out /tmp/org --reps 2000 --years 3 --seed 1
#   CRMDIGEST=/path/to/crmdigest examples/scale/nodes.sh /tmp/org 2 /tmp/work2
#
# ORG is the folder `demo --format csv` wrote (CSV files and config.yaml).
# Each node gets its own folder WORK/nodeI with a copy of that config whose
# sources point at ORG, whose store is the shared database and whose outbox
# is its own (WORK/nodeI/out/outbox): the .eml files in it are what that node
# delivered. The database (i12scale_PID_N on $PGHOST as $PGUSER) is created
# for the run and dropped after it.
#
# How both nodes fire the same firing: every node catches up, on start, the
# newest missed firing of each schedule and zone younger than
# daemon.max_lateness. Both start at the same fake instant
# (CRMDIGEST_FAKE_NOW, the daemon's testing hook, which it logs) on the
# Monday of the config's pinned clock at 13:05 UTC, after the weekly firings
# of every zone (07:00 and 08:00 in New York is 12:00 and 13:00 UTC in
# winter), with max_lateness 720h so the monthly one (the 1st, 08:00) is
# caught up too: each node records every firing, the store keeps the first
# and counts the other node's as duplicates, and River shares the delivery
# jobs. The daemons are stopped (SIGTERM) once every recipient has a message.
set -eu
org=$(cd "$1" && pwd)
nodes=$2
work=${3:-$(mktemp -d)}
bin=${CRMDIGEST:-crmdigest}
PGHOST=${PGHOST:-127.0.0.1}
PGUSER=${PGUSER:-postgres}
db=i12scale_$$_$nodes
url="postgres://$PGUSER@$PGHOST:5432/$db?sslmode=disable"

people=$(ls "$org"/people-*.csv)
want=$(($(wc -l < "$people") - 1)) # every person gets one digest
day=$(sed -n 's/^ *clock: "\([0-9-]*\)T.*/\1/p' "$org/config.yaml")
fake="${day}T13:05:00Z"

createdb -h "$PGHOST" -U "$PGUSER" "$db"
pids=""
cleanup() {
	for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	dropdb -h "$PGHOST" -U "$PGUSER" --if-exists "$db"
}
trap cleanup EXIT INT TERM

mkdir -p "$work"
i=1
while [ "$i" -le "$nodes" ]; do
	d="$work/node$i"
	rm -rf "$d" && mkdir -p "$d"
	sed -e "s|path: \([a-z]*-[0-9-]*\.csv\)|path: $org/\1|" -e "s|^store: .*|store: \"$url\"|" "$org/config.yaml" > "$d/config.yaml"
	cat >> "$d/config.yaml" <<EOF
daemon:
  listen: 127.0.0.1:$((9470 + i))
  max_lateness: 720h
  max_data_age: 192h
EOF
	i=$((i + 1))
done

echo "org $org: $want recipients; $nodes node(s); database $db; fake now $fake; load $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s.%N)
i=1
while [ "$i" -le "$nodes" ]; do
	(cd "$work/node$i" && exec env CRMDIGEST_FAKE_NOW="$fake" "$bin" daemon --config config.yaml > daemon.log 2>&1) &
	pids="$pids $!"
	i=$((i + 1))
done

# Wait until every recipient has a message in some node's outbox.
n=0
while [ "$n" -lt "$want" ]; do
	sleep 0.5
	n=$(find "$work"/node*/out/outbox -name '*.eml' 2>/dev/null | wc -l)
	for p in $pids; do
		kill -0 "$p" 2>/dev/null || { echo "a daemon stopped early: see $work/node*/daemon.log"; exit 1; }
	done
done
t1=$(date +%s.%N)
sleep 2 # let a duplicate, if any, land before counting

# Each node's CPU time (user + system) and peak RSS so far, from /proc.
tck=$(getconf CLK_TCK)
i=1
for p in $pids; do
	cpu=$(awk -v t="$tck" '{printf "%.1f", ($14 + $15) / t}' "/proc/$p/stat")
	hwm=$(awk '/VmHWM/ {print $2}' "/proc/$p/status")
	echo "node$i: $cpu s CPU (user + system), peak RSS $hwm kB"
	i=$((i + 1))
done

i=1
total=0
while [ "$i" -le "$nodes" ]; do
	m=$(curl -s "http://127.0.0.1:$((9470 + i))/metrics")
	sent=$(echo "$m" | awk '/^crmdigest_deliveries_total\{.*outcome="sent"/ {s += $2} END {print s + 0}')
	dup=$(echo "$m" | awk '/^crmdigest_firings_total\{.*outcome="duplicate"/ {s += $2} END {print s + 0}')
	enq=$(echo "$m" | awk '/^crmdigest_firings_total\{.*outcome="enqueued"/ {s += $2} END {print s + 0}')
	files=$(find "$work/node$i/out/outbox" -name '*.eml' 2>/dev/null | wc -l)
	echo "node$i: $files .eml in its outbox, $sent deliveries sent (metrics), firings recorded $enq, found already recorded $dup"
	total=$((total + files))
	i=$((i + 1))
done
distinct=$(cd "$work" && find node*/out/outbox -name '*.eml' | sed 's|^node[0-9]*/out/outbox/||' | sort -u | wc -l)
echo "messages: $total in all outboxes, $distinct distinct (schedule, period, recipient): duplicates $((total - distinct)); wanted $want"
psql -h "$PGHOST" -U "$PGUSER" -d "$db" -At -F ' ' -c "
select 'ledger: ' || count(*) || ' sent, ' || count(distinct (schedule, recipient, period)) || ' distinct, '
       || coalesce(sum(attempts), 0) || ' attempts, ' || coalesce(sum(doubts), 0) || ' doubts, ' || coalesce(sum(resends), 0) || ' resends'
from crmdigest_ledger where state = 'sent';
select 'river client ' || node || ': ' || count(*) || ' ledger rows sent by its jobs'
from (select j.attempted_by[array_length(j.attempted_by, 1)] as node
      from crmdigest_ledger l join river_job j on j.id = l.job_id where l.state = 'sent') s
group by node order by node;"
echo "wall: $(echo "$t1 - $t0" | bc) s from the start of the daemons to the last recipient's message; load $(cut -d' ' -f1-3 /proc/loadavg)"
