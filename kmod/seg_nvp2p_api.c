// SPDX-License-Identifier: GPL-2.0
/*
 * mcte - the nvidia_p2p_* functions, found by name (__symbol_get()) when
 * a segment is registered and let go of (__symbol_put()) when it is
 * released, never linked: mcte.ko has no undefined symbol of NVIDIA's, so
 * it loads on nodes without the driver, and a provider loaded later is
 * seen at the next registration or version query. Only GPL exports are
 * found (NVIDIA's open kernel modules export them so; the proprietary
 * driver does not). Each symbol got holds its module.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/module.h>
#include <linux/stddef.h>

#include "seg_nvp2p.h"

static const struct {
	const char *name;
	size_t off;
} mcte_nvp2p_fns[] = {
	{ "nvidia_p2p_get_pages", offsetof(struct mcte_nvp2p_api, get_pages) },
	{ "nvidia_p2p_put_pages", offsetof(struct mcte_nvp2p_api, put_pages) },
	{ "nvidia_p2p_free_page_table",
	  offsetof(struct mcte_nvp2p_api, free_page_table) },
	{ "nvidia_p2p_dma_map_pages",
	  offsetof(struct mcte_nvp2p_api, dma_map_pages) },
	{ "nvidia_p2p_dma_unmap_pages",
	  offsetof(struct mcte_nvp2p_api, dma_unmap_pages) },
	{ "nvidia_p2p_free_dma_mapping",
	  offsetof(struct mcte_nvp2p_api, free_dma_mapping) },
};

static void **mcte_nvp2p_slot(struct mcte_nvp2p_api *api, unsigned int i)
{
	return (void **)((char *)api + mcte_nvp2p_fns[i].off);
}

/**
 * mcte_nvp2p_api_put() - let go of what mcte_nvp2p_api_get() got
 * @api: filled by it, entries cleared here
 */
void mcte_nvp2p_api_put(struct mcte_nvp2p_api *api)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mcte_nvp2p_fns); i++) {
		void **slot = mcte_nvp2p_slot(api, i);

		if (*slot) {
			__symbol_put(mcte_nvp2p_fns[i].name);
			*slot = NULL;
		}
	}
}

/**
 * mcte_nvp2p_api_get() - the provider's functions, its module held
 * @api: out, zeroed by the caller
 *
 * Return: 0, or -EOPNOTSUPP when no loaded module exports them all.
 */
int mcte_nvp2p_api_get(struct mcte_nvp2p_api *api)
{
	unsigned int i;

	/* The pointers called are of the functions nv-p2p.h declares. */
	BUILD_BUG_ON(!__same_type(api->get_pages, &nvidia_p2p_get_pages));
	BUILD_BUG_ON(!__same_type(api->put_pages, &nvidia_p2p_put_pages));
	BUILD_BUG_ON(!__same_type(api->free_page_table,
				  &nvidia_p2p_free_page_table));
	BUILD_BUG_ON(!__same_type(api->dma_map_pages,
				  &nvidia_p2p_dma_map_pages));
	BUILD_BUG_ON(!__same_type(api->dma_unmap_pages,
				  &nvidia_p2p_dma_unmap_pages));
	BUILD_BUG_ON(!__same_type(api->free_dma_mapping,
				  &nvidia_p2p_free_dma_mapping));

	for (i = 0; i < ARRAY_SIZE(mcte_nvp2p_fns); i++) {
		void *fn = __symbol_get(mcte_nvp2p_fns[i].name);

		if (!fn) {
			pr_info_ratelimited("no %s: GPU memory segments need NVIDIA's open kernel modules (or a provider of nvidia_p2p_*) loaded\n",
					    mcte_nvp2p_fns[i].name);
			mcte_nvp2p_api_put(api);
			return -EOPNOTSUPP;
		}
		*mcte_nvp2p_slot(api, i) = fn;
	}
	return 0;
}

/**
 * mcte_nvp2p_api_present() - whether a provider is loaded now
 *
 * Asked by MCTE_IOC_VERSION and version-get, so the feature bit follows
 * the provider as it comes and goes.
 *
 * Return: true when nvidia_p2p_get_pages() can be had.
 */
bool mcte_nvp2p_api_present(void)
{
	void *fn = __symbol_get("nvidia_p2p_get_pages");

	if (!fn)
		return false;
	__symbol_put("nvidia_p2p_get_pages");
	return true;
}
