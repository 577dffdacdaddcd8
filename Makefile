# The project's entry points.  Everything heavy is cached in ~/.cache/nvme-qemu.
#   make setup   host packages and QEMU's source (once; the rest runs it too)
#   make demo    build QEMU with our NVMe device and boot the demo guest
#   make check   build everything and run every test suite (what CI runs)
#   make unit    the unit tests only (seconds, no QEMU build)
#   make qtest / guest-test / kconfig / sanitize / fuzz   one suite
#   make bench   benchmark: ours vs upstream nvme vs virtio-blk (informational)
# The tests are the root meson project's (meson.build, docs/testing.rst):
# `meson test -C build --suite NAME` is what the suite targets run.
.PHONY: all setup build guest demo check unit qtest guest-test kconfig \
	sanitize fuzz bench

BUILD ?= build
SUITES = unit qtest kconfig guest sanitize fuzz
MESON_TEST = meson test -C $(BUILD) --print-errorlogs

all: build

setup:
	bash scripts/setup.sh

# The root meson project (unit tests, suites); configured once.
$(BUILD)/build.ninja:
	bash scripts/setup.sh
	meson setup $(BUILD)

build:
	bash scripts/build-qemu.sh

guest:
	bash scripts/build-guest.sh

demo: build guest
	bash scripts/demo.sh

check: $(BUILD)/build.ninja
	$(MESON_TEST) $(addprefix --suite ,$(SUITES))

unit: $(BUILD)/build.ninja
	$(MESON_TEST)

qtest guest-test kconfig sanitize fuzz: $(BUILD)/build.ninja
	$(MESON_TEST) --suite $(patsubst guest-test,guest,$@)

# Informational, never a test; BENCH_QUICK=1 for a ~4 min run.
bench:
	bash scripts/bench.sh
