# heapglass: one non-recursive Makefile.
#
#   make            build ./heapglass
#   make deps       install the Debian packages the build and tests need
#   make demo       build, then open heapglass on the bundled sample heap
#   make check      build and run every test; ends with one summary line
#                   (FULL=1, the default when CI=true, adds the asan, fuzz
#                   and valgrind stages below: see tests/check)
#   make asan       the same tests under AddressSanitizer + UBSan
#   make fuzz-smoke every fuzz harness for FUZZ_SECONDS (60) each
#   make valgrind   the loader and command e2e scripts under valgrind memcheck
#   make install    PREFIX=/usr/local DESTDIR= (binary, man page, dumper, lessons)
#
# Sources are found by wildcard: every .c under graph/, loaders/ and tui/
# (one folder level deep: graph/core, graph/gc, tui/core, tui/view,
# tui/anim, tui/cmd) goes into the binary; every tests/unit/test_*.c becomes
# one cmocka test linked against everything but tui/main.c.  Includes are
# written from the top of the tree ("graph/core/mem.h"), hence -I.

PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CC ?= cc
PKG_CONFIG ?= pkg-config

PKGS := ncursesw libcgraph libgvc jansson
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

OPT ?= -O2 -g
WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(CI),true)
WARN += -Werror
endif
ifeq ($(WERROR),1)
WARN += -Werror
endif
SAN ?=
CPPFLAGS += -D_DEFAULT_SOURCE -I.
CFLAGS += -std=c11 $(OPT) $(WARN) $(SAN) -MMD -MP $(PKG_CFLAGS)
LDFLAGS += $(SAN)
LDLIBS += $(PKG_LIBS) -lcsv -lm

