# SPDX-License-Identifier: GPL-2.0
#
# Rules shared by the suites, in the spirit of kselftest's lib.mk: a suite's
# Makefile sets SUITE, TEST_GEN_PROGS (C programs built here) and TEST_PROGS
# (scripts), then includes this file.

TOP		?= $(abspath $(CURDIR)/../..)
KSFT_DIR	?= $(shell $(TOP)/scripts/kcache.sh --print-dir)/tools/testing/selftests
LIBMCTE		:= $(TOP)/libmcte/libmcte.a

CFLAGS		+= -O2 -g -Wall -Werror \
		   -D_GNU_SOURCE -I$(TOP)/uapi -I$(TOP)/libmcte -I$(KSFT_DIR) \
		   -I$(TOP)/tests/lib
LDLIBS		+= $(LIBMCTE) -lpthread

.PHONY: all list clean

all: $(TEST_GEN_PROGS)

$(TEST_GEN_PROGS): %: %.c $(LIBMCTE) $(wildcard $(TOP)/tests/lib/*.h) $(TOP)/uapi/linux/mcte.h
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

list:
	@for t in $(TEST_GEN_PROGS) $(TEST_PROGS); do echo "$(SUITE)/$$t"; done

clean:
	rm -f $(TEST_GEN_PROGS)
