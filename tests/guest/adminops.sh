# Admin operations from nvme-cli (2.3) on a fresh disk: format (LBA format
# change, the kernel follows), sanitize + sanitize-log, device-self-test +
# self-test-log, fw-download / fw-commit + fw-log, get-feature -s 0..3 and
# set-feature --save across a controller reset, telemetry-log, and the
# NVMe 2.0 identity: every Identify command of nvme-cli (one per CNS
# value) and the I/O Command Set Profile feature.  Each check
# asserts the effect (data read back with "nvme read", log contents,
# Identify fields).
. /tests/lib.sh

SIZE=$(arg nvmesize 0)
T=/tmp/aops

# u8|u16|u32 FILE OFFSET: little-endian unsigned value in a binary file.
u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }
u16() { od -An -tu2 -j "$2" -N2 "$1" | tr -d ' '; }
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
# str FILE OFFSET LEN: bytes as text.
str() { dd if="$1" bs=1 skip="$2" count="$3" 2>/dev/null; }

# blocks_are SLBA COUNT BS BYTE: COUNT blocks of BS bytes all read as BYTE
# (octal escape for printf, e.g. 000 or 132).
blocks_are() {
    rm -f $T/r.bin
    nvme read $NS -s "$1" -c $(($2 - 1)) -z $(($2 * $3)) -d $T/r.bin > $T/rd.out 2>&1 || return 1
    head -c $(($2 * $3)) /dev/zero | tr '\000' "\\$4" > $T/want.bin
    cmp -s $T/r.bin $T/want.bin
}

# fill SLBA COUNT BS: write non-zero data.
fill() {
    head -c $(($2 * $3)) /dev/zero | tr '\000' 'Q' > $T/w.bin
    nvme write $NS -s "$1" -c $(($2 - 1)) -z $(($2 * $3)) -d $T/w.bin > $T/wr.out 2>&1
}

lbs() { cat /sys/block/nvme0n1/queue/logical_block_size; }

# wait_lbs BYTES: the kernel picked up the new block size (rescan).
wait_lbs() {
    local i=0
    while [ "$(lbs)" != "$1" ] && [ $i -lt 20 ]; do sleep 1; i=$((i + 1)); done
    [ "$(lbs)" = "$1" ]
}

check_format() {
    local flbas nsze
    fill 0 16 512 || { fail format "setup write: $(cat $T/wr.out)"; return; }
    if ! nvme format $NS --lbaf=1 --ses=1 --force > $T/out 2>&1; then
        fail format-4k "$(tail -n2 $T/out | tr '\n' ' ')"; return
    fi
    flbas=$(num "$(nvme id-ns $NS 2>/dev/null | field flbas)")
    nsze=$(num "$(nvme id-ns $NS 2>/dev/null | field nsze)")
    ok format-4k-id-ns "flbas=$flbas nsze=$nsze, want 1 and $((SIZE / 4096))" \
        [ $((flbas & 15)) = 1 -a "$nsze" = $((SIZE / 4096)) ]
    ok format-4k-kernel "kernel block size $(lbs), size $(($(cat /sys/block/nvme0n1/size) * 512))" \
        wait_lbs 4096
    ok format-4k-erased "blocks 0-1 (4 KiB) do not read as zeroes" \
        blocks_are 0 2 4096 000
    fill 10 2 4096
    ok format-4k-io "4 KiB write/read back" blocks_are 10 2 4096 121
    if nvme format $NS --lbaf=0 --ses=0 --force > $T/out 2>&1 && wait_lbs 512; then
        pass format-512
    else
        fail format-512 "$(tail -n2 $T/out | tr '\n' ' ') block size $(lbs)"
    fi
    ok format-512-erased "LBA 80-95 not zero after format" blocks_are 80 16 512 000
    if nvme format $NS --lbaf=2 --force > $T/out 2>&1; then
        fail format-invalid "LBA format 2 accepted"
    else
        pass format-invalid
    fi
}

# sanitize_wait: poll the Sanitize Status log until no operation runs;
# $T/san.bin holds the last log, SEEN_PROGRESS=1 if one was caught running.
sanitize_wait() {
    local i=0 st
    SEEN_PROGRESS=0
    while [ $i -lt 120 ]; do
        nvme sanitize-log $CTRL -b > $T/san.bin 2> $T/out || return 1
        st=$(u16 $T/san.bin 2)
        if [ $((st & 7)) != 2 ]; then return 0; fi
        [ "$(u16 $T/san.bin 0)" -lt 65535 ] && SEEN_PROGRESS=1
        sleep 1; i=$((i + 1))
    done
    return 1
}

