/*
 * drivers/block/blkdrv.h — what the disk drivers of drivers/block/ share.
 */
#ifndef DRIVERS_BLOCK_BLKDRV_H
#define DRIVERS_BLOCK_BLKDRV_H

#include <keel/pci.h>

extern struct pci_driver virtio_blk_driver;
extern struct pci_driver ata_pci_driver;

#endif
