# rtcsim - build, test, run.
#
#   make run     install what is missing, build, run the conformance suite
#   make test    the same, plus the unit tests and the determinism check
#   make bench   benchmarks (medians), see README
#   make asan    unit tests and scenarios under AddressSanitizer/UBSan
#
# Debian 12 packages; `make deps` installs the missing ones (as root).

PKGS      := nice libsrtp2 openssl lua5.4 libpcap
DEB_PKGS  := build-essential pkg-config libnice-dev libsrtp2-dev libssl-dev \
             liblua5.4-dev libpcap-dev check tshark coturn iproute2 libjson-glib-dev
BUILD     ?= build
CC        ?= cc
OPT       ?= -O2 -g
SANITIZE  ?=
# Test binaries are kept (make would delete them as intermediate files).
.SECONDARY:

CFLAGS_PKG := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS_PKG   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

WARN    := -std=c11 -D_GNU_SOURCE $(OPT) -Wall -Wextra -Werror -Wshadow \
           -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter $(SANITIZE)
# ref/ sees only its own headers and the libraries': the sans-IO seam is
# enforced by the compiler (and by `seam` below, on the objects).
REF_CFLAGS := $(WARN) -Iinclude -Iref $(CFLAGS_PKG)
# sim/ sees ref/ only as an implementation of the public ABI
# (include/rtcsim/impl.h): ref/'s headers are not on its path, and
# `seam` checks that its objects use no ref/ symbol but the ABI's entry.
# The unit tests test ref/ itself, so they see its headers.
CFLAGS     := $(WARN) -Iinclude -Isim $(CFLAGS_PKG)
LDFLAGS := $(SANITIZE)
LDLIBS  := $(LIBS_PKG) -lm

REF_SRC  := $(wildcard ref/*.c)
SIM_SRC  := $(filter-out sim/cmd/main.c,$(wildcard sim/*/*.c))
TEST_SRC := $(wildcard tests/test_*.c)
REF_OBJ  := $(REF_SRC:%.c=$(BUILD)/%.o)
# ref/ again, position-independent, as build/ref.so: the built-in
# implementation as any other would come (include/rtcsim/impl.h); only
# the ABI's symbol is exported (ref/impl.c)
PIC_OBJ  := $(REF_SRC:%.c=$(BUILD)/pic/%.o)
SIM_OBJ  := $(SIM_SRC:%.c=$(BUILD)/%.o)
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