check_sanitize() {
    local st
    fill 100 8 512 && fill $((SIZE / 512 - 8)) 8 512 || { fail sanitize "setup write failed"; return; }
    if ! nvme sanitize $CTRL --sanact=2 > $T/out 2>&1; then
        fail sanitize-block-erase "$(tail -n2 $T/out | tr '\n' ' ')"; return
    fi
    # right after the command the operation normally still runs
    if ! nvme read $NS -s 0 -c 0 -z 512 -d $T/x.bin > $T/busy.out 2>&1 &&
       grep -qi 'sanitize' $T/busy.out; then
        pass sanitize-blocks-io
    else
        echo "note: sanitize ended before the read ($(tail -n1 $T/busy.out))"
    fi
    if ! sanitize_wait; then
        fail sanitize-block-erase "did not finish: $(cat $T/out)"; return
    fi
    st=$(u16 $T/san.bin 2)
    ok sanitize-log-status "sstat=$st sprog=$(u16 $T/san.bin 0) scdw10=$(u32 $T/san.bin 4), want 257 65535 2" \
        [ "$st" = 257 -a "$(u16 $T/san.bin 0)" = 65535 -a "$(u32 $T/san.bin 4)" = 2 ]
    if blocks_are 100 8 512 000 && blocks_are $((SIZE / 512 - 8)) 8 512 000; then
        pass sanitize-block-erased
    else
        fail sanitize-block-erased "blocks do not read as zeroes: $(cat $T/rd.out)"
    fi
    nvme sanitize-log $CTRL > $T/out 2>&1
    ok sanitize-log-text "$(head -n3 $T/out | tr '\n' ' ')" grep -qi 'sanitize' $T/out
    # overwrite, one pass, no deallocation: the pattern stays
    fill 200 8 512
    if nvme sanitize $CTRL --sanact=3 --owpass=1 --ovrpat=0x5a5a5a5a --no-dealloc > $T/out 2>&1 &&
       sanitize_wait; then
        st=$(u16 $T/san.bin 2)
        ok sanitize-overwrite-log "sstat=$st, want 265 (done, 1 pass, GDE)" [ "$st" = 265 ]
        ok sanitize-overwrite "blocks do not read the pattern 5Ah" blocks_are 200 8 512 132
    else
        fail sanitize-overwrite "$(tail -n2 $T/out | tr '\n' ' ')"
    fi
    if nvme sanitize $CTRL --sanact=5 > $T/out 2>&1; then
        fail sanitize-invalid "sanact 5 accepted"
    else
        pass sanitize-invalid
    fi
}

# dst_log: Device Self-test log into $T/dst.bin.
dst_log() { nvme get-log $CTRL --log-id=6 --log-len=564 -b > $T/dst.bin 2> $T/out; }

check_self_test() {
    local i=0 op
    if ! nvme device-self-test $CTRL -n 0xffffffff -s 1 > $T/out 2>&1; then
        fail self-test-short "$(tail -n2 $T/out | tr '\n' ' ')"; return
    fi
    dst_log
    ok self-test-running "current operation $(u8 $T/dst.bin 0), want 1" [ "$(u8 $T/dst.bin 0)" = 1 ]
    while dst_log && [ "$(u8 $T/dst.bin 0)" != 0 ] && [ $i -lt 30 ]; do
        sleep 1; i=$((i + 1))
    done
    ok self-test-short "result byte $(u8 $T/dst.bin 4), want 16 (short, no error)" \
        [ "$(u8 $T/dst.bin 0)" = 0 -a "$(u8 $T/dst.bin 4)" = 16 ]
    # extended, aborted: newest first
    nvme device-self-test $CTRL -s 2 > $T/out 2>&1 &&
        nvme device-self-test $CTRL -s 0xf >> $T/out 2>&1
    dst_log
    ok self-test-abort "results $(u8 $T/dst.bin 4) $(u8 $T/dst.bin 32), want 33 16; $(tail -n1 $T/out)" \
        [ "$(u8 $T/dst.bin 4)" = 33 -a "$(u8 $T/dst.bin 32)" = 16 ]
    nvme self-test-log $CTRL > $T/out 2>&1
    ok self-test-log-text "$(head -n3 $T/out | tr '\n' ' ')" grep -qi 'self test' $T/out
}

