# lottrace — PGXS build
#
#   make && make install     build and install into the pg_config found first
#   make test                install what is missing, then run every suite
#   make demo                install what is missing, then a scripted demo
#   make bench               performance workloads against plain SQL
#   make test-citus          the Citus suite: a coordinator and two workers
#                            (Citus built once from ../shared/vendor)
#   make bench-citus         traces on two Citus workers against one node
#   make test SANITIZE=1     every suite against an AddressSanitizer and
#                            UndefinedBehaviorSanitizer build; fails on any report
#   make fuzz                the fuzz suites with 100,000 inputs per parser,
#                            sanitized build (SANITIZE=0 for a plain one)

EXTENSION = lottrace
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" lottrace.control)

MODULE_big = lottrace
OBJS = \
	src/charset.o \
	src/check_character.o \
	src/lot_io.o \
	src/lot_compare.o \
	src/lot_text.o \
	src/lot_template.o \
	src/lot_template_funcs.o \
	src/lot_next.o \
	src/gs1_ai_table.o \
	src/gs1_dictionary.o \
	src/gs1_validate.o \
	src/gs1_parse.o \
	src/gs1_funcs.o \
	src/gs1_build.o \
	src/gs1_lint.o \
	src/genealogy.o \
	src/genealogy_btree.o \
	src/genealogy_shape.o \
	src/lotset.o \
	src/spool.o \
	src/trace_bfs.o \
	src/trace_search.o \
	src/trace_funcs.o \
	src/trace_dot.o \
	src/trace_quantities.o \
	src/uom.o \
	src/trace_common.o \
	src/trace_time.o \
	src/genealogy_info.o \
	src/drop_guard.o \
	src/citus.o \
	src/fefo_allocate.o \
	src/fefo_shape.o \
	src/fefo_sql.o \
	src/fefo_walk.o \
	src/kept.o \
	src/lottrace.o

# The SQL source, one file per feature; the install script of the current
# version runs them in the order of their numbers.  Released install scripts
# (sql/lottrace--0.1.0.sql, sql/lottrace--0.2.0.sql) and upgrade scripts
# (sql/lottrace--A--B.sql) are kept as they were released and never edited.
SQL_SOURCES = $(sort $(wildcard sql/[0-9][0-9]_*.sql))

DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))
DOCS = doc/lottrace.md doc/gs1.md doc/trace.md doc/fefo.md doc/recall.md doc/quantities.md doc/mock_recall.md doc/upgrading.md doc/standby.md doc/testing.md doc/citus.md

TESTS = $(sort $(wildcard test/sql/*.sql))
REGRESS = $(patsubst test/sql/%.sql,%,$(TESTS))
REGRESS_OPTS = --inputdir=test --load-extension=$(EXTENSION) --encoding=UTF8

ISOLATION = $(patsubst test/specs/%.spec,%,$(sort $(wildcard test/specs/*.spec)))
# pg_isolation_regress looks for expected output under its output directory
# before the input directory; pointing it here shares the top-level expected/.
ISOLATION_OPTS = --inputdir=test --outputdir=. --load-extension=$(EXTENSION)

TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

PG_CONFIG ?= pg_config

# The server headers are included as system headers: they do not build clean
# under -Wextra (unused parameters in inline functions), our own code must.
PG_CPPFLAGS = -I$(srcdir)/src -isystem $(shell $(PG_CONFIG) --includedir-server)
# -Werror only where asked (make WERROR=1: the test and CI builds), so that a
# packager's newer compiler with new warnings still builds a release.
PG_CFLAGS = -Wall -Wextra $(if $(WERROR),-Werror)

# make SANITIZE=1: instrument the library with AddressSanitizer and
# UndefinedBehaviorSanitizer (gcc's runtimes; the server itself is not
# instrumented, so test/with-cluster.sh preloads them).  Every undefined
# behaviour report is fatal, like a memory error.
ifneq ($(filter-out 0,$(SANITIZE)),)
SANITIZE_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OBJS += src/sanitizer.o
PG_CFLAGS += $(SANITIZE_FLAGS)
SHLIB_LINK += $(SANITIZE_FLAGS)
endif

EXTRA_CLEAN = sql/$(EXTENSION)--$(EXTVERSION).sql src/.build-flags results/ regression.* output_iso/ tmp_check/ tmp_check_iso/

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_SOURCES) Makefile
	{ echo '-- lottrace $(EXTVERSION) install script, assembled by the Makefile from'; \
	  echo '-- $(SQL_SOURCES)'; \
	  echo; \
	  printf '%s\n' '\echo Use "CREATE EXTENSION lottrace" to load this file. \quit'; \
	  for source in $(SQL_SOURCES); do echo; cat $$source; done; } > $@

# The objects are rebuilt when the sanitizer flags change: the stamp is
# rewritten (and so newer than the objects) only when they differ from the
# last build's.
$(OBJS): src/.build-flags
src/.build-flags: FORCE
	@echo '$(SANITIZE_FLAGS)' | cmp -s - $@ || echo '$(SANITIZE_FLAGS)' > $@

.PHONY: test test-citus fuzz demo bench bench-citus deps FORCE
deps:
	./test/install-deps.sh

test:
	SANITIZE='$(SANITIZE)' ./test/run-tests.sh

fuzz:
	SANITIZE='$(SANITIZE)' ./test/run-fuzz.sh

demo:
	./test/demo/run-demo.sh

bench:
	./test/bench/run-bench.sh

test-citus:
	./test/citus/run-citus.sh

bench-citus:
	./test/citus/run-bench-citus.sh