# The suite, less the live scenarios (scenarios/interop: real programs on
# simulated hosts, in real time, so outside the determinism check; `make
# interop` runs them where the bridge can, docs/live.md).
LIVE      := scenarios/interop
# Live scenarios that take minutes of real time (TURN lifetimes, RFC 8656
# s.3.2, s.9): `make interop-long`, not in `make test`.
LIVE_LONG := scenarios/interop-long
SCENARIOS ?= $(patsubst %/,%,$(filter-out $(LIVE)/ $(LIVE_LONG)/ scenarios/lib/,$(sort $(wildcard scenarios/*/))))
# Scenarios whose measures are statistical (docs/decisions.md D46): their
# bounds must hold at every seed, so `make test` sweeps them.
STATISTICAL := scenarios/net/lossy-echo.lua scenarios/net/burst-loss.lua scenarios/ice/loss.lua \
               scenarios/media/loss-jitter.lua scenarios/dtmf/loss.lua
SWEEP_SEEDS ?= 1..100
JOBS        ?= $(shell nproc)

.PHONY: all deps run test seam unit cli scenarios lint replay determinism sweep abi interop interop-long bench asan clean \
        impl impl-check install uninstall mutants

all: $(BUILD)/rtcsim $(BUILD)/ref.so $(TESTS) $(BUILD)/tests/bench $(BUILD)/rtcsim-nice \
     $(BUILD)/rtcsim-live

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "make deps: need root to install:$$missing" >&2; exit 2; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# Build in a sub-make so that pkg-config runs after deps installed it.
run: deps
	@$(MAKE) --no-print-directory $(BUILD)/rtcsim
	$(BUILD)/rtcsim run --out reports/run $(SCENARIOS)

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory seam unit cli scenarios lint replay determinism sweep abi
	@$(MAKE) --no-print-directory impl-check
	@$(MAKE) --no-print-directory interop
	@$(BUILD)/rtcsim coverage $(SCENARIOS) >reports/coverage.txt && sed -n '/^share covered/,$$p' reports/coverage.txt

# ref/ never reaches the simulator: no object of libref.a may reference a
# sim_ symbol.
seam: $(BUILD)/libref.a $(SIM_OBJ) $(BUILD)/sim/cmd/main.o
	@bad=$$(nm -u $(BUILD)/libref.a | awk '$$2 ~ /^sim_/ {print $$2}' | sort -u); \
	if [ -n "$$bad" ]; then echo "seam: ref/ references simulator symbols:" $$bad; exit 1; fi; \
	echo "seam: ref/ references no sim_ symbol"
	@bad=$$(nm -u $(SIM_OBJ) $(BUILD)/sim/cmd/main.o | awk '$$1 == "U" && $$2 ~ /^rtc/ && $$2 != "rtcsim_impl" {print $$2}' | sort -u); \
	if [ -n "$$bad" ]; then echo "seam: sim/ calls ref/ past the ABI:" $$bad; exit 1; fi; \
	echo "seam: sim/ reaches ref/ only through the ABI (rtcsim_impl)"

unit: $(TESTS)
	@fail=0; for t in $(TESTS); do ./$$t || fail=1; done; exit $$fail

# The command's contract: exit statuses, messages, reports.
cli: $(BUILD)/rtcsim
	@tests/test_cli.sh $(BUILD)/rtcsim

scenarios: $(BUILD)/rtcsim
	@rm -rf reports/test-a reports/test-b
	$(BUILD)/rtcsim run --out reports/test-a $(SCENARIOS)
	@tests/tshark_check.sh reports/test-a captures

# rtcsim lint over the suite's own captures (issue 13): no error, and each
# decrypted twin rebuilt from its key log alone equal to the harness's.
lint: $(BUILD)/rtcsim
	@tests/lint_check.sh $(BUILD)/rtcsim reports/test-a

# rtcsim replay as a user runs it (issue 13, docs/replay.md): a suite capture
# replayed against ref/ (built in and through the ABI), bad input, and the
# real captures of ../shared/captures as tests/replay_shared.expected says.
replay: $(BUILD)/rtcsim $(BUILD)/ref.so
	@tests/replay_check.sh $(BUILD)/rtcsim reports/test-a

# Every scenario runs twice; the report folders must be byte-identical.
determinism: $(BUILD)/rtcsim
	@$(BUILD)/rtcsim run --quiet --out reports/test-b $(SCENARIOS) >/dev/null; \
	if diff -r reports/test-a reports/test-b >/dev/null; then \
	  echo "determinism: two runs wrote identical reports"; \
	else echo "determinism: runs differ:"; diff -rq reports/test-a reports/test-b; exit 1; fi

# The suite through the ABI as another implementation comes: ref/ loaded
# from build/ref.so with dlopen, its byte goldens compared masked (D103).
# Every scenario must pass: this is the control that makes a mutant's
# failure (make mutants) mean something. And the same code must write the
# same bytes whichever way it is reached.
abi: $(BUILD)/rtcsim $(BUILD)/ref.so
	@rm -rf reports/test-abi
	$(BUILD)/rtcsim run --quiet --jobs $(JOBS) --impl $(BUILD)/ref.so --out reports/test-abi $(SCENARIOS)
	@test -d reports/test-a || { echo "abi: reports/test-a missing: run make scenarios first"; exit 1; }; \
	n=0; for f in $$(cd reports/test-a && find . -name '*.pcap' | sort); do n=$$((n + 1)); \
	  cmp -s reports/test-a/$$f reports/test-abi/$$f || { echo "abi: $$f differs between ref/ built in and build/ref.so"; exit 1; }; \
	done; echo "abi: the $$n captures through build/ref.so are byte-identical to the built-in ref/'s"

# The live scenarios, where the bridge can run (root, /dev/net/tun, ip);
# elsewhere it says so and why, and passes nothing. Every capture they
# write must decode in tshark as the rest.
interop: $(BUILD)/rtcsim $(BUILD)/live/bad_program $(BUILD)/rtcsim-nice $(BUILD)/rtcsim-live $(BUILD)/ref.so
	@rm -rf reports/interop
	@if [ "$$(id -u)" != 0 ]; then echo "interop: skipped: live hosts need root"; \
	elif [ ! -c /dev/net/tun ]; then echo "interop: skipped: no /dev/net/tun"; \
	elif ! command -v turnserver >/dev/null; then echo "interop: skipped: coturn is not installed (make deps)"; \
	elif ! why=$$(ip netns add rtcsim-probe-$$$$ 2>&1 && ip tuntap add dev rsprobe$$$$ mode tun 2>&1 && \
	    ip link set rsprobe$$$$ netns rtcsim-probe-$$$$ 2>&1 && ip netns del rtcsim-probe-$$$$ 2>&1); then \
	  ip netns del rtcsim-probe-$$$$ 2>/dev/null; ip tuntap del dev rsprobe$$$$ mode tun 2>/dev/null; \
	  echo "interop: skipped: cannot make a network namespace with a TUN device here: $$why"; \
	else $(BUILD)/rtcsim run --out reports/interop --allow-program $(BUILD)/rtcsim-nice --allow-program "$(BUILD)/rtcsim-live --impl $(BUILD)/ref.so" --allow-program turnserver $(LIVE) && \
	  tests/tshark_check.sh reports/interop captures && \
	  tests/live_check.sh $(BUILD)/rtcsim $(BUILD)/live/bad_program; fi

# The long live scenarios (about 12 min of real time, two at once):
# nat/turn-permissions and nat/turn-refresh against the project's TURN
# server and coturn side by side.
interop-long: $(BUILD)/rtcsim
	@rm -rf reports/interop-long
	@if [ "$$(id -u)" != 0 ]; then echo "interop-long: skipped: live hosts need root"; \
	elif [ ! -c /dev/net/tun ]; then echo "interop-long: skipped: no /dev/net/tun"; \
	elif ! command -v turnserver >/dev/null; then echo "interop-long: skipped: coturn is not installed (make deps)"; \
	else $(BUILD)/rtcsim run --out reports/interop-long --jobs 2 --timeout 900 --allow-program turnserver $(LIVE_LONG) && \
	  tests/tshark_check.sh reports/interop-long captures; fi

# The statistical scenarios over SWEEP_SEEDS; a failing seed prints the
# command that replays it.
sweep: $(BUILD)/rtcsim
	@rm -rf reports/sweep
	$(BUILD)/rtcsim run --quiet --jobs $(JOBS) --seeds $(SWEEP_SEEDS) --out reports/sweep $(STATISTICAL)

bench: deps
	@$(MAKE) --no-print-directory $(BUILD)/tests/bench $(BUILD)/rtcsim OPT="-O2 -g"
	$(BUILD)/tests/bench
	@tests/bench_suite.sh $(BUILD)/rtcsim $(SCENARIOS)

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g" \
	  SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" all
	@fail=0; for t in $(TEST_SRC:tests/%.c=build-asan/tests/%); do CK_FORK=no ./$$t || fail=1; done; exit $$fail
	@rm -rf reports/asan
	build-asan/rtcsim run --quiet --out reports/asan $(SCENARIOS)

# The suite's strength (issue 11): each tests/mutants/NN-name.patch is one
# realistic bug put into a copy of ref/, built as build/ref.so is (its
# objects, the patched files compiled again) and run through the suite
# with --impl (masked captures, never byte goldens). The control,
# build/ref.so itself, must pass every scenario first.
# tests/mutants/README.md says more.
MUT_PATCHES := $(sort $(wildcard tests/mutants/[0-9]*.patch))
MUT_NAMES   := $(MUT_PATCHES:tests/mutants/%.patch=%)
MUT_SO      := $(MUT_NAMES:%=$(BUILD)/mutants/%.so)
MUT_ENV     := BUILD='$(BUILD)' CC='$(CC)' MUT_CFLAGS='$(WARN)' MUT_PKG_CFLAGS='$(CFLAGS_PKG)' \
               MUT_LDFLAGS='$(LDFLAGS)' MUT_LIBS='$(LIBS_PKG)'

mutants: deps
	@$(MAKE) --no-print-directory $(BUILD)/rtcsim $(BUILD)/ref.so $(MUT_SO)
	@tests/mutants/run.sh $(BUILD)/rtcsim $(BUILD)/ref.so $(BUILD)/mutants "$(SCENARIOS)" $(MUT_NAMES)

$(BUILD)/mutants/%.so: tests/mutants/%.patch $(BUILD)/ref.so tests/mutants/build.sh
	@mkdir -p $(@D)
	@$(MUT_ENV) tests/mutants/build.sh $* $< $@

$(BUILD)/rtcsim: $(BUILD)/sim/cmd/main.o $(SIM_OBJ) $(BUILD)/libref.a
	@echo "  LD   $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The protocol's side both adapters share (sim/adapters/common/jsonl.c:
# requests, their parameters, the lines written and read), compiled once
# and linked into rtcsim-nice and rtcsim-live only: three levels under
# sim/, so that the sim/*/*.c glob leaves it out of rtcsim as well. It
# sees json-glib and its own header alone.
ADAPTER_JSONL        := $(BUILD)/sim/adapters/common/jsonl.o
ADAPTER_JSONL_CFLAGS  = $(shell pkg-config --cflags json-glib-1.0 2>/dev/null)

$(ADAPTER_JSONL): sim/adapters/common/jsonl.c
	@mkdir -p $(@D)
	@echo "  CC   $<"
	@$(CC) $(WARN) -Isim/adapters $(ADAPTER_JSONL_CFLAGS) -MMD -MP -c -o $@ $<

# The libnice adapter (docs/live.md, "Adapters: libnice"): a program of
# its own for live hosts, on GLib, libnice's agent and json-glib; two
# levels under sim/ so that the sim/*/*.c glob leaves it out of rtcsim.
# Its unit test runs it, so it is built before the test (order-only: the
# test does not link it), and reads the protocol with json-glib too.
NICE_ADAPTER_CFLAGS = $(shell pkg-config --cflags nice json-glib-1.0 2>/dev/null)
NICE_ADAPTER_LIBS   = $(shell pkg-config --libs nice json-glib-1.0 2>/dev/null)

$(BUILD)/rtcsim-nice: sim/adapters/nice/adapter.c $(ADAPTER_JSONL)
	@mkdir -p $(@D)
	@echo "  CC   $@"
	@$(CC) $(WARN) -Isim/adapters $(NICE_ADAPTER_CFLAGS) -MMD -MP -MF $@.d -o $@ $< $(ADAPTER_JSONL) \
	  $(LDFLAGS) $(NICE_ADAPTER_LIBS)

$(BUILD)/tests/test_nice_adapter: | $(BUILD)/rtcsim-nice
$(BUILD)/tests/test_nice_adapter.o: CFLAGS += $(NICE_ADAPTER_CFLAGS)
$(BUILD)/tests/test_nice_adapter: LDLIBS += $(NICE_ADAPTER_LIBS)
# Both adapters' tests drive their program through tests/live_peer.c,
# linked into those two alone (the other tests need no json-glib).
$(BUILD)/tests/test_nice_adapter: $(BUILD)/tests/live_peer.o
$(BUILD)/tests/live_peer.o: CFLAGS += $(ADAPTER_JSONL_CFLAGS)

# The adapter of in-process implementations (docs/live.md, "Adapters: any
# in-process implementation"): build/ref.so, or any PATH.so of the ABI,
# served as a live program; json-glib for the protocol, the ABI's header
# alone of the project's. Its unit test runs it on build/ref.so, so both
# are built before the test (order-only).
LIVE_ADAPTER_CFLAGS = $(shell pkg-config --cflags json-glib-1.0 2>/dev/null)
LIVE_ADAPTER_LIBS   = $(shell pkg-config --libs json-glib-1.0 2>/dev/null) -ldl

$(BUILD)/rtcsim-live: sim/adapters/live/adapter.c $(ADAPTER_JSONL)
	@mkdir -p $(@D)
	@echo "  CC   $@"
	@$(CC) $(WARN) -Iinclude -Isim/adapters $(LIVE_ADAPTER_CFLAGS) -MMD -MP -MF $@.d -o $@ $< \
	  $(ADAPTER_JSONL) $(LDFLAGS) $(LIVE_ADAPTER_LIBS)

$(BUILD)/tests/test_live_adapter: | $(BUILD)/rtcsim-live $(BUILD)/ref.so
$(BUILD)/tests/test_live_adapter.o: CFLAGS += $(LIVE_ADAPTER_CFLAGS)
$(BUILD)/tests/test_live_adapter: LDLIBS += $(LIVE_ADAPTER_LIBS)
$(BUILD)/tests/test_live_adapter: $(BUILD)/tests/live_peer.o

$(BUILD)/libref.a: $(REF_OBJ)
	@mkdir -p $(@D)
	@echo "  AR   $@"
	@rm -f $@; ar rcs $@ $^

$(BUILD)/live/bad_program: tests/live/bad_program.c
	@mkdir -p $(@D)
	@echo "  CC   $@"
	@$(CC) $(WARN) -o $@ $<

$(BUILD)/ref.so: $(PIC_OBJ)
	@echo "  LD   $@"
	@$(CC) $(LDFLAGS) -shared -o $@ $^ $(LIBS_PKG)

$(BUILD)/pic/ref/%.o: ref/%.c
	@mkdir -p $(@D)
	@echo "  CC   $< (PIC)"
	@$(CC) $(REF_CFLAGS) -fPIC -fvisibility=hidden -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/tests/fixture.o $(SIM_OBJ) $(BUILD)/libref.a
	@echo "  LD   $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

# -Iref before the packages' paths: libnice's nice/candidate.h would
# shadow ref/candidate.h for the unit tests that read ref/ directly.
$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	@echo "  CC   $<"
	@$(CC) -Iref $(CFLAGS) $(CHECK_CFLAGS) -Itests -MMD -MP -c -o $@ $<

$(BUILD)/ref/%.o: ref/%.c
	@mkdir -p $(@D)
	@echo "  CC   $<"
	@$(CC) $(REF_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC   $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# Implementations under test built from tests/impl/ (docs/implementers.md):
# the skeleton, lazy (the skeleton accepting every call: the bad ones'
# base and control) and one bad implementation per way the harness must
# refuse one. Built as a third party builds: the ABI's header alone,
# no project flags but the warnings.
IMPL_CFLAGS := -std=c11 $(OPT) -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
               -Wmissing-prototypes -Wno-unused-parameter -fPIC -fvisibility=hidden -Iinclude
IMPL_BAD    := abi nosym null crash connect send event
IMPL_SO     := $(BUILD)/impl/skeleton.so $(BUILD)/impl/lazy.so $(IMPL_BAD:%=$(BUILD)/impl/bad_%.so)
IMPL_DEPS   := include/rtcsim/impl.h tests/impl/bases.h

impl: $(IMPL_SO)

impl-check: $(BUILD)/rtcsim $(IMPL_SO)
	@tests/impl_check.sh $(BUILD)/rtcsim $(BUILD)/impl

$(BUILD)/impl/skeleton.so: tests/impl/skeleton.c $(IMPL_DEPS)
	@mkdir -p $(@D)
	@echo "  SO   $@"
	@$(CC) $(IMPL_CFLAGS) -shared -o $@ $<

# The bases again, their export renamed (tests/impl/bases.h).
$(BUILD)/impl/skeleton-base.o: tests/impl/skeleton.c $(IMPL_DEPS)
	@mkdir -p $(@D)
	@$(CC) $(IMPL_CFLAGS) -Drtcsim_impl=rtcsim_skeleton_impl -c -o $@ $<

$(BUILD)/impl/lazy-base.o: tests/impl/lazy.c $(IMPL_DEPS)
	@mkdir -p $(@D)
	@$(CC) $(IMPL_CFLAGS) -Drtcsim_impl=rtcsim_lazy_impl -c -o $@ $<

$(BUILD)/impl/lazy.so: tests/impl/lazy.c $(BUILD)/impl/skeleton-base.o $(IMPL_DEPS)
	@echo "  SO   $@"
	@$(CC) $(IMPL_CFLAGS) -shared -o $@ $< $(BUILD)/impl/skeleton-base.o

$(BUILD)/impl/bad_%.so: tests/impl/bad_%.c $(BUILD)/impl/lazy-base.o $(BUILD)/impl/skeleton-base.o $(IMPL_DEPS)
	@echo "  SO   $@"
	@$(CC) $(IMPL_CFLAGS) -shared -o $@ $< $(BUILD)/impl/lazy-base.o $(BUILD)/impl/skeleton-base.o

# make install [PREFIX=/usr/local] [DESTDIR=...]: the command, the ABI's
# header, ref/ as a loadable implementation, and rtcsim.pc, so that an
# implementation builds with `cc $$(pkg-config --cflags rtcsim) ...` and a
# scenario can name the installed ref with `pkg-config --variable=refimpl
# rtcsim` (decisions.md D121).
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
INCLUDEDIR ?= $(PREFIX)/include
LIBDIR     ?= $(PREFIX)/lib
IMPL_ABI   := $(shell sed -n 's/^\#define RTCSIM_IMPL_ABI_VERSION *\([0-9]*\)u*$$/\1/p' include/rtcsim/impl.h)

install: $(BUILD)/rtcsim $(BUILD)/ref.so
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(INCLUDEDIR)/rtcsim $(DESTDIR)$(LIBDIR)/rtcsim \
	  $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 755 $(BUILD)/rtcsim $(DESTDIR)$(BINDIR)/rtcsim
	install -m 644 include/rtcsim/impl.h $(DESTDIR)$(INCLUDEDIR)/rtcsim/impl.h
	install -m 644 $(BUILD)/ref.so $(DESTDIR)$(LIBDIR)/rtcsim/ref.so
	printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$(INCLUDEDIR)' 'libdir=$(LIBDIR)' \
	  'refimpl=$${libdir}/rtcsim/ref.so' 'abi_version=$(IMPL_ABI)' '' \
	  'Name: rtcsim' \
	  'Description: rtcsim implementation-under-test ABI (include/rtcsim/impl.h)' \
	  'Version: $(IMPL_ABI)' 'Cflags: -I$${includedir}' \
	  > $(DESTDIR)$(LIBDIR)/pkgconfig/rtcsim.pc
	chmod 644 $(DESTDIR)$(LIBDIR)/pkgconfig/rtcsim.pc

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/rtcsim $(DESTDIR)$(INCLUDEDIR)/rtcsim/impl.h \
	  $(DESTDIR)$(LIBDIR)/rtcsim/ref.so $(DESTDIR)$(LIBDIR)/pkgconfig/rtcsim.pc
	-rmdir $(DESTDIR)$(INCLUDEDIR)/rtcsim $(DESTDIR)$(LIBDIR)/rtcsim 2>/dev/null

clean:
	rm -rf build build-asan reports/run reports/test-a reports/test-b reports/test-abi reports/interop reports/interop-long reports/asan reports/sweep

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
