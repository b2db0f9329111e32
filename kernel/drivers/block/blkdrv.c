/*
 * drivers/block/blkdrv.c — registers keel's disk drivers at boot.
 *
 * virtio-blk binds through PCI; the ATA driver (ata.c) binds to an IDE controller found
 * through PCI (class 01:01) or, without one, to the legacy ISA ports.
 */
#include <keel/block.h>
#include "blkdrv.h"

void block_drivers_init(void)
{
	bcache_init();
	pci_register_driver(&virtio_blk_driver);
}
