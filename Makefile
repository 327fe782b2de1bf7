# iftop-logs: one Makefile.  `make run` builds and starts on the embedded
# default; `make test` runs every test; `make asan` runs them under
# AddressSanitizer + UndefinedBehaviorSanitizer.

PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
CC       ?= cc
PKGS      = ncursesw libuv libcurl jansson
PKGCFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKGLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
OPT      ?= -O2 -g
WERROR   ?=
CFLAGS   += -std=c11 $(OPT) -Wall -Wextra $(WERROR) -D_POSIX_C_SOURCE=200809L \
	    -D_DEFAULT_SOURCE -I. $(PKGCFLAGS) -MMD -MP
LDLIBS   += $(PKGLIBS) -lm
TEST_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

# Debian packages: build, test and bench needs.
DEB_BUILD = gcc make pkg-config libncurses-dev libuv1-dev libcurl4-openssl-dev \
	    libjansson-dev libcmocka-dev
DEB_TEST  = tmux prometheus xz-utils curl python3 clang libssl-dev
DEB_BENCH = jq lnav hyperfine

LIB_SRC  := $(sort $(wildcard core/*.c tui/*.c views/*.c logql/*.c sources/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
BIN       = $(BUILD)/iftop-logs

.PHONY: all run test check asan install clean deps deps-test deps-bench bench fuzz layering

all: $(BIN) iftop-logs

iftop-logs: $(BIN)
	@ln -sf $(BIN) $@

$(BIN): $(BUILD)/main.o $(BUILD)/libiftop.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libiftop.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/gen/builtin_theme.h: themes/dark.theme
	@mkdir -p $(dir $@)
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@

$(BUILD)/gen/builtin_dash.h: dashboards/default.dash
	@mkdir -p $(dir $@)
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@

$(BUILD)/views/dashboard.o: $(BUILD)/gen/builtin_dash.h
$(BUILD)/views/dashboard.o: CFLAGS += -I$(BUILD)/gen

$(BUILD)/tui/theme.o: $(BUILD)/gen/builtin_theme.h
$(BUILD)/tui/theme.o: CFLAGS += -I$(BUILD)/gen -DTHEME_DIR='"$(PREFIX)/share/iftop-logs/themes"'

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(BUILD)/libiftop.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libiftop.a $(LDLIBS) $(TEST_LIBS)

$(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libiftop.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libiftop.a $(LDLIBS)

# the TLS front used by the tests (tests/servers.sh)
$(BUILD)/tools/tlsrelay: LDLIBS += -lssl -lcrypto -pthread

$(BUILD)/bench/%: bench/%.c $(BUILD)/libiftop.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libiftop.a $(LDLIBS)

# Installs missing Debian packages as root; otherwise prints the apt-get line.
deps:
	@BUILD_PKGS="$(DEB_BUILD)" sh tests/deps.sh $(DEB_BUILD)
deps-test:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_TEST)
deps-bench:
	@sh tests/deps.sh $(DEB_BENCH)

run: deps
	@$(MAKE) --no-print-directory all
	./$(BIN)

# Every test: unit (cmocka), golden snapshots, tmux end-to-end, real servers.
test: deps-test
	@$(MAKE) --no-print-directory WERROR=-Werror check

check: all $(TEST_BIN) $(TOOL_BIN) layering
	@BUILD=$(BUILD) sh tests/run.sh

asan: deps-test
	@$(MAKE) --no-print-directory BUILD=build-asan WERROR=-Werror \
	  OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" check

# views/, sources/ and logql/ never include curses; logql/ is pure.
layering:
	@! grep -l '#include <n\?curses' views/*.[ch] sources/*.[ch] logql/*.[ch] core/*.[ch] 2>/dev/null | grep .
	@! grep -l '#include <\(uv\|curl/curl\)\.h>' logql/*.[ch] core/*.[ch] 2>/dev/null | grep .

# libFuzzer target for the LogQL parser, printers, highlighter, completer
# and doctor, seeded from the conformance corpus.  FUZZ_SECONDS=600 make fuzz
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_SRC      = $(wildcard logql/*.c) core/arena.c core/sbuf.c core/xalloc.c core/err.c
fuzz: build-fuzz/fuzz_lq_parse
	@sh tests/fuzz/seed.sh build-fuzz/seeds
	@mkdir -p build-fuzz/corpus
	build-fuzz/fuzz_lq_parse -max_total_time=$(FUZZ_SECONDS) -max_len=2048 \
	  -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=build-fuzz/ \
	  build-fuzz/corpus build-fuzz/seeds

build-fuzz/fuzz_lq_parse: tests/fuzz/fuzz_lq_parse.c $(FUZZ_SRC) logql/lq.h logql/lq_internal.h
	@mkdir -p build-fuzz
	$(FUZZ_CC) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=undefined -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	  -I. -o $@ tests/fuzz/fuzz_lq_parse.c $(FUZZ_SRC) -lm

# Not part of `make test`: generates bench/data/ once (again when gen
# changes), then runs every case beside grep, jq and lnav.
bench: deps-bench all $(BENCH_BIN)
	@BUILD=$(BUILD) sh bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/iftop-logs/themes
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/iftop-logs
	install -m 644 docs/iftop-logs.1 $(DESTDIR)$(PREFIX)/share/man/man1/iftop-logs.1
	install -m 644 themes/*.theme $(DESTDIR)$(PREFIX)/share/iftop-logs/themes/
	install -d $(DESTDIR)$(PREFIX)/share/iftop-logs/dashboards
	install -m 644 dashboards/*.dash $(DESTDIR)$(PREFIX)/share/iftop-logs/dashboards/

clean:
	rm -rf build build-asan build-fuzz iftop-logs

-include $(LIB_OBJ:.o=.d) $(BUILD)/main.d $(TEST_BIN:=.d) $(TOOL_BIN:=.d) $(BENCH_BIN:=.d)
