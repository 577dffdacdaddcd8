# Reservations guest test: two controllers of one NVM subsystem share
# namespace 1; with native multipath off each controller has its own disk
# (nvme0n1, nvme1n1).  Each controller gets its own Host Identifier
# (Set Features 81h), both hosts register, the first acquires a Write
# Exclusive reservation: the report (through the other controller) shows
# both registrants and the holder, writes through the other controller
# fail with Reservation Conflict (nvme-cli and the block layer) while its
# reads pass, and after the release they pass too.  Then Exclusive Access
# held by the second host blocks the first one's reads until a clear.
# Last, Preempt and Abort while fio writes through the second controller
# (the drive is throttled to 100 IOPS, so fio's QD 32 keeps commands in
# flight in the device for the preemption to abort).
# host-trace: nvme_resv_abort_cmd 1
# qemu-args: -drive file=@IMG@,if=none,id=d0,format=raw,throttling.iops-total=100 -device nvme-subsys,id=s0,nqn=resv -device nvme,id=c0,serial=RESV0001,subsys=s0 -device nvme-ns,drive=d0,bus=c0,nsid=1 -device nvme,id=c1,serial=RESV0001,subsys=s0
# guest-append: nvme_core.multipath=N
. /tests/lib.sh

KEY0=161
KEY1=178

# wait_dev PATH: up to 10 s for a device node.
wait_dev() {
    local i=0
    while [ ! -e "$1" ] && [ $i -lt 50 ]; do
        sleep 0.2
        i=$((i + 1))
    done
    [ -e "$1" ]
}

# run NAME CMD...: PASS if the nvme-cli command succeeds, else FAIL with
# its output.
run() {
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then
        pass "$name"
    else
        fail "$name" "$(echo "$out" | tr '\n' ' ')"
    fi
}

# fails NAME PATTERN CMD...: PASS if the command fails saying PATTERN.
fails() {
    local name=$1 pat=$2 out
    shift 2
    if out=$("$@" 2>&1); then
        fail "$name" "succeeded: $(echo "$out" | tr '\n' ' ')"
    elif echo "$out" | grep -qi "$pat"; then
        pass "$name"
    else
        fail "$name" "not '$pat': $(echo "$out" | tr '\n' ' ')"
    fi
}

# conflict NAME CMD...: PASS if the command fails with Reservation Conflict.
conflict() {
    local name=$1
    shift
    fails "$name" 'reservation' "$@"
}

# hostid CTRL N: Host Identifier N (64-bit) on controller CTRL.
hostid() {
    printf "\\$(printf '%03o' "$2")\\000\\000\\000\\000\\000\\000\\000" > /tmp/hostid
    nvme set-feature "$1" --feature-id=0x81 --data-len=8 --data=/tmp/hostid
}

# report DEV KEY: a field of the JSON Reservation Report.
report() { nvme resv-report "$1" --namespace-id=1 -o json 2>&1 | jfield "$2"; }

# nwrite DEV / nread DEV: one 512-byte block at LBA 0 through nvme-cli.
nwrite() {
    nvme write "$1" --start-block=0 --block-count=0 --data-size=512 \
        --data=/tmp/blk
}
nread() {
    nvme read "$1" --start-block=0 --block-count=0 --data-size=512 \
        --data=/tmp/rblk
}

# fio_write DEV: a 4 KiB direct write through the block layer.
fio_write() {
    fio --name=w --filename="$1" --ioengine=libaio --direct=1 --bs=4k \
        --rw=write --size=4k > /tmp/fio.log 2>&1
}

A=/dev/nvme0n1
B=/dev/nvme1n1
wait_dev "$B"
ok resv-two-disks "disks: $(ls /sys/block | grep '^nvme' | tr '\n' ' ')" \
    [ -b "$A" ] && [ -b "$B" ]
oncs=$(nvme id-ctrl /dev/nvme0 2>&1 | field oncs)
ok resv-oncs "oncs '$oncs'" [ $(( $(num "$oncs") & 0x20 )) = 32 ]
rescap=$(nvme id-ns "$A" 2>&1 | field rescap)
ok resv-rescap "rescap '$rescap'" [ "$(num "$rescap")" = 126 ]
dd if=/dev/urandom of=/tmp/blk bs=512 count=1 2>/dev/null

run resv-hostid-0 hostid /dev/nvme0 1
run resv-hostid-1 hostid /dev/nvme1 2
out=$(nvme get-feature /dev/nvme1 --feature-id=0x81 --data-len=8 2>&1)
if echo "$out" | grep -q '02 00 00 00 00 00 00 00'; then
    pass resv-hostid-get
else
    fail resv-hostid-get "$(echo "$out" | tr '\n' ' ')"
fi
run resv-register-0 nvme resv-register "$A" --namespace-id=1 --nrkey=$KEY0 --rrega=0
run resv-register-1 nvme resv-register "$B" --namespace-id=1 --nrkey=$KEY1 --rrega=0
run resv-acquire-we nvme resv-acquire "$A" --namespace-id=1 --crkey=$KEY0 --rtype=1 --racqa=0