SRC_DIRS := graph graph/core graph/gc loaders tui tui/core tui/view tui/anim tui/cmd
LIB_SRC := $(sort $(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.c)))
LIB_SRC := $(filter-out tui/main.c,$(LIB_SRC))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/tui/main.o
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_HELPER_SRC := $(filter-out $(TEST_SRC),$(wildcard tests/unit/*.c))
TEST_HELPER_OBJ := $(TEST_HELPER_SRC:%.c=$(BUILD)/%.o)

BIN := heapglass

# demo and check build in parallel on their own (a plain `make check` was
# serial): as many jobs as cores, unless make already runs a job server.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PAR = $(if $(findstring jobserver,$(MAKEFLAGS)),,-j$(JOBS))

.PHONY: all deps demo check test asan fuzz-smoke valgrind install uninstall clean layers tests
all: $(BIN)

$(BIN): $(MAIN_OBJ) $(BUILD)/libheapglass.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libheapglass.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(CMOCKA_CFLAGS) -I. -c -o $@ $<

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(TEST_HELPER_OBJ) $(BUILD)/libheapglass.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LDLIBS)

$(BUILD)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(CMOCKA_CFLAGS) -I. -c -o $@ $<

tests: $(BIN) $(TEST_BIN)

deps:
	@sh .ci/deps

demo: deps
	@$(MAKE) --no-print-directory $(PAR) $(BIN)
	./$(BIN) assets/sample-python

# The README's test command: installs what is missing, builds, runs every
# unit and end-to-end test, and ends with "N passed, N failed, N skipped".
# FULL=1 (default when CI=true) also runs the asan, fuzz and memcheck stages.
check: deps
	@$(MAKE) --no-print-directory $(PAR) layers tests
	@sh tests/check BUILD=$(BUILD) BIN=./$(BIN) MAKE='$(MAKE)' $(if $(FULL),FULL=$(FULL))

test: check

# Same tests under ASan+UBSan, in a separate build tree and binary.
asan: deps
	@sh tests/check STAGES=asan MAKE='$(MAKE)'

# Each fuzz harness briefly (clang + libFuzzer), as CI does.
fuzz-smoke:
	@sh tests/check STAGES=fuzz MAKE='$(MAKE)' FUZZ_SECONDS=$(FUZZ_SECONDS)

# The loader and command e2e scripts under valgrind memcheck.
valgrind: deps
	@$(MAKE) --no-print-directory tests
	@sh tests/check STAGES=memcheck BUILD=$(BUILD) BIN=./$(BIN)

# The include rules of the tree (graph/core at the bottom, curses only in
# tui/, tui/ reaches the loaders only through loaders/loader.h): tests/layers.
layers:
	@sh tests/layers

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/heapglass
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/$(BIN)
	install -m 644 assets/heapglass.1 $(DESTDIR)$(PREFIX)/share/man/man1/heapglass.1
	install -m 644 loaders/python/heapglass_dump.py $(DESTDIR)$(PREFIX)/share/heapglass/heapglass_dump.py
	install -m 644 loaders/node/heapglass-preload.js $(DESTDIR)$(PREFIX)/share/heapglass/heapglass-preload.js
	install -m 644 loaders/node/heapglass-inspect.js $(DESTDIR)$(PREFIX)/share/heapglass/heapglass-inspect.js
	install -d $(DESTDIR)$(PREFIX)/share/heapglass/lessons
	install -m 644 assets/lessons/*.lesson $(DESTDIR)$(PREFIX)/share/heapglass/lessons/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/$(BIN) $(DESTDIR)$(PREFIX)/share/man/man1/heapglass.1
	rm -rf $(DESTDIR)$(PREFIX)/share/heapglass

clean:
	rm -rf build build-asan $(BIN) heapglass-asan

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_BIN:=.d) $(TEST_HELPER_OBJ:.o=.d)

# ---- fuzzing (clang + libFuzzer): make fuzz FUZZ_SECONDS=60 [FUZZ_TARGETS="csv v8"]
# One harness per parser; corpora are seeded from tests/fixtures and kept in
# build-fuzz/corpus-NAME between runs.  Crashes land in build-fuzz/ and must
# become regression tests.
FUZZ_SECONDS ?= 60
# a unit slower than this is reported as a hang (raise it on a loaded machine)
FUZZ_TIMEOUT ?= 10
FUZZ_TARGETS ?= $(patsubst loaders/fmt_%.c,%,$(wildcard loaders/fmt_*.c))
FUZZ_CC ?= clang
# The harnesses load, analyse, export and view: the whole library (tui/
# too, for the headless viewer).
FUZZ_LIB_SRC := $(LIB_SRC)

# The library is compiled once (-fsanitize=fuzzer-no-link), each harness is
# fuzz_loader.c built for its format and linked against it.
FUZZ_OBJ := $(FUZZ_LIB_SRC:%.c=build-fuzz/obj/%.o)
FUZZ_CFLAGS := -std=c11 $(CPPFLAGS) $(PKG_CFLAGS) -I. -g -O1 \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)

build-fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

build-fuzz/fuzz_%: tests/fuzz/fuzz_loader.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -DFUZZ_FORMAT=\"$*\" -o $@ $< $(FUZZ_OBJ) $(PKG_LIBS) -lcsv -lm

# kept between builds (make deletes a pattern rule's objects otherwise)
.SECONDARY: $(FUZZ_OBJ)
-include $(FUZZ_OBJ:.o=.d)

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p build-fuzz/corpus-$$t; \
		sh tests/fuzz/seed $$t build-fuzz/corpus-$$t; \
		echo "fuzzing $$t for $(FUZZ_SECONDS) s"; \
		LSAN_OPTIONS=suppressions=$$(pwd)/tests/lsan.supp:print_suppressions=0 \
		./build-fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=2048 \
			-timeout=$(FUZZ_TIMEOUT) -print_final_stats=1 -artifact_prefix=build-fuzz/crash-$$t- \
			build-fuzz/corpus-$$t 2>build-fuzz/fuzz-$$t.log || { tail -40 build-fuzz/fuzz-$$t.log; exit 1; }; \
		grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec' build-fuzz/fuzz-$$t.log; \
		grep -E '^#[0-9]+[[:space:]]+DONE' build-fuzz/fuzz-$$t.log | tail -n 1; \
	done
