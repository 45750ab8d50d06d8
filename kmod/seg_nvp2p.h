/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcte - NVIDIA GPU memory segments (MCTE_SEG_NV_P2P): the nvidia_p2p_*
 * functions, resolved by name while a segment uses them, so that mcte.ko
 * links against no NVIDIA module and loads where there is none.
 */
#ifndef _MCTE_SEG_NVP2P_H
#define _MCTE_SEG_NVP2P_H

#include <linux/types.h>

#include <nv-p2p.h>

/**
 * struct mcte_nvp2p_api - the provider's functions a segment holds
 * @get_pages: nvidia_p2p_get_pages()
 * @put_pages: nvidia_p2p_put_pages()
 * @free_page_table: nvidia_p2p_free_page_table()
 * @dma_map_pages: nvidia_p2p_dma_map_pages()
 * @dma_unmap_pages: nvidia_p2p_dma_unmap_pages()
 * @free_dma_mapping: nvidia_p2p_free_dma_mapping()
 *
 * Each one got with __symbol_get(), which holds the provider's module:
 * it cannot be unloaded while a segment has its pages. The types are
 * checked against nv-p2p.h's declarations (seg_nvp2p_api.c).
 */
struct mcte_nvp2p_api {
	int (*get_pages)(u64 p2p_token, u32 va_space, u64 virtual_address,
			 u64 length, struct nvidia_p2p_page_table **page_table,
			 void (*free_callback)(void *data), void *data);
	int (*put_pages)(u64 p2p_token, u32 va_space, u64 virtual_address,
			 struct nvidia_p2p_page_table *page_table);
	int (*free_page_table)(struct nvidia_p2p_page_table *page_table);
	int (*dma_map_pages)(struct pci_dev *peer,
			     struct nvidia_p2p_page_table *page_table,
			     struct nvidia_p2p_dma_mapping **dma_mapping);
	int (*dma_unmap_pages)(struct pci_dev *peer,
			       struct nvidia_p2p_page_table *page_table,
			       struct nvidia_p2p_dma_mapping *dma_mapping);
	int (*free_dma_mapping)(struct nvidia_p2p_dma_mapping *dma_mapping);
};

int mcte_nvp2p_api_get(struct mcte_nvp2p_api *api);
void mcte_nvp2p_api_put(struct mcte_nvp2p_api *api);
bool mcte_nvp2p_api_present(void);

#endif /* _MCTE_SEG_NVP2P_H */
