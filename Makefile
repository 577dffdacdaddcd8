# The project's entry points.  Everything heavy is cached in ~/.cache/nvme-qemu.
#   make demo    build QEMU with our NVMe device and boot the demo guest
#   make check   build everything and run all tests (what CI runs)
#   make sanitize  ASan+UBSan build: all qtests + a guest boot (in make check)
#   make fuzz    fuzz the device, FUZZ_SECONDS (120) long (in make check)
#   make bench   benchmark: ours vs upstream nvme vs virtio-blk (informational)
.PHONY: all build guest demo check qtest guest-test bench sanitize fuzz

all: build

build:
	bash scripts/build-qemu.sh

guest:
	bash scripts/build-guest.sh

demo: build guest
	bash scripts/demo.sh

check:
	bash tests/run-all.sh

qtest: build
	bash tests/run-qtests.sh

guest-test: build guest
	bash tests/guest/run.sh

# Informational, never a test; BENCH_QUICK=1 for a ~3 min run.
bench:
	bash scripts/bench.sh

sanitize: guest
	bash tests/run-sanitize.sh

fuzz:
	bash tests/run-fuzz.sh