out=$(nvme resv-report "$B" --namespace-id=1 -o json 2>&1)
ok resv-report-holder "$(echo "$out" | tr '\n' ' ')" \
    [ "$(echo "$out" | jfield rtype)" = 1 ] && [ "$(echo "$out" | jfield regctl)" = 2 ] &&
    echo "$out" | grep -q "$KEY0" && echo "$out" | grep -q "$KEY1"
# the holder's entry: rcsts 1 next to key 161 (entries in registration order)
rcsts=$(echo "$out" | jfield rcsts)
ok resv-report-rcsts "first rcsts '$rcsts'" [ "$rcsts" = 1 ]

conflict resv-write-other-conflict nwrite /dev/nvme1n1
run resv-read-other nread /dev/nvme1n1
run resv-write-holder nwrite /dev/nvme0n1
rc=0
fio_write "$B" || rc=$?
ok resv-fio-other-fails "fio rc $rc: $(tail -n2 /tmp/fio.log | tr '\n' ' ')" [ $rc != 0 ]
# the block layer saw the status as a reservation conflict (not a path error)
kconflict() { dmesg | grep -q 'reservation conflict error, dev nvme1n1'; }
ok resv-kernel-conflict "$(dmesg | grep -i nvme1n1 | tail -n2 | tr '\n' ' ')" kconflict
run resv-fio-holder fio_write "$A"
conflict resv-acquire-other nvme resv-acquire "$B" --namespace-id=1 --crkey=$KEY1 --rtype=1 --racqa=0

run resv-release nvme resv-release "$A" --namespace-id=1 --crkey=$KEY0 --rtype=1 --rrela=0
ok resv-report-released "rtype $(report "$A" rtype)" [ "$(report "$A" rtype)" = 0 ]
run resv-write-other-after-release nwrite /dev/nvme1n1
run resv-fio-other-after-release fio_write "$B"

# Exclusive Access by the second host: the first cannot even read
run resv-acquire-ea nvme resv-acquire "$B" --namespace-id=1 --crkey=$KEY1 --rtype=2 --racqa=0
conflict resv-read-other-ea nread /dev/nvme0n1
run resv-read-holder-ea nread /dev/nvme1n1
fails resv-hostid-while-registered 'sequence' hostid /dev/nvme1 3
run resv-clear nvme resv-release "$B" --namespace-id=1 --crkey=$KEY1 --rtype=2 --rrela=1
ok resv-report-cleared "regctl $(report "$A" regctl)" [ "$(report "$A" regctl)" = 0 ]
run resv-read-after-clear nread /dev/nvme0n1

# Preempt and Abort under fio from the second controller: the second host
# holds Write Exclusive and fio writes through it at QD 32; the first host
# preempts it with Preempt and Abort (Exclusive Access).  The commands it
# has in flight are aborted (run.sh counts nvme_resv_abort_cmd), the next
# ones meet the new reservation, fio fails; the first host holds the
# reservation and writes, and nothing hangs.
run resv-pa-register-0 nvme resv-register "$A" --namespace-id=1 --nrkey=$KEY0 --rrega=0
run resv-pa-register-1 nvme resv-register "$B" --namespace-id=1 --nrkey=$KEY1 --rrega=0
run resv-pa-acquire-we nvme resv-acquire "$B" --namespace-id=1 --crkey=$KEY1 --rtype=1 --racqa=0
writes() { awk '{ print $5 }' /sys/block/nvme1n1/stat; }
w0=$(writes)
fio --name=pa --filename="$B" --ioengine=libaio --direct=1 --bs=4k \
    --rw=randwrite --iodepth=32 --time_based --runtime=120 --size=64M \
    > /tmp/fio-pa.log 2>&1 &
fpid=$!
i=0
while [ $(( $(writes) - w0 )) -lt 200 ] && [ $i -lt 300 ]; do
    sleep 0.2
    i=$((i + 1))
done
ok resv-pa-fio-running "writes $(( $(writes) - w0 ))" [ $(( $(writes) - w0 )) -ge 200 ]
run resv-preempt-abort nvme resv-acquire "$A" --namespace-id=1 --crkey=$KEY0 --prkey=$KEY1 --rtype=2 --racqa=2
rc=0
wait $fpid || rc=$?
ok resv-pa-fio-fails "fio rc $rc: $(grep -i err /tmp/fio-pa.log | head -n2 | tr '\n' ' ')" [ $rc != 0 ]
pa_report() { [ "$(report "$A" rtype)" = 2 ] && [ "$(report "$A" regctl)" = 1 ]; }
ok resv-pa-report "rtype $(report "$A" rtype) regctl $(report "$A" regctl)" pa_report
run resv-pa-holder-writes fio_write "$A"
conflict resv-pa-other-conflict nread /dev/nvme1n1
run resv-pa-clear nvme resv-release "$A" --namespace-id=1 --crkey=$KEY0 --rtype=2 --rrela=1
done_
