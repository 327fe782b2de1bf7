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
DEB_TEST  = tmux prometheus xz-utils curl python3 clang
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

clean:
	rm -rf build build-asan build-fuzz iftop-logs

-include $(LIB_OBJ:.o=.d) $(BUILD)/main.d $(TEST_BIN:=.d) $(TOOL_BIN:=.d) $(BENCH_BIN:=.d)
