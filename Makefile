# ddcd: `make run` serves on 127.0.0.1:8080, `make test` runs every suite. See README.md.
SHELL := /bin/bash
CC ?= cc
PKGS := libmicrohttpd libpq jansson libsodium libcurl libqrencode libsecp256k1
NPROC := $(shell nproc 2>/dev/null || echo 2)

SRC := $(shell find service -name '*.c' ! -name main.c | sort)
# Schema migrations in order; function files in the order sql/functions/ORDER lists them.
SQL_SCHEMA := $(sort $(wildcard sql/schema/[0-9][0-9][0-9]_*.sql))
SQL_FUNCTIONS := $(wildcard sql/functions/*.sql) sql/functions/ORDER
WEB := $(sort $(wildcard web/*.* web/console/*.*))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

# What an outside verifier needs (service/verify/ and the pure code it calls): linked alone, with
# neither libpq nor libmicrohttpd, into the unit tests and fuzz targets of verification.
VERIFY_SRC := $(sort $(wildcard service/verify/*.c)) service/crypto/codes.c service/crypto/dataint.c \
  service/crypto/gzip.c service/crypto/jcs.c service/timefmt.c service/errors.c \
  service/peer/peersig.c \
  $(addprefix service/chain/,abi.c evm.c keccak.c rlp.c rpc.c secp.c tx.c)
VERIFY_PKGS := jansson libsodium libcurl libsecp256k1
VERIFY_LDLIBS := $(shell pkg-config --libs $(VERIFY_PKGS) 2>/dev/null) -lm -lpthread
VERIFY_UNITS := test_chainproof test_dataint test_gzip test_imported test_merkle test_note \
  test_peersig test_vc
VERIFY_FUZZ := fuzz_bundle fuzz_dataint fuzz_gzip fuzz_merkle fuzz_note fuzz_peersig \
  fuzz_witness

CFLAGS_BASE := -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -Iservice -MMD -MP \
  $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
OPT := -O2 -g
SAN := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Two variants of every object: build/obj (optimised) and build/asan/obj (ASan + UBSan).
GEN := migrations contract webfiles
OBJ := $(SRC:%.c=build/obj/%.o) $(GEN:%=build/obj/gen/%.o)
ASAN_OBJ := $(SRC:%.c=build/asan/obj/%.o) $(GEN:%=build/asan/obj/gen/%.o)
CONTRACTS := service/chain/contracts
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/asan/tests/%)
# A third variant for the libFuzzer targets in tests/fuzz (clang, ASan + UBSan + coverage).
FUZZ_CC := clang
FUZZ := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
  -Wno-missing-field-initializers
FUZZ_OBJ := $(SRC:%.c=build/fuzz/obj/%.o) $(GEN:%=build/fuzz/obj/gen/%.o)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))

.PHONY: all deps build asan units fuzz run test bench fmt clean contract
all: build/ddcd

deps:
	@scripts/deps.sh

build/gen/migrations.c: $(SQL_SCHEMA) $(SQL_FUNCTIONS) scripts/embed_sql.sh
	@mkdir -p $(@D)
	scripts/embed_sql.sh $@ $(SQL_SCHEMA) -- sql/functions/ORDER

build/gen/webfiles.c: $(WEB) scripts/embed_web.sh
	@mkdir -p $(@D)
	scripts/embed_web.sh $@ $(WEB)
# The chain contract: compiled by the pinned solc from npm; ABI and bytecode in build/chain, the
# bytecode embedded in the binary through build/gen/contract.c.
$(CONTRACTS)/node_modules/.package-lock.json: $(CONTRACTS)/package-lock.json
	cd $(CONTRACTS) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
build/gen/contract.c: $(CONTRACTS)/RootRegistry.sol $(CONTRACTS)/build.mjs \
  $(CONTRACTS)/node_modules/.package-lock.json
	node $(CONTRACTS)/build.mjs build/chain $@
contract: build/gen/contract.c

build/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(OPT) -c $< -o $@
build/asan/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(SAN) -c $< -o $@
build/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(OPT) -c $< -o $@
build/asan/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(SAN) -c $< -o $@
build/fuzz/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CFLAGS_BASE) $(FUZZ) -fsanitize=fuzzer-no-link -c $< -o $@
build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CFLAGS_BASE) $(FUZZ) -fsanitize=fuzzer-no-link -c $< -o $@

# Archives are made afresh each time: `ar r` into an old one would keep the objects of deleted or
# renamed sources, and replace by base name (api/accounts.o and db/accounts.o share one).
build/libddcd.a: $(OBJ)
	rm -f $@ && ar rcs $@ $^
build/asan/libddcd.a: $(ASAN_OBJ)
	rm -f $@ && ar rcs $@ $^
build/fuzz/libddcd.a: $(FUZZ_OBJ)
	rm -f $@ && ar rcs $@ $^
build/fuzz/fuzz_%: build/fuzz/obj/tests/fuzz/fuzz_%.o build/fuzz/libddcd.a
	$(FUZZ_CC) $(FUZZ) -fsanitize=fuzzer $^ -o $@ $(LDLIBS)
build/asan/libverify.a: $(VERIFY_SRC:%.c=build/asan/obj/%.o)
	rm -f $@ && ar rcs $@ $^
build/fuzz/libverify.a: $(VERIFY_SRC:%.c=build/fuzz/obj/%.o)
	rm -f $@ && ar rcs $@ $^
$(VERIFY_FUZZ:%=build/fuzz/%): build/fuzz/%: build/fuzz/obj/tests/fuzz/%.o build/fuzz/libverify.a
	$(FUZZ_CC) $(FUZZ) -fsanitize=fuzzer $^ -o $@ $(VERIFY_LDLIBS)

build/ddcd: build/obj/service/main.o build/libddcd.a
	$(CC) $(OPT) $^ -o $@ $(LDLIBS)
build/asan/ddcd: build/asan/obj/service/main.o build/asan/libddcd.a
	$(CC) $(SAN) $^ -o $@ $(LDLIBS)
build/asan/tests/%: build/asan/obj/tests/unit/%.o build/asan/libddcd.a
	@mkdir -p $(@D)
	$(CC) $(SAN) $^ -o $@ $(LDLIBS)
$(VERIFY_UNITS:%=build/asan/tests/%): build/asan/tests/%: build/asan/obj/tests/unit/%.o \
  build/asan/libverify.a
	@mkdir -p $(@D)
	$(CC) $(SAN) $^ -o $@ $(VERIFY_LDLIBS)
build/bench/bare_mhd: tests/bench/bare_mhd.c
	@mkdir -p $(@D)
	$(CC) -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 $< -o $@ $(LDLIBS)

build/bench/proof_bench: build/obj/tests/bench/proof_bench.o build/libddcd.a
	@mkdir -p $(@D)
	$(CC) $(OPT) $^ -o $@ $(LDLIBS)

build: build/ddcd
asan: build/asan/ddcd
units: $(UNIT_BIN)
fuzz: $(FUZZ_BIN)

run: deps
	@$(MAKE) --no-print-directory -j$(NPROC) build/ddcd
	@scripts/run.sh

test: deps
	@$(MAKE) --no-print-directory -j$(NPROC) build/ddcd build/asan/ddcd units fuzz
	@tests/run.sh

bench: deps
	@$(MAKE) --no-print-directory -j$(NPROC) build/ddcd build/bench/bare_mhd build/bench/proof_bench
	@tests/bench/run.sh

fmt:
	clang-format -i $$(find service tests/unit tests/fuzz tests/bench -name '*.[ch]')

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
