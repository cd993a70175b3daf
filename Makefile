# tcpqsim: one non-recursive Makefile.
#
# make            build ./tcpqsim
# make run        build and run configs/default.json
# make test       build and run every Criterion suite
# make check      the test suite under AddressSanitizer + UndefinedBehaviorSanitizer
# make bench      the fixed overload benchmark (attempts/s, events/s, memory)
# make validate   the simulator against this machine's kernel (root, namespaces)
# make fuzz       libFuzzer harnesses for the loaders (FUZZ_SECONDS=...)
# make plots      PNG and SVG figures for the default scenario
# Missing Debian packages are installed first (as root) by scripts/deps.sh.

.DEFAULT_GOAL := all

# ---- settings ---------------------------------------------------------------
CC       ?= cc
CSTD     := -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT      ?= -O2 -g
BUILD    ?= build
SANFLAGS :=
# Criterion runs suites in parallel workers; their runner leaks 48 bytes of its
# own when it schedules tests on several workers, which LeakSanitizer reports,
# so the sanitizer run uses one
TEST_JOBS ?= $$(nproc)
TCPQSIM_BIN ?= tcpqsim
ALL_CFLAGS = $(CSTD) $(WARN) $(OPT) $(SANFLAGS) -I. $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)
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

# ---- sources ----------------------------------------------------------------
# The engine knows no TCP; the models use only engine headers; the program
# layer (config, reports, command line, sweeps) is the only one to touch files,
# JSON and exit codes.  Engine and models are two static libraries and the
# core test binary links against those alone.
ENGINE_SRC := sim/event.c sim/rng.c sim/pool.c sim/hist.c sim/dist.c sim/strdist.c
MODEL_SRC  := $(wildcard models/*.c)
PROG_SRC   := $(filter-out $(ENGINE_SRC) sim/main.c,$(wildcard sim/*.c))

ENGINE_OBJ := $(ENGINE_SRC:%.c=$(BUILD)/%.o)
MODEL_OBJ  := $(MODEL_SRC:%.c=$(BUILD)/%.o)
PROG_OBJ   := $(PROG_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ   := $(BUILD)/sim/main.o

LIB_ENGINE := $(BUILD)/libtcpqsim_engine.a
LIB_MODELS := $(BUILD)/libtcpqsim_models.a

TEST_CORE_SRC := $(wildcard tests/core/*.c)
TEST_PROG_SRC := $(wildcard tests/prog/*.c)
TEST_CORE_OBJ := $(TEST_CORE_SRC:%.c=$(BUILD)/%.o)
TEST_PROG_OBJ := $(TEST_PROG_SRC:%.c=$(BUILD)/%.o)

KCHECK_SRC := $(wildcard tools/kcheck/*.c)

# ---- rules ------------------------------------------------------------------
.PHONY: all run test test-build check bench validate fuzz plots clean deps
all: $(TCPQSIM_BIN)

deps: $(BUILD)/config.mk

$(BUILD)/%.o: %.c $(BUILD)/config.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(if $(filter tests/%,$<),$(CRITERION_CFLAGS)) -MMD -MP -c $< -o $@

$(LIB_ENGINE): $(ENGINE_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^
$(LIB_MODELS): $(MODEL_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(TCPQSIM_BIN): $(MAIN_OBJ) $(PROG_OBJ) $(LIB_MODELS) $(LIB_ENGINE)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LIBS_M)

$(BUILD)/test-core: $(TEST_CORE_OBJ) $(LIB_MODELS) $(LIB_ENGINE)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CRITERION_LIBS) $(LIBS_M)

$(BUILD)/test-prog: $(TEST_PROG_OBJ) $(PROG_OBJ) $(LIB_MODELS) $(LIB_ENGINE)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CRITERION_LIBS) $(LIBS_M)

$(BUILD)/kcheck: $(KCHECK_SRC) $(BUILD)/config.mk
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(KCHECK_SRC) $(PKG_LIBS) $(LIBS_M)

# The simulator against this machine's kernel (root and network namespaces;
# loopback only, in namespaces kcheck makes and removes): docs/validation.md
validate: $(TCPQSIM_BIN) $(BUILD)/kcheck
	@TCPQSIM_EXTRA_DEPS=jq sh scripts/deps.sh
	TCPQSIM=./$(TCPQSIM_BIN) KCHECK=$(BUILD)/kcheck sh tools/validate.sh

run: $(TCPQSIM_BIN)
	./tcpqsim run configs/default.json

# PNG and SVG of the default scenario and of the seed experiment under three
# kernels (gnuplot is installed first when missing)
plots: $(TCPQSIM_BIN)
	@TCPQSIM_EXTRA_DEPS=gnuplot sh scripts/deps.sh
	$(Q)sh plots/plot.sh $(TCPQSIM_BIN) out

# libFuzzer harnesses for the scenario and sweep loaders (clang is installed
# first when missing): FUZZ_SECONDS per harness, or "smoke" (20 s in all)
FUZZ_SECONDS ?= 60
fuzz:
	@TCPQSIM_EXTRA_DEPS=clang sh scripts/deps.sh
	sh fuzz/run.sh $(FUZZ_SECONDS)

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer, in
# its own build folder.
SAN := -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all
check:
	$(MAKE) BUILD=build-san OPT="-O1 -g" SANFLAGS="$(SAN)" TCPQSIM_BIN=build-san/tcpqsim TEST_JOBS=1 test

# The benchmark: 10^7 attempts of a fixed overload scenario, then the same
# scenario 5x shorter: peak memory must not grow with simulated duration.
bench: tcpqsim
	@sh bench/bench.sh ./tcpqsim

test-build: $(TCPQSIM_BIN) $(BUILD)/test-core $(BUILD)/test-prog $(BUILD)/kcheck

# gnuplot and GNU parallel are installed first too: the plot and sweep
# suites use them.
test: test-build
	@TCPQSIM_EXTRA_DEPS="gnuplot parallel" sh scripts/deps.sh
	$(BUILD)/test-core --jobs=$(TEST_JOBS)
	TCPQSIM=$(abspath $(TCPQSIM_BIN)) $(BUILD)/test-prog --jobs=$(TEST_JOBS)

clean:
	rm -rf build build-san build-fuzz tcpqsim out

-include $(ENGINE_OBJ:.o=.d) $(MODEL_OBJ:.o=.d) $(PROG_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) \
	$(TEST_CORE_OBJ:.o=.d) $(TEST_PROG_OBJ:.o=.d)
