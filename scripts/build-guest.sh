#!/usr/bin/env bash
# Build the tiny Linux test guest from Debian packages, without installing any
# of them on the host: `apt-get download` + `dpkg -x` into a staging tree, then
# pick the few files the guest needs.
#
# Output in "$NVME_CACHE/guest/":
#   vmlinux             uncompressed ELF kernel (QEMU boots it through its PVH note)
#   initramfs.cpio.gz   gzip'd newc cpio: busybox /init, nvme-cli, fio, e2fsprogs,
#                       blkzone, btrfs-progs (zoned file system), the nvme,
#                       ext4 and btrfs modules.  Test scripts are NOT in it: the
#                       runner appends a second cpio holding /tests/*.sh.
#   manifest.txt        kernel release, package versions, modules (informational)
#
# Cached: a stamp keyed by the script's own hash and the chosen versions of
# every package used.  A re-run returns at once while the script and apt's
# lists are unchanged; after an apt-get update it re-checks the versions.
# Env: FORCE_GUEST=1 rebuilds; KERNEL_PKG=linux-image-X overrides the kernel.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

OUT="$NVME_CACHE/guest"
DEBS="$OUT/debs"          # downloaded .debs, kept between builds
WORK="$OUT/work"          # scratch, recreated by each build
STAGE="$WORK/stage"       # every package extracted here
ROOT="$WORK/root"         # what goes into the initramfs
ARCH_LIB=lib/x86_64-linux-gnu

# Userland packages; their library dependencies are found by walking Depends.
TOP_PKGS="busybox-static nvme-cli libnvme1 fio e2fsprogs util-linux btrfs-progs"
# Dynamic binaries copied into the guest (paths inside the packages).
GUEST_BINS="usr/sbin/nvme usr/bin/fio sbin/mke2fs sbin/e2fsck sbin/tune2fs sbin/dumpe2fs
            sbin/blkzone sbin/mkfs.btrfs bin/btrfs"
# Modules to preload, in this order, with their dependencies.  crc32c drivers
# are named explicitly: ext4 reaches them through the crypto API at runtime
# (request_module), which a symbol-based dependency walk does not see.
# virtio_blk: the benchmark (scripts/bench.sh) compares against virtio-blk.
# btrfs: the zoned file system of the zns boot.
GUEST_MODULES="crc32c_generic crc32c_intel crct10dif_pclmul nvme ext4 virtio_blk btrfs"

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
APT_DL_OPTS=()
# As root, apt drops to user _apt for downloads and warns when it cannot
# write the target directory; downloading as root is fine here.
[ "$(id -u)" = 0 ] && APT_DL_OPTS=(-o APT::Sandbox::User=root)

