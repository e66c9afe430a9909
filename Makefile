# NekoHub build. `make run` installs what is missing, builds and starts the server on :5121;
# `make test` builds with sanitizers and runs every test (unit, static analysis, API on SQLite
# and PostgreSQL, browser). See README.md.

# The server does not link libvips: every libvips call runs in the sandboxed helper
# nekohub-media (src/media_worker/), built beside nekohub in every flavour, with its own PKGS.
PKGS := libmicrohttpd jansson sqlite3 libpq libsodium icu-uc icu-i18n libcurl
WORKER_PKGS := vips libseccomp jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(WORKER_PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WORKER_PKG_LIBS := $(shell pkg-config --libs $(WORKER_PKGS) 2>/dev/null)

CC ?= cc
WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-unused-parameter
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -Isrc $(WARNINGS) $(PKG_CFLAGS) -pthread -MMD -MP
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)

RELEASE_DIR := build/release
TEST_DIR := build/test
RELEASE_CFLAGS := $(BASE_CFLAGS) -O2 -g -DNEKOHUB_VERSION=\"$(VERSION)\"
TEST_CFLAGS := $(BASE_CFLAGS) -O1 -g -Werror -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -DNEKOHUB_VERSION=\"test\" \
	-DNEKOHUB_TEST_BUILD
LDLIBS := -Wl,--as-needed $(PKG_LIBS) -lm -pthread
WORKER_LDLIBS := -Wl,--as-needed $(WORKER_PKG_LIBS) -lm -pthread
# ThreadSanitizer build (no ASan: the two cannot be combined), run by scripts/run-tsan-tests.sh.
TSAN_DIR := build/tsan
TSAN_CFLAGS := $(BASE_CFLAGS) -O1 -g -Werror -fno-omit-frame-pointer -fsanitize=thread \
	-DNEKOHUB_VERSION=\"test\" -DNEKOHUB_TEST_BUILD

WORKER_ONLY_SOURCES := $(shell find src/media_worker -name '*.c' | sort)
# The helper: its own folder plus the protocol and format helpers it shares with the server.
WORKER_SOURCES := $(WORKER_ONLY_SOURCES) src/media/media.c src/media/media_protocol.c
SOURCES := $(filter-out $(WORKER_ONLY_SOURCES),$(shell find src -name '*.c' | sort))
LIB_SOURCES := $(filter-out src/main.c,$(SOURCES))
UNIT_SOURCES := $(sort $(wildcard tests/unit/test_*.c))

RELEASE_OBJECTS := $(SOURCES:%.c=$(RELEASE_DIR)/%.o)
TEST_LIB_OBJECTS := $(LIB_SOURCES:%.c=$(TEST_DIR)/%.o)
TSAN_OBJECTS := $(SOURCES:%.c=$(TSAN_DIR)/%.o)
UNIT_BINARIES := $(UNIT_SOURCES:tests/unit/%.c=$(TEST_DIR)/unit/%)

.PHONY: all build run test deps web unit analyze bench clean format tsan

all: build

build: $(RELEASE_DIR)/nekohub web

# nekohub needs its helper beside it: building one builds the other (order-only).
$(RELEASE_DIR)/nekohub: $(RELEASE_OBJECTS) | $(RELEASE_DIR)/nekohub-media
	$(CC) $(RELEASE_CFLAGS) -o $@ $(RELEASE_OBJECTS) $(LDLIBS)

$(RELEASE_DIR)/nekohub-media: $(WORKER_SOURCES:%.c=$(RELEASE_DIR)/%.o)
	$(CC) $(RELEASE_CFLAGS) -o $@ $^ $(WORKER_LDLIBS)

$(RELEASE_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(RELEASE_CFLAGS) -c -o $@ $<

$(TEST_DIR)/nekohub: $(TEST_LIB_OBJECTS) $(TEST_DIR)/src/main.o | $(TEST_DIR)/nekohub-media
	$(CC) $(TEST_CFLAGS) -o $@ $(TEST_LIB_OBJECTS) $(TEST_DIR)/src/main.o $(LDLIBS)

$(TEST_DIR)/nekohub-media: $(WORKER_SOURCES:%.c=$(TEST_DIR)/%.o)
	$(CC) $(TEST_CFLAGS) -o $@ $^ $(WORKER_LDLIBS)

$(TEST_DIR)/libnekohub.a: $(TEST_LIB_OBJECTS)
	rm -f $@ && ar rcs $@ $^

$(TEST_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC/test $<"
	@$(CC) $(TEST_CFLAGS) -c -o $@ $<

tsan: $(TSAN_DIR)/nekohub

$(TSAN_DIR)/nekohub: $(TSAN_OBJECTS) | $(TSAN_DIR)/nekohub-media
	$(CC) $(TSAN_CFLAGS) -o $@ $(TSAN_OBJECTS) $(LDLIBS)

$(TSAN_DIR)/nekohub-media: $(WORKER_SOURCES:%.c=$(TSAN_DIR)/%.o)
	$(CC) $(TSAN_CFLAGS) -o $@ $^ $(WORKER_LDLIBS)

$(TSAN_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC/tsan $<"
	@$(CC) $(TSAN_CFLAGS) -c -o $@ $<

$(TEST_DIR)/unit/%: tests/unit/%.c $(TEST_DIR)/libnekohub.a
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -Itests/unit -o $@ $< $(TEST_DIR)/libnekohub.a $(LDLIBS) -lcmocka

deps:
	@scripts/install-deps.sh

web:
	@scripts/build-web.sh

run: deps
	@$(MAKE) --no-print-directory build
	$(RELEASE_DIR)/nekohub serve

# The whole suite: what CI runs (.ci/run calls exactly `make test`).
test: deps
	@$(MAKE) --no-print-directory analyze unit $(TEST_DIR)/nekohub web
	@scripts/run-api-tests.sh

unit: $(UNIT_BINARIES)
	@scripts/run-unit-tests.sh $(UNIT_BINARIES)

analyze:
	@scripts/analyze.sh

bench: build
	@bench/run.sh

format:
	clang-format -i $$(find src tests/unit -name '*.[ch]')

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