# fw_image REV SIZE: an image the controller accepts (magic + revision).
fw_image() {
    { printf 'QEMUNVFW%-8s' "$1"; head -c $(($2 - 16)) /dev/urandom; } > $T/fw.bin
}

fr() { nvme id-ctrl $CTRL 2>/dev/null | field fr; }

check_firmware() {
    local fr0 i=0
    fr0=$(fr)
    fw_image 9.9-gst 12288
    if ! nvme fw-download $CTRL --fw=$T/fw.bin --xfer=4096 > $T/out 2>&1 ||
       ! nvme fw-commit $CTRL --slot=2 --action=1 >> $T/out 2>&1; then
        fail fw-commit "$(tail -n2 $T/out | tr '\n' ' ')"; return
    fi
    nvme fw-log $CTRL -b > $T/fw.log 2>> $T/out
    ok fw-log-pending "afi=$(u8 $T/fw.log 0) frs2='$(str $T/fw.log 16 8)' fr=$(fr), want 33, 9.9-gst, $fr0" \
        [ "$(u8 $T/fw.log 0)" = 33 -a "$(str $T/fw.log 16 8)" = "9.9-gst " -a "$(fr)" = "$fr0" ]
    nvme reset $CTRL > $T/out 2>&1
    sleep 1
    nvme fw-log $CTRL -b > $T/fw.log 2>> $T/out
    ok fw-activated-reset "fr=$(fr) afi=$(u8 $T/fw.log 0), want 9.9-gst 2" \
        [ "$(fr)" = 9.9-gst -a "$(u8 $T/fw.log 0)" = 2 ]
    # activation without reset; the kernel reads the slot log on the notice
    fw_image 9.10-now 4096
    if nvme fw-download $CTRL --fw=$T/fw.bin > $T/out 2>&1 &&
       nvme fw-commit $CTRL --slot=2 --action=3 >> $T/out 2>&1; then
        while [ "$(cat /sys/class/nvme/nvme0/firmware_rev)" != 9.10-now ] && [ $i -lt 10 ]; do
            sleep 1; i=$((i + 1))
        done
        ok fw-activated-now "fr=$(fr) sysfs=$(cat /sys/class/nvme/nvme0/firmware_rev)" \
            [ "$(fr)" = 9.10-now -a "$(cat /sys/class/nvme/nvme0/firmware_rev)" = 9.10-now ]
    else
        fail fw-activated-now "$(tail -n2 $T/out | tr '\n' ' ')"
    fi
    if nvme fw-commit $CTRL --slot=1 --action=1 > $T/out 2>&1; then
        fail fw-commit-ro-slot "read-only slot 1 accepted"
    else
        pass fw-commit-ro-slot
    fi
}

# feat FID SEL: value nvme get-feature reports.
feat() {
    nvme get-feature $CTRL -f "$1" -s "$2" 2>&1 |
        sed -n "s/.*value: *\\([0-9a-fA-Fx]*\\).*/\\1/p" | head -n1
}

check_features() {
    local cur dflt saved cap
    if ! nvme set-feature $CTRL -f 1 -v 0x30201003 --save > $T/out 2>&1; then
        fail set-feature-save "$(tail -n2 $T/out | tr '\n' ' ')"; return
    fi
    nvme set-feature $CTRL -f 1 -v 2 > $T/out 2>&1
    cur=$(num "$(feat 1 0)"); dflt=$(num "$(feat 1 1)")
    saved=$(num "$(feat 1 2)"); cap=$(num "$(feat 1 3)")
    ok get-feature-sel "current $cur default $dflt saved $saved caps $cap, want 2 0 $((0x30201003)) 5" \
        [ "$cur" = 2 -a "$dflt" = 0 -a "$saved" = $((0x30201003)) -a "$cap" = 5 ]
    nvme reset $CTRL > $T/out 2>&1
    sleep 1
    cur=$(num "$(feat 1 0)")
    ok set-feature-save-reset "current after reset $cur, want $((0x30201003))" [ "$cur" = $((0x30201003)) ]
    if nvme set-feature $CTRL -f 8 -v 0x101 --save > $T/out 2>&1; then
        fail set-feature-not-saveable "interrupt coalescing saved"
    else
        pass set-feature-not-saveable
    fi
}

