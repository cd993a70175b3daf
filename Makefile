# tcpqsim: one non-recursive Makefile.
#
# make            build ./tcpqsim
# make run        build and run configs/default.json
# make test       build and run every Criterion suite
# make check      the test suite under AddressSanitizer + UndefinedBehaviorSanitizer
# make bench      the benchmarks: simulated attempts per CPU-second, the engine
#                 against a plain heap and a ladder queue, memory flatness;
#                 make bench BASE=<commit> adds paired ratios against a commit
# make pgo        ./tcpqsim built with profile feedback from the benchmarks
# make validate   the simulator against this machine's kernel (root, namespaces)
# make validate KERNEL=6.1   ... against Debian's 5.10, 6.1 or 6.12 kernel in QEMU
# make fuzz       libFuzzer harnesses for the loaders (FUZZ_SECONDS=...)
# make plots      PNG and SVG figures for the default scenario
# make install    the program, its plot scripts, man page and shell completion
#                 under PREFIX (default /usr/local), staged under DESTDIR
# make uninstall  remove what make install put there
# make web        the browser classroom, a static site in build/web (docs/classroom.md)
# Missing Debian packages are installed first (as root) by scripts/deps.sh.

.DEFAULT_GOAL := all

# ---- settings ---------------------------------------------------------------
CC       ?= cc
CSTD     := -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT      ?= -O3 -g
# link-time optimization across the three layers (LTO= to turn it off)
LTO      ?= -flto=auto
# NATIVE=1: code for this machine's CPU only (-march=native); the default
# build runs on any x86-64 (or whatever the compiler targets)
NATIVE   ?= 0
ARCH     := $(if $(filter 1,$(NATIVE)),-march=native)
# profile feedback, set by make pgo
PGO      ?=
BUILD    ?= build
SANFLAGS :=
# Criterion runs suites in parallel workers; their runner leaks 48 bytes of its
# own when it schedules tests on several workers, which LeakSanitizer reports,
# so the sanitizer run uses one
TEST_JOBS ?= $$(nproc)
TCPQSIM_BIN ?= tcpqsim
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR   ?= $(PREFIX)/bin
DATADIR  ?= $(PREFIX)/share
MANDIR   ?= $(DATADIR)/man
ALL_CFLAGS = $(CSTD) $(WARN) $(OPT) $(LTO) $(ARCH) $(PGO) $(SANFLAGS) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(OPT) $(LTO) $(ARCH) $(PGO) $(SANFLAGS) $(LDFLAGS)
# archives of LTO objects need the compiler's plugin: gcc-ar (or llvm-ar)
AR       := $(if $(LTO),$(if $(filter clang%,$(notdir $(CC))),llvm-ar,gcc-ar),ar)
LIBS_M   := -lm

ifeq ($(V),1)
Q :=
else
Q := @
endif

# The pkg-config flags are written by scripts/deps.sh, which installs what is
# missing first; make remakes this file before anything else.
ifeq ($(filter clean,$(MAKECMDGOALS)),)
-include $(BUILD)/config.mk
endif
$(BUILD)/config.mk: scripts/deps.sh
	@mkdir -p $(BUILD)
	$(Q)sh scripts/deps.sh $@

# Criterion only for the tests: plain make does not need it.  The flags are
# read when a test file compiles or links, after the stamp has installed it.
CRIT_STAMP := $(BUILD)/criterion.stamp
CRIT_CFLAGS = $(shell pkg-config --cflags criterion 2>/dev/null)
CRIT_LIBS = $(or $(shell pkg-config --libs criterion 2>/dev/null),-lcriterion)
$(CRIT_STAMP): scripts/deps.sh
	@mkdir -p $(BUILD)
	$(Q)TCPQSIM_EXTRA_DEPS=criterion sh scripts/deps.sh
	$(Q)touch $@

# ---- sources ----------------------------------------------------------------
# Folder = layer = library = test binary.  Arrows run one way: app -> models
# -> sim.  sim/ is the discrete-event engine (no TCP, no JSON, no argv);
# models/ is what is simulated and uses only the engine; app/ is the program
# (util/ for JSON reading, strings and files, cmd/ for one file per command).
# Each layer compiles against an include root that holds only itself and the
# layers below ($(BUILD)/inc/LAYER), so a wrong-way include does not compile;
# each layer's test binary links only its layer and those below, so a
# wrong-way call does not link.  scripts/check-layers.sh checks the includes.
SIM_SRC    := $(wildcard sim/*.c)
MODELS_SRC := $(wildcard models/*.c)
APP_SRC    := $(filter-out app/main.c,$(wildcard app/*.c app/*/*.c))