log() { printf 'build-guest: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Host tools this script runs, as "command:package" pairs.
ensure_host_tools() {
    local pair missing=()
    for pair in cpio:cpio gzip:gzip xz:xz-utils zstd:zstd depmod:kmod \
                modprobe:kmod dpkg-deb:dpkg apt-get:apt; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
    done
    [ ${#missing[@]} = 0 ] && return 0
    log "installing host tools: ${missing[*]}"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        $(printf '%s\n' "${missing[@]}" | sort -u) >&2
}

# Print "name=version" for each given package: the newest version in
# bookworm's own suites (not -backports), so the guest does not change with
# whatever the host happens to have installed from backports.  One apt-cache
# call for the whole list: it is the slow part.
# (A package only backports has is taken from there.)
pick_versions() {
    apt-cache madison "$@" | awk -F' *[|] *' '
        $3 !~ / Packages$/ { next }
        { gsub(/ /, "", $1) }
        $3 !~ /-backports/ && !($1 in v) { v[$1] = $2 }
        $3 ~ /-backports/ && !($1 in b) { b[$1] = $2 }
        END {
            for (p in v) print p "=" v[p]
            for (p in b) if (!(p in v)) print p "=" b[p]
        }' | sort
}

# Print "pkg=version" of the kernel image: the newest 6.12 build (from
# bookworm-backports) if the archive has one, else bookworm's default.  We read
# the Depends of the linux-image-amd64 meta package instead of guessing names.
pick_kernel() {
    if [ -n "${KERNEL_PKG:-}" ]; then
        apt-cache show --no-all-versions "$KERNEL_PKG" | awk -v p="$KERNEL_PKG" '/^Version:/ {print p "=" $2; exit}'
        return
    fi
    apt-cache show linux-image-amd64 | awk '
        /^Version:/ { v = $2 }
        /^Depends:/ {
            if (match($0, /linux-image-[^ ,]+-amd64 \(= [^)]+\)/)) {
                d = substr($0, RSTART, RLENGTH)
                sub(/ \(= /, "=", d); sub(/\)$/, "", d)
                if (v ~ /^6\.12\./ && new == "") new = d
                if (v !~ /~bpo/ && old == "") old = d
            }
        }
        END { print (new != "" ? new : old) }'
}

# Walk Depends/PreDepends from TOP_PKGS, following only library packages
# (lib*, zlib1g): the guest needs their .so files, never their scripts.
# Prints the closure as sorted "name=version" lines.
lib_closure() {
    local specs names seen=" " all=() p
    specs=$(pick_versions $TOP_PKGS)
    while [ -n "$specs" ]; do
        all+=($specs)
        for p in $specs; do seen="$seen${p%%=*} "; done
        names=
        for p in $(apt-cache depends --no-recommends --no-suggests --no-conflicts \
                       --no-breaks --no-replaces --no-enhances $specs |
                   awk '$1 ~ /^\|?(Pre)?Depends:$/ && $2 !~ /^</ {print $2}' | sort -u); do
            case "$p" in lib*|zlib1g) ;; *) continue ;; esac
            case "$seen" in *" $p "*) continue ;; esac
            names="$names $p"
        done
        specs=
        [ -z "$names" ] || specs=$(pick_versions $names)
    done
    printf '%s\n' "${all[@]}" | sort
}

