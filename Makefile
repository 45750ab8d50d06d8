# SPDX-License-Identifier: GPL-2.0
#
# make            build the module for every installed test kernel (or KVER=),
#                 libmcte, mctectl and the tests
# make check      set-up, build, lint, all suites in guests on 6.1 and 6.12,
#                 and those of tests/debug.list on the debug kernel
# make check-debug  every suite on the debug kernel (KASAN, lockdep,
#                 kmemleak), built from linux-source-6.12 when not cached
# make demo       set-up, build, boot a guest and show what mctectl reports
# make lint       checkpatch, sparse, uapi and netlink-spec checks
# make bench BENCH=local|rdma|nvme [KERNEL=6.1|6.12]
#                 build, boot a guest and run the benchmark (scripts/bench.sh):
#                 local: mcte vs memcpy; rdma: mcte over soft-RoCE vs perftest;
#                 nvme: mcte on NVMe-oF block segments vs fio
# make setup      install what the build and the guests need (Debian 12)

TOP		:= $(abspath .)
BUILD		:= $(TOP)/build
KVERS		?= $(shell $(TOP)/scripts/kvers.sh)
ifdef KVER
KVERS		:= $(KVER)
endif

export TOP
# nv-p2p.h, for GPU memory segments and the test provider (setup fetches it).
MCTE_NV_P2P_INC	:= $(BUILD)/nvp2p/include
export MCTE_NV_P2P_INC

.PHONY: all modules user libmcte mctectl tests nvme-of bench-build setup lint \
	check check-debug demo bench clean

all: modules user bench-build

modules: $(addprefix module-,$(KVERS))

# One build tree per kernel so that both can be built side by side: the
# tree holds links to the sources and kbuild writes its objects there.
module-%:
	@mkdir -p $(BUILD)/$*/kmod
	@find $(BUILD)/$* -xtype l -delete
	@ln -sfn $(TOP)/uapi $(BUILD)/$*/uapi
	@ln -sf $(TOP)/Kbuild $(BUILD)/$*/Kbuild
	@for f in $(TOP)/kmod/*.[ch] $(TOP)/kmod/Kbuild; do \
		ln -sf $$f $(BUILD)/$*/kmod/; done
	$(MAKE) -C /lib/modules/$*/build M=$(BUILD)/$* $(if $(C),C=$(C)) modules
	@$(MAKE) --no-print-directory provider-$*

# The test provider of the nvidia_p2p_* API (tests/nvp2p/provider), in
# build/KVER/tests/nvp2p, when nv-p2p.h is there: without it the nvp2p
# suite fails, saying so.
provider-%:
ifneq ($(wildcard $(MCTE_NV_P2P_INC)/nv-p2p.h),)
	@mkdir -p $(BUILD)/$*/tests/nvp2p
	@find $(BUILD)/$*/tests/nvp2p -xtype l -delete
	@for f in $(TOP)/tests/nvp2p/provider/*.c $(TOP)/tests/nvp2p/provider/Kbuild; do \
		ln -sf $$f $(BUILD)/$*/tests/nvp2p/; done
	$(MAKE) -C /lib/modules/$*/build M=$(BUILD)/$*/tests/nvp2p $(if $(C),C=$(C)) modules
else
	@echo "warning: no $(MCTE_NV_P2P_INC)/nv-p2p.h (run scripts/setup.sh): GPU memory segments and their test provider not built" >&2
endif

user: libmcte mctectl tests nvme-of

libmcte:
	$(MAKE) -C libmcte

mctectl: libmcte
	$(MAKE) -C mctectl

# nvmf runs nvme-of/mcte-blkserve and builds it when built alone: built
# first here, so that two makes never write it at once.
tests: libmcte nvme-of
	$(MAKE) -C tests

# mcte-nvmf and mcte-blkserve, the NVMe-oF set-up tools.
nvme-of: libmcte
	$(MAKE) -C nvme-of

bench-build: libmcte
	$(MAKE) -C bench

setup:
	$(TOP)/scripts/setup.sh

lint: setup
	$(TOP)/scripts/lint.sh

# check.sh builds (make all) itself, once the debug kernel's build is
# under way in the background.
check: setup
	$(TOP)/scripts/check.sh

check-debug: setup
	$(MAKE) all
	$(TOP)/scripts/check.sh --debug-all

demo: setup
	$(MAKE) all
	$(TOP)/scripts/demo.sh

BENCH		?= local
bench: setup
	$(MAKE) all
	KERNEL=$(KERNEL) $(TOP)/scripts/bench.sh $(BENCH)

clean:
	rm -rf $(BUILD)
	$(MAKE) -C libmcte clean
	$(MAKE) -C mctectl clean
	$(MAKE) -C tests clean
	$(MAKE) -C nvme-of clean
	$(MAKE) -C bench clean