# Telemetry Host-Initiated log (telemetry.c): nvme telemetry-log creates a
# capture and reads data areas 1..3; the file holds the header and the
# documented controller block; a second capture bumps the generation.
check_telemetry() {
    local size da3 gen1 gen2
    rm -f $T/tel.bin $T/tel2.bin
    if ! nvme telemetry-log $CTRL --output-file=$T/tel.bin > $T/out 2>&1; then
        fail telemetry-log "$(tail -n2 $T/out | tr '\n' ' ')"; return
    fi
    size=$(wc -c < $T/tel.bin); da3=$(u16 $T/tel.bin 12); gen1=$(u8 $T/tel.bin 381)
    ok telemetry-log "size $size lid $(u8 $T/tel.bin 0) da3lb $da3 magic $(str $T/tel.bin 512 8)" \
        [ "$(u8 $T/tel.bin 0)" = 7 -a "$size" = $(((da3 + 1) * 512)) -a \
          "$(str $T/tel.bin 512 8)" = QNVMTEL1 ]
    nvme telemetry-log $CTRL --output-file=$T/tel2.bin > $T/out 2>&1
    gen2=$(u8 $T/tel2.bin 381)
    ok telemetry-generation "generations $gen1 then $gen2" [ "$gen2" = $((gen1 + 1)) ]
}

# refused WHAT CMD...: nvme-cli CMD fails with Invalid Field in Command.
refused() {
    local what=$1; shift
    if "$@" > $T/out 2>&1; then
        fail "$what" "succeeded: $(head -n2 $T/out | tr '\n' ' ')"
    else
        ok "$what" "$(tail -n1 $T/out)" grep -qi 'invalid field' $T/out
    fi
}

# has_csi_desc FILE: the descriptor list holds a CSI descriptor, CSI 0.
has_csi_desc() {
    local off=0 t l
    while [ $off -lt 4092 ]; do
        t=$(u8 "$1" $off); l=$(u8 "$1" $((off + 1)))
        [ "$l" = 0 ] && return 1
        [ "$t" = 4 ] && [ "$l" = 1 ] && [ "$(u8 "$1" $((off + 4)))" = 0 ] && return 0
        off=$((off + 4 + l))
    done
    return 1
}

# same_ns A B: two Identify Namespace dumps of the whole disk, equal.
same_ns() {
    [ "$(od -An -tu8 -N8 "$1" | tr -d ' ')" = $((SIZE / 512)) ] && cmp -s "$1" "$2"
}

# slp_is FILE: the Supported Log Pages log lists what log.c returns.
slp_is() {
    local lid=0 want
    [ "$(wc -c < "$1")" = 1024 ] || return 1
    while [ $lid -lt 256 ]; do
        case $lid in 0|1|2|3|4|5|6|7|8|9|14|128|129|191) want=1 ;; *) want=0 ;; esac
        [ "$(u32 "$1" $((lid * 4)))" = $want ] || return 1
        lid=$((lid + 1))
    done
}

# list_is WANT CMD...: an NSID/controller list command prints exactly WANT.
list_is() {
    local want=$1; shift
    "$@" > $T/out 2>&1 && [ "$(grep -o '\]:0x[0-9a-f]*' $T/out | tr '\n' ' ')" = "$want" ]
}