SIM_OBJ    := $(SIM_SRC:%.c=$(BUILD)/%.o)
MODELS_OBJ := $(MODELS_SRC:%.c=$(BUILD)/%.o)
APP_OBJ    := $(APP_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ   := $(BUILD)/app/main.o

LIB_SIM    := $(BUILD)/libsim.a
LIB_MODELS := $(BUILD)/libmodels.a

TEST_SIM_SRC    := $(wildcard tests/sim/*.c)
TEST_MODELS_SRC := $(wildcard tests/models/*.c)
TEST_APP_SRC    := $(wildcard tests/app/*.c)

KCHECK_SRC := $(wildcard tools/kcheck/*.c)

# The test binaries and kcheck are linked without LTO, from objects of their
# own (in $(BUILD)/nolto/ when LTO is on): a link of seconds instead of a
# whole-program optimization for each, while ./tcpqsim stays exactly the LTO
# build.  With LTO= they share the program's objects.
TBUILD     := $(if $(LTO),$(BUILD)/nolto,$(BUILD))
TEST_CFLAGS = $(filter-out $(LTO),$(ALL_CFLAGS))
TEST_LDFLAGS = $(filter-out $(LTO),$(ALL_LDFLAGS))
TEST_LIB_SIM    := $(TBUILD)/libsim.a
TEST_LIB_MODELS := $(TBUILD)/libmodels.a
TEST_APP_LIBOBJ := $(APP_SRC:%.c=$(TBUILD)/%.o)
TEST_SIM_OBJ    := $(TEST_SIM_SRC:%.c=$(TBUILD)/%.o)
TEST_MODELS_OBJ := $(TEST_MODELS_SRC:%.c=$(TBUILD)/%.o)
TEST_APP_OBJ    := $(TEST_APP_SRC:%.c=$(TBUILD)/%.o)
KCHECK_OBJ := $(KCHECK_SRC:%.c=$(TBUILD)/%.o)

# layer_of FILE: the layer whose include root compiles FILE (tests/LAYER/
# files are of that layer; tools/ and fuzz/ sit on top, like app/)
layer_of = $(or $(strip $(foreach l,sim models,$(if $(filter $(l)/% tests/$(l)/%,$1),$(l)))),app)
INC_STAMP := $(BUILD)/inc/.stamp

# ---- rules ------------------------------------------------------------------
.PHONY: all run test test-build check bench pgo validate fuzz plots clean deps layers man install uninstall web web-test bench-web
all: $(TCPQSIM_BIN)

deps: $(BUILD)/config.mk

# the include roots: $(BUILD)/inc/sim holds sim/; inc/models holds sim/ and
# models/; inc/app holds all three (symbolic links to the source folders)
$(INC_STAMP): Makefile
	$(Q)mkdir -p $(BUILD)/inc/sim $(BUILD)/inc/models $(BUILD)/inc/app
	$(Q)ln -sfn $(CURDIR)/sim $(BUILD)/inc/sim/sim
	$(Q)for l in sim models; do ln -sfn $(CURDIR)/$$l $(BUILD)/inc/models/$$l; done
	$(Q)for l in sim models app; do ln -sfn $(CURDIR)/$$l $(BUILD)/inc/app/$$l; done
	$(Q)touch $@

$(BUILD)/%.o: %.c $(BUILD)/config.mk Makefile | $(INC_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -I$(BUILD)/inc/$(call layer_of,$<) $(if $(filter tests/%,$<),$(CRIT_CFLAGS)) -MMD -MP -c $< -o $@

ifneq ($(TBUILD),$(BUILD))
$(TBUILD)/%.o: %.c $(BUILD)/config.mk Makefile | $(INC_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (no LTO)")
	$(Q)$(CC) $(TEST_CFLAGS) -I$(BUILD)/inc/$(call layer_of,$<) $(if $(filter tests/%,$<),$(CRIT_CFLAGS)) -MMD -MP -c $< -o $@
$(TEST_LIB_SIM): $(SIM_SRC:%.c=$(TBUILD)/%.o)
	$(Q)rm -f $@ && ar rcs $@ $^
$(TEST_LIB_MODELS): $(MODELS_SRC:%.c=$(TBUILD)/%.o)
	$(Q)rm -f $@ && ar rcs $@ $^
endif

$(TEST_SIM_OBJ) $(TEST_MODELS_OBJ) $(TEST_APP_OBJ): | $(CRIT_STAMP)

$(LIB_SIM): $(SIM_OBJ)
	$(Q)rm -f $@ && $(AR) rcs $@ $^
$(LIB_MODELS): $(MODELS_OBJ)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(TCPQSIM_BIN): $(MAIN_OBJ) $(APP_OBJ) $(LIB_MODELS) $(LIB_SIM)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LIBS_M)

$(BUILD)/test-sim: $(TEST_SIM_OBJ) $(TEST_LIB_SIM)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(TEST_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CRIT_LIBS) $(LIBS_M)

$(BUILD)/test-models: $(TEST_MODELS_OBJ) $(TEST_LIB_MODELS) $(TEST_LIB_SIM)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(TEST_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CRIT_LIBS) $(LIBS_M)

$(BUILD)/test-app: $(TEST_APP_OBJ) $(TEST_APP_LIBOBJ) $(TEST_LIB_MODELS) $(TEST_LIB_SIM)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(TEST_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CRIT_LIBS) $(LIBS_M)

$(BUILD)/kcheck: $(KCHECK_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(TEST_LDFLAGS) -pthread -o $@ $^ $(PKG_LIBS) $(LIBS_M)

# the layer check: every #include runs one way (app -> models -> sim), and
# the check itself fails on a planted wrong-way include (--self-test); and
# the citation check: no file cites the research notes outside the project
layers: | $(INC_STAMP)
	$(Q)sh scripts/check-layers.sh
	$(Q)CC="$(CC)" BUILD="$(BUILD)" sh scripts/check-layers.sh --self-test
	$(Q)sh scripts/check-citations.sh
	$(Q)sh scripts/check-citations.sh --self-test

# The simulator against this machine's kernel (root and network namespaces;
# loopback only, in namespaces kcheck makes and removes), or with KERNEL=5.10,
# 6.1 or 6.12 against that Debian kernel booted under QEMU (fetched with
# apt-get and cached under build/vm): docs/validation.md
KERNEL ?= host
VM_DEPS := qemu busybox-static cpio xz patch file
validate: $(TCPQSIM_BIN) $(BUILD)/kcheck
	@TCPQSIM_EXTRA_DEPS="jq $(if $(filter host,$(KERNEL)),,$(VM_DEPS))" sh scripts/deps.sh
	TCPQSIM=./$(TCPQSIM_BIN) KCHECK=$(BUILD)/kcheck VALIDATE_KERNEL=$(KERNEL) sh tools/validate.sh

run: $(TCPQSIM_BIN)
	./tcpqsim run configs/default.json

# PNG and SVG of the default scenario and of the seed experiment under three
# kernels (gnuplot is installed first when missing)
plots: $(TCPQSIM_BIN)
	@TCPQSIM_EXTRA_DEPS=gnuplot sh scripts/deps.sh
	$(Q)sh plots/plot.sh $(TCPQSIM_BIN) out

# libFuzzer harnesses for the scenario and sweep loaders, and a fuzzer of the
# whole command line (fuzz/fuzz_cli.c, against the sanitizer build) (clang is
# installed first when missing): FUZZ_SECONDS per harness, or "smoke" (20 s
# for the loaders, 30 s for the command line)
FUZZ_SECONDS ?= 60
fuzz:
	@TCPQSIM_EXTRA_DEPS=clang sh scripts/deps.sh
	sh fuzz/run.sh $(FUZZ_SECONDS)

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer, in
# its own build folder.
SAN := -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all
check:
	$(MAKE) BUILD=build-san OPT="-O1 -g" LTO= SANFLAGS="$(SAN)" TCPQSIM_BIN=build-san/tcpqsim TEST_JOBS=1 WEB_TESTS=0 test

# The benchmarks (bench/bench.sh): the hold model of the engine beside a
# plain 4-ary heap and a ladder queue (bench/hold.c), 10^7 attempts of each
# overload scenario (CPU and wall time), memory flatness (50 s vs 200 s);
# BASE=<commit> also builds that commit in a scratch worktree
# (build-bench/base-SHA, bench/build-base.sh) and prints paired CPU-time
# ratios on both overload scenarios (BENCH_PAIRS pairs, run in turn).
HOLD_BIN := $(BUILD)/bench-hold
$(HOLD_BIN): bench/hold.c $(LIB_SIM) | $(INC_STAMP)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -I$(BUILD)/inc/sim -o $@ bench/hold.c $(LIB_SIM) $(ALL_LDFLAGS) $(LIBS_M)

bench: $(TCPQSIM_BIN) $(HOLD_BIN)
	@base=""; if [ -n "$(BASE)" ]; then base=$$(sh bench/build-base.sh "$(BASE)") || exit 2; fi; \
	sh bench/bench.sh ./$(TCPQSIM_BIN) $(HOLD_BIN) "$$base" "$(BASE)"

# ./tcpqsim built with profile feedback (gcc): an instrumented build in
# build-pgo/ runs the training scenarios (bench/pgo-train.sh), then the same
# objects are rebuilt with the profile.  Outputs are the same as make's.
pgo:
	rm -rf build-pgo
	$(MAKE) BUILD=build-pgo PGO="-fprofile-generate -fprofile-update=single" TCPQSIM_BIN=build-pgo/tcpqsim-train build-pgo/tcpqsim-train
	sh bench/pgo-train.sh build-pgo/tcpqsim-train
	find build-pgo -name '*.o' -delete
	$(MAKE) BUILD=build-pgo PGO="-fprofile-use -fprofile-partial-training -Wno-missing-profile" TCPQSIM_BIN=tcpqsim tcpqsim

test-build: $(TCPQSIM_BIN) $(BUILD)/test-sim $(BUILD)/test-models $(BUILD)/test-app $(BUILD)/kcheck

# gnuplot, GNU parallel, man, zsh, tcpdump, Slurm and munge are installed
# first too: the plot, sweep, install, pcap and Slurm tests use them.  The
# shell tests (tests/sh) install into a scratch PREFIX and use the installed
# program; the Slurm test starts and stops a private single-node cluster, or
# says why it skips (not root, another Slurm running); tests/sh/replay.sh
# checks make validate's burst twin (tools/validate-replay.sh).  So are jq, QEMU and
# the rest of VM_DEPS: one suite boots Debian's 6.1 kernel for a short check
# (tests/app/test_vm.c).
TEST_DEPS := gnuplot parallel man zsh tcpdump slurm-wlm munge jq $(VM_DEPS)
# The browser classroom's tests run too (not under the sanitizers: WEB_TESTS=0)
WEB_TESTS ?= 1
test: test-build layers
	@TCPQSIM_EXTRA_DEPS="$(TEST_DEPS)" sh scripts/deps.sh
	$(BUILD)/test-sim --jobs=$(TEST_JOBS)
	$(BUILD)/test-models --jobs=$(TEST_JOBS)
	TCPQSIM=$(abspath $(TCPQSIM_BIN)) $(BUILD)/test-app --jobs=$(TEST_JOBS)
	sh tests/sh/install.sh "$(MAKE)"
	sh tests/sh/slurm.sh "$(MAKE)"
	sh tests/sh/replay.sh
ifeq ($(WEB_TESTS),1)
	$(Q)$(MAKE) --no-print-directory web-test
endif

# ---- the browser classroom ----------------------------------------------------
# The engine, the models and the program's scenario loader, runner, summary,
# story and views compiled with Emscripten (Debian's emscripten; GSL and cJSON
# built for WebAssembly from Debian's source packages by scripts/web-deps.sh,
# cached in build/web-deps), plus the page, its worker and the lessons.  Each
# layer becomes an archive, so only what web/tcpqsim_web.c reaches is linked.
WEB       := build/web
WEBDEPS   := build/web-deps
WEB_APP_SRC := $(filter-out app/main.c app/cli.c,$(wildcard app/*.c app/util/*.c))
WEB_SIM_OBJ    := $(SIM_SRC:%.c=build/web-obj/%.o)
WEB_MODELS_OBJ := $(MODELS_SRC:%.c=build/web-obj/%.o)
WEB_APP_OBJ    := $(WEB_APP_SRC:%.c=build/web-obj/%.o)
WEB_MAIN_OBJ   := build/web-obj/web/tcpqsim_web.o
WEB_OBJ   := $(WEB_SIM_OBJ) $(WEB_MODELS_OBJ) $(WEB_APP_OBJ) $(WEB_MAIN_OBJ)
WEB_EXPORTS := _web_load,_web_warnings,_web_info,_web_run,_web_story,_web_ss,_web_report,_web_attempts,_web_attempt_count,_malloc,_free
WEB_STATIC := web/index.html web/app.js web/worker.js web/engine.js web/style.css
WEB_LESSONS := $(wildcard configs/classroom/*.json configs/seed/*.json)
EMCC_ENV  := NODE_PATH=/usr/share/nodejs
EMCC_FLAGS := $(CSTD) $(WARN) -O3 -I$(WEBDEPS)/include

web: $(WEB)/tcpqsim.js $(WEB)/lessons.json $(addprefix $(WEB)/,$(notdir $(WEB_STATIC)))

# built once (about 3 minutes); rm -rf build/web-deps to build them again
$(WEBDEPS)/stamp:
	$(Q)sh scripts/web-deps.sh $(WEBDEPS)

# the same include roots as the native build (web/ sits on top, like app/)
build/web-obj/%.o: %.c $(WEBDEPS)/stamp Makefile | $(INC_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  EMCC    $<")
	$(Q)$(EMCC_ENV) emcc $(EMCC_FLAGS) -I$(BUILD)/inc/$(call layer_of,$<) -MMD -MP -c $< -o $@

build/web-obj/lib%.a:
	$(Q)rm -f $@ && $(EMCC_ENV) emar rcs $@ $^
build/web-obj/libsim.a: $(WEB_SIM_OBJ)
build/web-obj/libmodels.a: $(WEB_MODELS_OBJ)
build/web-obj/libapp.a: $(WEB_APP_OBJ)

$(WEB)/tcpqsim.js: $(WEB_MAIN_OBJ) build/web-obj/libapp.a build/web-obj/libmodels.a build/web-obj/libsim.a $(WEBDEPS)/stamp
	@mkdir -p $(WEB)
	@$(if $(Q),echo "  EMLD    $@")
	$(Q)$(EMCC_ENV) emcc -O3 -o $@ $(WEB_MAIN_OBJ) build/web-obj/libapp.a build/web-obj/libmodels.a \
		build/web-obj/libsim.a $(WEBDEPS)/lib/libgsl.a $(WEBDEPS)/lib/libcjson.a \
		-sMODULARIZE=1 -sEXPORT_NAME=createTcpqsim -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=web,worker,node \
		-sFORCE_FILESYSTEM=1 -sEXPORTED_FUNCTIONS=$(WEB_EXPORTS) \
		-sEXPORTED_RUNTIME_METHODS=ccall,cwrap,FS,UTF8ToString --no-entry

$(WEB)/%: web/%
	@mkdir -p $(WEB)
	$(Q)cp $< $@

# the lessons, at the same paths as in the repository, and their index
$(WEB)/lessons.json: $(WEB_LESSONS) web/lessons.mjs
	@mkdir -p $(WEB)
	$(Q)for f in $(WEB_LESSONS); do mkdir -p $(WEB)/$$(dirname $$f) && cp $$f $(WEB)/$$f; done
	$(Q)node web/lessons.mjs $(WEB_LESSONS) >$@.tmp && mv $@.tmp $@

# Node: every lesson's summary.json from the WebAssembly build equals the
# native one byte for byte but for the host's fields; Chromium: the page.
# Screenshots go to WEB_SHOTS (make web-test WEB_SHOTS=docs/img refreshes
# the README's)
WEB_SHOTS ?= build/web-shots
web-test: web $(TCPQSIM_BIN)
	$(Q)sh scripts/web-deps.sh --test $(WEBDEPS)
	$(Q)mkdir -p $(WEB_SHOTS)
	$(Q)TCPQSIM=./$(TCPQSIM_BIN) node --no-experimental-fetch tests/web/equal.mjs $(WEB) $(WEB_LESSONS)
	$(Q)TCPQSIM=./$(TCPQSIM_BIN) SCREENSHOTS=$(WEB_SHOTS) NODE_PATH=$(abspath $(WEBDEPS))/node_modules \
		node tests/web/browser.mjs $(WEB)

# The page's speed on the 10^5-attempt lesson (at least 1 M events/s): a
# benchmark, not a test, since this machine may be shared
bench-web: web $(TCPQSIM_BIN)
	$(Q)sh scripts/web-deps.sh --test $(WEBDEPS)
	$(Q)mkdir -p $(WEB_SHOTS)
	$(Q)TCPQSIM=./$(TCPQSIM_BIN) SCREENSHOTS=$(WEB_SHOTS) NODE_PATH=$(abspath $(WEBDEPS))/node_modules \
		WEB_MIN_EVENTS_PER_S=1e6 node tests/web/browser.mjs $(WEB)

# ---- install ----------------------------------------------------------------
# The man page is written from the program's own --help texts
# (scripts/gen-man.sh), so the two cannot drift.  plot finds its scripts at
# ../share/tcpqsim/plots from the binary's own folder, so an install works
# under any PREFIX and can be moved whole.
MAN_PAGE := $(BUILD)/tcpqsim.1
man: $(MAN_PAGE)
$(MAN_PAGE): $(TCPQSIM_BIN) man/tcpqsim.1.in scripts/gen-man.sh
	$(Q)sh scripts/gen-man.sh ./$(TCPQSIM_BIN) > $@.tmp && mv $@.tmp $@

PLOT_SCRIPTS := $(wildcard plots/*.gp)
DOC_FILES    := README.md $(wildcard docs/*.md)
EXAMPLES     := $(shell find configs -name '*.json' -o -name '*.csv' -o -name '*.txt' 2>/dev/null)
INSTALLED_DATA := $(DATADIR)/tcpqsim $(DATADIR)/doc/tcpqsim
INSTALLED_FILES := $(BINDIR)/tcpqsim $(MANDIR)/man1/tcpqsim.1 \
	$(DATADIR)/bash-completion/completions/tcpqsim $(DATADIR)/zsh/site-functions/_tcpqsim

install: $(TCPQSIM_BIN) $(MAN_PAGE)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/tcpqsim/plots $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(DATADIR)/bash-completion/completions $(DESTDIR)$(DATADIR)/zsh/site-functions \
		$(DESTDIR)$(DATADIR)/doc/tcpqsim/docs
	install -m 755 $(TCPQSIM_BIN) $(DESTDIR)$(BINDIR)/tcpqsim
	install -m 644 $(PLOT_SCRIPTS) $(DESTDIR)$(DATADIR)/tcpqsim/plots/
	install -m 644 $(MAN_PAGE) $(DESTDIR)$(MANDIR)/man1/tcpqsim.1
	install -m 644 completion/tcpqsim.bash $(DESTDIR)$(DATADIR)/bash-completion/completions/tcpqsim
	install -m 644 completion/_tcpqsim $(DESTDIR)$(DATADIR)/zsh/site-functions/_tcpqsim
	install -m 644 README.md $(DESTDIR)$(DATADIR)/doc/tcpqsim/
	install -m 644 $(wildcard docs/*.md) $(DESTDIR)$(DATADIR)/doc/tcpqsim/docs/
	$(Q)for f in $(EXAMPLES); do install -D -m 644 "$$f" "$(DESTDIR)$(DATADIR)/tcpqsim/$$f" || exit 1; done

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED_FILES))
	rm -rf $(addprefix $(DESTDIR),$(INSTALLED_DATA))
	$(Q)for d in $(DATADIR)/bash-completion/completions $(DATADIR)/zsh/site-functions $(DATADIR)/doc \
		$(MANDIR)/man1 $(BINDIR); do rmdir -p "$(DESTDIR)$$d" 2>/dev/null || true; done

# users' run folders (out/) are theirs: clean leaves them alone
clean:
	rm -rf build build-san build-fuzz build-pgo build-bench tcpqsim

-include $(WEB_OBJ:.o=.d) $(SIM_OBJ:.o=.d) $(MODELS_OBJ:.o=.d) $(APP_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) \
	$(TEST_SIM_OBJ:.o=.d) $(TEST_MODELS_OBJ:.o=.d) $(TEST_APP_OBJ:.o=.d) $(KCHECK_OBJ:.o=.d) \
	$(if $(filter-out $(BUILD),$(TBUILD)),$(TEST_APP_LIBOBJ:.o=.d) $(SIM_SRC:%.c=$(TBUILD)/%.d) $(MODELS_SRC:%.c=$(TBUILD)/%.d))
