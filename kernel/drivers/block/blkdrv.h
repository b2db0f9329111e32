/*
 * drivers/block/blkdrv.h — what the disk drivers of drivers/block/ share.
 */
#ifndef DRIVERS_BLOCK_BLKDRV_H
#define DRIVERS_BLOCK_BLKDRV_H

#include <keel/pci.h>

extern struct pci_driver virtio_blk_driver;
/* Probes the two legacy IDE channels for ATA disks (ata.c). */
void ata_probe_legacy(void);

#endif