# Download (into the persistent cache) and extract every package.
fetch_and_extract() {
    local spec name ver file want=()
    mkdir -p "$DEBS"
    for spec in "$@"; do
        name=${spec%%=*}; ver=${spec#*=}
        # apt names files pkg_version_arch.deb with ':' escaped as %3a.
        ls "$DEBS/${name}_${ver//:/%3a}_"*.deb >/dev/null 2>&1 || want+=("$spec")
    done
    if [ ${#want[@]} -gt 0 ]; then
        log "downloading ${#want[@]} packages"
        (cd "$DEBS" && apt-get download "${APT_DL_OPTS[@]}" "${want[@]}" >&2)
    fi
    for spec in "$@"; do
        name=${spec%%=*}; ver=${spec#*=}
        file=$(ls "$DEBS/${name}_${ver//:/%3a}_"*.deb | head -n1)
        dpkg-deb -x "$file" "$STAGE"
    done
}

# Write an uncompressed vmlinux: find each compressed stream's magic in the
# bzImage and decompress from there until the result is an ELF file (the
# decompressor complains about trailing data; that is expected).
extract_vmlinux() {
    local in=$1 out=$2 magic tool off
    for magic in '\x28\xb5\x2f\xfd:zstd -dcq' '\xfd\x37\x7a\x58\x5a\x00:xz -dcq' \
                 '\x1f\x8b\x08:gzip -dcq'; do
        tool=${magic#*:}
        for off in $(LC_ALL=C grep -obUaP "${magic%%:*}" "$in" | cut -d: -f1); do
            tail -c +$((off + 1)) "$in" | $tool > "$out" 2>/dev/null || true
            [ "$(head -c4 "$out" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] && return 0
        done
    done
    rm -f "$out"
    die "no compressed ELF payload found in $in"
}

# Directories of the staging tree that hold shared libraries.
stage_lib_path() {
    find "$STAGE" -name '*.so*' \( -type f -o -type l \) -printf '%h\n' | sort -u | paste -sd:
}

# Copy each binary and its whole library closure (resolved by the staged
# glibc loader, only against staged libraries) into ROOT.
install_binaries() {
    local ld="$STAGE/lib64/ld-linux-x86-64.so.2" libpath bin line soname path
    libpath=$(stage_lib_path)
    mkdir -p "$ROOT/$ARCH_LIB" "$ROOT/lib64"
    cp -L "$ld" "$ROOT/lib64/"
    for bin in $GUEST_BINS; do
        [ -f "$STAGE/$bin" ] || die "missing $bin in packages"
        mkdir -p "$ROOT/$(dirname "$bin")"
        rm -f "$ROOT/$bin"   # busybox applet link of the same name
        cp -L "$STAGE/$bin" "$ROOT/$bin"
        "$ld" --inhibit-cache --library-path "$libpath" --list "$STAGE/$bin" |
        while read -r line; do
            case "$line" in
                *"=> not found"*) die "$bin: ${line%% *} not found in staged packages" ;;
                *"=> /"*) soname=${line%% *}; path=${line#*=> }; path=${path% (*} ;;
                *) continue ;;
            esac
            case "$soname" in */*) continue ;; esac   # the loader itself
            case "$path" in "$STAGE"/*) ;; *) die "$bin: $soname resolved outside staging: $path" ;; esac
            [ -e "$ROOT/$ARCH_LIB/$soname" ] || cp -L "$path" "$ROOT/$ARCH_LIB/$soname"
        done
    done
    ln -sfn mke2fs "$ROOT/sbin/mkfs.ext4"
    ln -sfn e2fsck "$ROOT/sbin/fsck.ext4"
    cp "$STAGE/etc/mke2fs.conf" "$ROOT/etc/"
}

# busybox plus a symlink per applet (real binaries installed later win).
install_busybox() {
    local app
    mkdir -p "$ROOT/bin"
    cp "$STAGE/bin/busybox" "$ROOT/bin/busybox"
    for app in $("$ROOT/bin/busybox" --list-full); do
        mkdir -p "$ROOT/$(dirname "$app")"
        [ -e "$ROOT/$app" ] || ln -s /bin/busybox "$ROOT/$app"
    done
}

# Copy GUEST_MODULES and their dependencies (computed by depmod/modprobe on
# the staged tree), decompressed so busybox insmod needs no xz support.
# /etc/modules.load lists them in load order for /init.
install_modules() {
    local kver=$1 m line src rel
    depmod -b "$STAGE" "$kver"
    mkdir -p "$ROOT/lib/modules/$kver"
    : > "$ROOT/etc/modules.load"
    for m in $GUEST_MODULES; do
        modprobe -d "$STAGE" -S "$kver" --show-depends "$m" |
        while read -r line; do
            case "$line" in insmod\ *) src=${line#insmod }; src=${src%% *} ;; *) continue ;; esac
            rel=${src#"$STAGE/lib/modules/$kver/"}; rel=${rel%.xz}; rel=${rel%.zst}
            grep -qxF "/lib/modules/$kver/$rel" "$ROOT/etc/modules.load" && continue
            mkdir -p "$ROOT/lib/modules/$kver/$(dirname "$rel")"
            case "$src" in
                *.xz) xz -dc "$src" ;; *.zst) zstd -dcq "$src" ;; *) cat "$src" ;;
            esac > "$ROOT/lib/modules/$kver/$rel"
            echo "/lib/modules/$kver/$rel" >> "$ROOT/etc/modules.load"
        done
    done
    cp "$STAGE/lib/modules/$kver"/modules.builtin* "$ROOT/lib/modules/$kver/"
    sed "s|^/lib/modules/$kver/||" "$ROOT/etc/modules.load" > "$ROOT/lib/modules/$kver/modules.order"
    depmod -b "$ROOT" "$kver"
}

write_init() {
    cat > "$ROOT/init" <<'EOF'
#!/bin/sh
# PID 1 of the NVMe test guest (generated by scripts/build-guest.sh).
# Kernel command line: nvmetest=NAME runs /tests/NAME.sh (appended by the
# runner as a second cpio), nvmetest=shell gives a shell, nvmetest=probe only
# proves the guest boots.  nvmewait=SECONDS bounds the wait for /dev/nvme0.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=vt100
echo   # SeaBIOS leaves "Booting from ROM.." without a newline
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /tmp /run /mnt /root
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm

arg() {   # arg NAME DEFAULT: value of NAME= on the kernel command line
    for w in $(cat /proc/cmdline); do
        case "$w" in "$1"=*) echo "${w#*=}"; return ;; esac
    done
    echo "$2"
}

off() { sync; poweroff -f; echo o > /proc/sysrq-trigger; sleep 5; }

test=$(arg nvmetest shell)
if [ "$test" = probe ]; then echo GUEST-PROBE-OK; off; fi

# Parameters for module NAME from the kernel command line (NAME.param=v),
# as modprobe would pass them: busybox insmod does not read /proc/cmdline.
modparams() {
    for w in $(cat /proc/cmdline); do
        case "$w" in "$1".*=*) echo "${w#"$1".}" ;; esac
    done
}
while read -r m; do
    name=$(basename "$m" .ko | tr - _)
    # shellcheck disable=SC2046
    insmod "$m" $(modparams "$name") 2>/dev/null
done < /etc/modules.load

# waitfor PATH SECONDS: the controller and then its namespaces appear
# asynchronously after the driver binds; bounded so a dead device cannot hang us.
waitfor() {
    i=0
    while [ ! -e "$1" ] && [ $i -lt $(($2 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
}
waitfor /dev/nvme0 "$(arg nvmewait 30)"
[ -e /dev/nvme0 ] && waitfor /dev/nvme0n1 5
if [ ! -e /dev/nvme0 ]; then
    echo "GUEST-TEST FAIL boot: /dev/nvme0 did not appear within $(arg nvmewait 30)s"
    dmesg | grep -i nvme | tail -n 20
fi
echo "GUEST-BOOTED $(cut -d' ' -f1 /proc/uptime)s"

if [ "$test" = shell ]; then
    setsid cttyhack sh -l
elif [ -f "/tests/$test.sh" ]; then
    cd /tests && sh "/tests/$test.sh"
    echo "GUEST-EXIT $?"
else
    echo "GUEST-TEST FAIL boot: no /tests/$test.sh in the initramfs"
fi
off
EOF
    chmod 755 "$ROOT/init"
}

# Skeleton: directories, the console node (the kernel opens /dev/console
# before /init runs devtmpfs), mtab for e2fsprogs' "is it mounted" checks.
write_skeleton() {
    mkdir -p "$ROOT"/{bin,sbin,etc,proc,sys,dev,tmp,run,mnt,root,usr/bin,usr/sbin}
    ln -sf /proc/mounts "$ROOT/etc/mtab"
    printf 'root:x:0:0:root:/root:/bin/sh\n' > "$ROOT/etc/passwd"
    printf 'root:x:0:\n' > "$ROOT/etc/group"
}

# newc cpio of ROOT, owned by root, plus a /dev/console entry written by hand
# so that building needs no root (mknod) privileges.
pack_initramfs() {
    local out=$1
    (cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort |
        cpio -o -H newc -R 0:0 --quiet) > "$WORK/base.cpio"
    # Kernel accepts concatenated archives: a second one just adds the node.
    newc_console >> "$WORK/base.cpio"
    gzip -6 -n < "$WORK/base.cpio" > "$out"
}

# Emit a newc archive holding the character device /dev/console (5,1).
newc_console() {
    local name="dev/console" n
    n=$(( ${#name} + 1 ))
    # magic ino mode uid gid nlink mtime size devmaj devmin rdevmaj rdevmin namesize check
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        1 $((0020600)) 0 0 1 0 0 0 0 5 1 "$n" 0
    printf '%s\0' "$name"
    pad4 $((110 + n))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        0 0 0 0 1 0 0 0 0 0 0 11 0
    printf 'TRAILER!!!\0'
    pad4 $((110 + 11))
}

pad4() { local r=$(( (4 - $1 % 4) % 4 )); head -c "$r" /dev/zero; }

# stamp_key PREFIX PKG...: hash of PREFIX and the packages' chosen versions.
stamp_key() {
    local prefix=$1; shift
    { echo "$prefix"; pick_versions "$@" | sort; } | sha256sum | cut -c1-32
}

# Cheap fingerprint of the inputs: this script, the kernel override and apt's
# package lists (their sizes and mtimes).  Unchanged => no apt-cache calls.
quick_fingerprint() {
    { sha256sum < "$0"; echo "${KERNEL_PKG:-}"; ls -l --time-style=+%s /var/lib/apt/lists/ 2>/dev/null; } |
        sha256sum | cut -c1-32
}

outputs_present() {
    [ -z "${FORCE_GUEST:-}" ] && [ -f "$OUT/stamp" ] && [ -f "$OUT/packages.txt" ] &&
        [ -f "$OUT/vmlinux" ] && [ -f "$OUT/initramfs.cpio.gz" ]
}

main() {
    mkdir -p "$OUT"
    # One build at a time (the runner and the demo may start concurrently).
    exec 9> "$OUT/.lock"
    flock 9
    if outputs_present && [ "$(quick_fingerprint)" = "$(cat "$OUT/stamp.quick" 2>/dev/null)" ]; then
        log "up to date ($OUT)"
        return 0
    fi
    ensure_host_tools
    local kernel kver self_hash pkgs
    kernel=$(pick_kernel)
    [ -n "$kernel" ] || die "no linux-image package found in apt's lists (apt-get update?)"
    self_hash=$(sha256sum < "$0" | cut -c1-16)
    # apt's lists changed: rebuild only if the versions apt would pick did.
    if outputs_present &&
       [ "$(stamp_key "$self_hash $kernel" $(cut -d= -f1 "$OUT/packages.txt"))" = "$(cat "$OUT/stamp")" ]; then
        quick_fingerprint > "$OUT/stamp.quick"
        log "up to date ($OUT)"
        return 0
    fi

    log "kernel package: $kernel"
    rm -f "$OUT/stamp" "$OUT/stamp.quick"   # outputs are about to change
    pkgs=$(lib_closure)
    [ -n "$pkgs" ] || die "could not resolve package versions"
    rm -rf "$WORK"; mkdir -p "$STAGE" "$ROOT"
    # shellcheck disable=SC2086  # one word per package
    fetch_and_extract "$kernel" $pkgs

    kver=$(ls "$STAGE/lib/modules" | head -n1)
    log "kernel release $kver"
    write_skeleton
    install_busybox
    install_binaries
    install_modules "$kver"
    write_init
    extract_vmlinux "$STAGE/boot/vmlinuz-$kver" "$WORK/vmlinux"
    pack_initramfs "$WORK/initramfs.cpio.gz"

    mv -f "$WORK/vmlinux" "$WORK/initramfs.cpio.gz" "$OUT/"
    printf '%s\n' $pkgs > "$OUT/packages.txt"
    { echo "kernel $kver ($kernel)"; printf 'package %s\n' $pkgs;
      sed 's/^/module /' "$ROOT/etc/modules.load"; } > "$OUT/manifest.txt"
    stamp_key "$self_hash $kernel" $(cut -d= -f1 "$OUT/packages.txt") > "$OUT/stamp"
    quick_fingerprint > "$OUT/stamp.quick"
    prune_debs "$kernel" $pkgs
    rm -rf "$WORK"
    log "built $OUT/vmlinux and $OUT/initramfs.cpio.gz ($(du -h "$OUT/initramfs.cpio.gz" | cut -f1))"
}

# Drop cached .debs that the current package set no longer uses.
prune_debs() {
    local f keep=" " spec
    for spec in "$@"; do keep="$keep${spec%%=*}_${spec#*=} "; done
    keep=${keep//:/%3a}
    for f in "$DEBS"/*.deb; do
        [ -e "$f" ] || continue
        f=$(basename "$f")
        case "$keep" in *" ${f%_*.deb} "*) ;; *) rm -f "$DEBS/$f" ;; esac
    done
}

main "$@"
