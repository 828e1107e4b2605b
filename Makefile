# nnrun — build, test, install.
#
#   make            bin/nnrun and build/libnnrun.a
#   make demo       install what is missing, build, train configs/fashion_mnist.yaml
#   make test       install what is missing (build and test packages), build with -Werror,
#                   run every CMocka suite and the CLI tests, then all of it again under
#                   AddressSanitizer + UBSan
#   make bench      speed of every notebook model on synthetic data (not part of test)
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       apt-get install only the Debian packages that are missing

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
BINDIR  ?= bin
CC      ?= cc
CFLAGS  ?= -O2 -g
LDFLAGS ?=
WERROR  ?=
SAN     ?=

DEB_PACKAGES := libyaml-dev libopenblas-dev libcmocka-dev zlib1g-dev pkg-config
# only for `make test`: the plotting scripts' tests (tests/cli/test_plots.sh)
TEST_DEB_PACKAGES := python3-pandas python3-matplotlib gnuplot-nox
PKGS         := yaml-0.1 openblas zlib

PKG_CFLAGS  := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
TEST_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow
DEFS := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
ALL_CFLAGS  = $(WARN) $(WERROR) $(CFLAGS) $(SAN) $(DEFS) -Ilib $(PKG_CFLAGS) -pthread -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SAN) -pthread
LIBS        = $(PKG_LIBS) -lm

LIB_SRC  := $(sort $(wildcard lib/*/*.c))
CMD_SRC  := $(sort $(wildcard cmd/*.c))
TEST_SRC := $(sort $(wildcard tests/*/test_*.c))
SUPPORT_SRC := $(sort $(wildcard tests/support/*.c))
BENCH_SRC := $(sort $(wildcard tests/bench/*.c))
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
# The elementwise loops (layers, optimizer; see lib/tensor/vec.h) are built for the
# vectoriser: -O3, and sqrtf without errno so that it is one instruction.
KERNEL_SRC := $(sort $(wildcard lib/layers/*.c)) lib/optim/optim.c
KERNEL_CFLAGS := -O3 -fno-math-errno
CMD_OBJ  := $(CMD_SRC:%.c=$(BUILD)/obj/%.o)
SUPPORT_OBJ := $(SUPPORT_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
BENCH_BIN := $(BUILD)/nnrun-bench
LIBA     := $(BUILD)/libnnrun.a
NNRUN    := $(BINDIR)/nnrun

.SECONDARY:
.PHONY: all deps test-deps demo test check check-asan bench install uninstall clean tests
.DEFAULT_GOAL := all

all: $(NNRUN) $(LIBA)

$(KERNEL_SRC:%.c=$(BUILD)/obj/%.o): ALL_CFLAGS += $(KERNEL_CFLAGS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	@echo "  AR      $@"
	@$(AR) rcs $@ $^

$(NNRUN): $(CMD_OBJ) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CMD_OBJ) $(LIBA) $(LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(SUPPORT_OBJ) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(SUPPORT_OBJ) $(LIBA) $(LIBS) $(TEST_LIBS)

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Itests -Itests/support -c $< -o $@

$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(SUPPORT_OBJ) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(SUPPORT_OBJ) $(LIBA) $(LIBS)

tests: $(TEST_BIN) $(TOOL_BIN) $(NNRUN)

# Installs only the packages that are missing; sudo when not root.
deps:
	@missing=""; for p in $(DEB_PACKAGES) $(DEPS_EXTRA); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "nnrun: installing$$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "nnrun: build dependencies present"; fi

# The README's first command: everything from a fresh clone to a trained model.
demo: deps
	@if [ ! -d /usr/share/datasets/fashion-mnist ] && [ -z "$$NNRUN_DATA" ] && [ ! -d data/fashion_mnist ]; then \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; fi
	$(MAKE) all
	$(NNRUN) configs/fashion_mnist.yaml

# The build's packages and the tests' (plotting: pandas, matplotlib, gnuplot).
test-deps:
	@$(MAKE) --no-print-directory deps DEPS_EXTRA="$(TEST_DEB_PACKAGES)"

# The README's second command.
test: test-deps
	$(MAKE) check WERROR=-Werror
	$(MAKE) check-asan

check: tests
	NNRUN_TOOLS=$(BUILD)/tools sh tests/run.sh $(BUILD)/tests $(NNRUN)

check-asan:
	$(MAKE) check BUILD=build/asan BINDIR=build/asan/bin WERROR=-Werror CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"

bench: $(BENCH_BIN)
	$(BENCH_BIN)

$(BENCH_BIN): $(BENCH_SRC:%.c=$(BUILD)/obj/%.o) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $(BENCH_SRC:%.c=$(BUILD)/obj/%.o) $(LIBA) $(LIBS)

install: $(NNRUN)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(NNRUN) $(DESTDIR)$(PREFIX)/bin/nnrun

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/nnrun

clean:
	rm -rf build bin

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(SUPPORT_OBJ:.o=.d) $(TOOL_SRC:%.c=$(BUILD)/obj/%.d) $(TEST_BIN:$(BUILD)/tests/%=$(BUILD)/obj/tests/%.d) $(BENCH_SRC:%.c=$(BUILD)/obj/%.d)
