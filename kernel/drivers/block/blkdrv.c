/*
 * drivers/block/blkdrv.c — registers keel's disk drivers at boot.
 *
 * virtio-blk binds through PCI; the ATA driver (ata.c) probes the legacy IDE ports, where
 * PC IDE controllers (QEMU's PIIX, Bochs's) answer in compatibility mode.
 */
#include <keel/block.h>
#include "blkdrv.h"

void block_drivers_init(void)
{
	bcache_init();
	pci_register_driver(&virtio_blk_driver);
	ata_probe_legacy();
}