# NVMe 2.0: Linux is content with it, and every Identify CNS
# value nvme-cli 2.3 has a command for.
check_identify() {
    local bad nstat
    # CTRATT 8011h: extended LBA formats, endurance groups, 128-bit host id;
    # OAES 08002300h: namespace attribute, firmware activation, LBA Status
    # Information and Zone Descriptor Changed notices
    # Linux checks CRTO against CAP.TO and wants a CSI descriptor per
    # namespace once CAP.CSS bit 6 is set (it then enables with CC.CSS
    # 110b): no complaints.  (show-regs cannot map BAR0 here.)
    bad=$(dmesg | grep -iE 'nvme.*(crto|command set not reported|identify.*fail)' | head -n3)
    ok dmesg-2.0-clean "$(echo "$bad" | tr '\n' ' ')" [ -z "$bad" ]
    nvme id-ctrl $CTRL -o binary > $T/idc.bin 2> $T/out
    ok id-ctrl-2.0 "ver=$(u32 $T/idc.bin 80) cntrltype=$(u8 $T/idc.bin 111) ctratt=$(u32 $T/idc.bin 96) oaes=$(u32 $T/idc.bin 92) text '$(nvme id-ctrl $CTRL | field ver)'" \
        [ "$(u32 $T/idc.bin 80)" = 131072 -a "$(u8 $T/idc.bin 111)" = 1 -a \
          "$(u32 $T/idc.bin 96)" = 32785 -a "$(u32 $T/idc.bin 92)" = 134226688 -a \
          "$(nvme id-ctrl $CTRL | field ver)" = 0x20000 ]
    ok id-ctrl-sysfs "cntrltype '$(cat /sys/class/nvme/nvme0/cntrltype)'" \
        [ "$(cat /sys/class/nvme/nvme0/cntrltype)" = io ]
    # CNS 00h and 11h (--force) agree on an attached namespace
    nvme id-ns $CTRL -n 1 -o binary > $T/ns.bin 2> $T/out
    nvme id-ns $CTRL -n 1 --force -o binary > $T/ns11.bin 2>> $T/out
    ok id-ns-allocated "nsze $(od -An -tu8 -N8 $T/ns.bin | tr -d ' ') or 00h and 11h differ: $(tail -n1 $T/out)" \
        same_ns $T/ns.bin $T/ns11.bin
    ok list-ns "$(cat $T/out)" list_is "]:0x1 " nvme list-ns $CTRL
    ok list-ns-csi "$(cat $T/out)" list_is "]:0x1 " nvme list-ns $CTRL --csi=0
    ok list-ns-all "$(cat $T/out)" list_is "]:0x1 " nvme list-ns $CTRL --all
    ok list-ns-all-csi "$(cat $T/out)" list_is "]:0x1 " nvme list-ns $CTRL --all --csi=0
    # Zoned command set supported (zns.c), no zoned namespace here
    ok list-ns-csi-zns "$(cat $T/out)" list_is "" nvme list-ns $CTRL --csi=2
    nvme ns-descs $NS -o binary > $T/desc.bin 2> $T/out
    ok ns-descs-csi "no CSI descriptor: $(tail -n1 $T/out)" has_csi_desc $T/desc.bin
    ok nvm-id-ctrl "$(tail -n1 $T/out)" nvme nvm-id-ctrl $CTRL
    nvme nvm-id-ns $NS -o binary > $T/nvmns.bin 2> $T/out
    ok nvm-id-ns "$(tail -n1 $T/out) size $(wc -c < $T/nvmns.bin)" \
        [ "$(wc -c < $T/nvmns.bin)" = 4096 ]
    nvme cmdset-ind-id-ns $CTRL -n 1 -o binary > $T/ind.bin 2> $T/out
    nstat=$(u8 $T/ind.bin 14)
    ok cmdset-ind-id-ns "nstat '$nstat': $(tail -n1 $T/out)" \
        [ $(( ${nstat:-0} & 1 )) = 1 ]
    nvme id-iocs $CTRL > $T/out 2>&1
    # combination 0: NVM (bit 0) and Zoned (bit 2) command sets
    ok id-iocs "$(tail -n2 $T/out | tr '\n' ' ')" grep -q 'Combination\[0\]:5$' $T/out
    nvme list-ctrl $CTRL > $T/out 2>&1
    ok list-ctrl "$(tr '\n' ' ' < $T/out)" grep -q 'present: 1' $T/out
    # not offered: Invalid Field, as CTRATT/OACS announce
    refused primary-ctrl-caps nvme primary-ctrl-caps $CTRL
    refused list-secondary nvme list-secondary $CTRL
    refused id-nvmset nvme id-nvmset $CTRL
    refused id-uuid nvme id-uuid $CTRL
    refused id-domain nvme id-domain $CTRL
    refused id-ns-granularity nvme id-ns-granularity $CTRL
    # Supported Log Pages (2.0): LSUPP for 00h-09h, 0Eh, 80h, 81h and BFh
    # (Changed Zone List) only
    nvme supported-log-pages $CTRL -o binary > $T/slp.bin 2> $T/out
    ok supported-log-pages "$(tail -n1 $T/out) 02h=$(u32 $T/slp.bin 8) 0Ch=$(u32 $T/slp.bin 48) 81h=$(u32 $T/slp.bin 516)" \
        slp_is $T/slp.bin
    # I/O Command Set Profile: combination 0 only
    ok iocs-profile "value $(feat 0x19 0)" [ "$(num "$(feat 0x19 0)")" = 0 ]
    if nvme set-feature $CTRL -f 0x19 -v 1 > $T/out 2>&1; then
        fail iocs-profile-reject "combination 1 accepted"
    else
        pass iocs-profile-reject
    fi
}

mkdir -p $T
check_identify
check_format
check_sanitize
check_self_test
check_firmware
check_features
check_telemetry
done_
