# Benchmark guest script (scripts/bench.sh boots it; not a test).  Runs the
# fio jobs named on the kernel command line against one block device and
# prints one machine-readable line per job:
#   BENCH-RUN SPEC                       just before fio starts (the host
#                                        samples QEMU's CPU time from here)
#   BENCH-RESULT SPEC iops=N mean_us=X p99_us=X mib_s=X err=N
# Kernel parameters: benchdev=nvme0n1|vda, benchjobs=SPEC[,SPEC...] with
# SPEC = RW:BS:QD:ENGINE (e.g. randread:4k:32:io_uring), benchtime=SECONDS
# measured after benchramp=SECONDS of warm-up.  numjobs = guest CPUs.
# With benchmig=SECONDS (the migration part) it runs one job instead, 4k
# random read/write at QD32 for that long, and prints
#   BENCH-MIG-READY                      once the job runs (the host then
#                                        migrates the VM, hop after hop)
#   BENCH-RESULT migrate iops=N ... err=N  when it ends.
. /tests/lib.sh

DEV=/dev/$(arg benchdev nvme0n1)
JOBS=$(arg benchjobs randread:4k:1:libaio)
RUNTIME=$(arg benchtime 4)
RAMP=$(arg benchramp 1)
NJ=$(grep -c '^processor' /proc/cpuinfo)

waitdev() {
    local i=0
    while [ ! -b "$DEV" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}

# result SPEC BASE LOG: fields of fio's terse v3 line (read stats start at
# field 6, write stats at 47): +2 IOPS, +1 KiB/s, +34 mean total latency
# (us), +12..+31 completion latency percentiles "P%=us".
result() {
    awk -F';' -v spec="$1" -v b="$2" '/^3;/ {
        p99 = -1
        for (i = b + 12; i <= b + 31; i++)
            if ($i ~ /^99\.0+%=/) { split($i, kv, "="); p99 = kv[2] }
        printf "BENCH-RESULT %s iops=%.0f mean_us=%.1f p99_us=%s mib_s=%.1f err=%s\n",
               spec, $(b + 2), $(b + 34), p99, $(b + 1) / 1024, $5
        found = 1 }
        END { if (!found) printf "BENCH-RESULT %s iops=0 mean_us=0 p99_us=0 mib_s=0 err=fio-failed\n", spec }' "$3"
}

waitdev
if [ ! -b "$DEV" ]; then
    echo "BENCH-ERROR no block device $DEV"
    done_
    exit 0
fi
echo "BENCH-INFO dev=$DEV cpus=$NJ kernel=$(uname -r) sched=$(cat /sys/block/${DEV#/dev/}/queue/scheduler 2>/dev/null | tr ' ' _)" \
     "hwq=$(ls /sys/block/${DEV#/dev/}/mq 2>/dev/null | wc -l) disks=$(ls /sys/class/block | tr '\n' ,)"
MIG=$(arg benchmig 0)
if [ "$MIG" != 0 ]; then
    fio --name=bench --filename="$DEV" --direct=1 --rw=randrw --bs=4k \
        --iodepth=32 --ioengine=libaio --numjobs="$NJ" --group_reporting \
        --time_based --runtime="$MIG" --norandommap --randrepeat=0 \
        --output-format=terse --terse-version=3 > /tmp/fio-mig.log 2>&1 &
    sleep 1
    echo "BENCH-MIG-READY"
    wait
    result migrate 6 /tmp/fio-mig.log
    JOBS=
fi
for spec in $(echo "$JOBS" | tr ',' ' '); do
    IFS=: read -r rw bs qd engine <<EOF
$spec
EOF
    case $rw in *write*) base=47 ;; *) base=6 ;; esac
    log=/tmp/fio-$rw-$bs-$qd-$engine.log
    echo "BENCH-RUN $spec"
    fio --name=bench --filename="$DEV" --direct=1 --rw="$rw" --bs="$bs" \
        --iodepth="$qd" --ioengine="$engine" --numjobs="$NJ" --group_reporting \
        --time_based --runtime="$RUNTIME" --ramp_time="$RAMP" --norandommap \
        --randrepeat=0 --output-format=terse --terse-version=3 > "$log" 2>&1
    result "$spec" "$base" "$log"
    grep -v '^3;' "$log" | head -n 3 | sed 's/^/BENCH-FIO-MSG /'
done
echo "BENCH-DONE"
done_
