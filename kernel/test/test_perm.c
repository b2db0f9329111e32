/*
 * test/test_perm.c — fs/perm.c's decisions on synthetic credentials, and the owner a new
 * ramfs file gets: what a usertest cannot reach from a root process on Linux (a credential
 * with uid 0 in a group but not owner, supplementary-group classes, the set-group-ID
 * directory rule, the sticky bit's three exemptions, chown's bits).
 */
#include <keel/ktest.h>
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/string.h>
#include <keel/vfs.h>
#include "../fs/internal.h"

static struct cred user(uint32_t uid, uint32_t gid)
{
	struct cred c;

	memset(&c, 0, sizeof(c));
	c.uid = c.euid = c.suid = c.fsuid = uid;
	c.gid = c.egid = c.sgid = c.fsgid = gid;
	return c;
}

static struct inode *node(uint32_t mode, uint32_t uid, uint32_t gid)
{
	struct inode *ino = inode_new(mode, NULL, NULL);

	if (ino) {
		ino->uid = uid;
		ino->gid = gid;
	}
	return ino;
}

KTEST(perm_uses_only_the_matching_class)
{
	struct cred owner = user(100, 100), grp = user(200, 50), other = user(300, 300);
	struct inode *f = node(S_IFREG | 0404, 100, 50);

	KT_ASSERT(f, "no memory");
	KT_EQ(perm_inode(f, MAY_READ, &owner), 0);
	KT_EQ(perm_inode(f, MAY_WRITE, &owner), -EACCES);
	KT_EQ(perm_inode(f, MAY_READ, &grp), -EACCES);	/* group class: 0, though other has r */
	KT_EQ(perm_inode(f, MAY_READ, &other), 0);
	other.ngroups = 1;
	other.groups[0] = 50;				/* a supplementary group picks the class */
	KT_EQ(perm_inode(f, MAY_READ, &other), -EACCES);
	inode_put(f);
}

KTEST(perm_root_overrides_all_but_exec)
{
	struct cred root = user(0, 0);
	struct inode *f = node(S_IFREG | 0000, 5, 5), *d = node(S_IFDIR | 0000, 5, 5);

	KT_ASSERT(f && d, "no memory");
	KT_EQ(perm_inode(f, MAY_READ | MAY_WRITE, &root), 0);
	KT_EQ(perm_inode(f, MAY_EXEC, &root), -EACCES);
	KT_EQ(perm_inode(d, MAY_EXEC | MAY_WRITE, &root), 0);	/* search any directory */
	f->mode = S_IFREG | 0010;
	KT_EQ(perm_inode(f, MAY_EXEC, &root), 0);		/* any x bit will do */
	inode_put(f);
	inode_put(d);
}

KTEST(perm_sticky_dir_exempts_owners_and_root)
{
	struct inode *dir = node(S_IFDIR | 01777, 10, 10), *f = node(S_IFREG | 0666, 20, 20);
	struct cred file_owner = user(20, 1), dir_owner = user(10, 1), stranger = user(30, 1);
	struct cred root = user(0, 0);

	KT_ASSERT(dir && f, "no memory");
	KT_EQ(perm_delete(dir, f, &stranger), -EPERM);
	KT_EQ(perm_delete(dir, f, &file_owner), 0);
	KT_EQ(perm_delete(dir, f, &dir_owner), 0);
	KT_EQ(perm_delete(dir, f, &root), 0);
	dir->mode = S_IFDIR | 0777;
	KT_EQ(perm_delete(dir, f, &stranger), 0);
	dir->mode = S_IFDIR | 0755;
	KT_EQ(perm_delete(dir, f, &stranger), -EACCES);
	inode_put(dir);
	inode_put(f);
}

KTEST(perm_owner_and_setgid_dir_rules)
{
	struct inode *dir = node(S_IFDIR | 02775, 0, 77), *sub = node(S_IFDIR | 0755, 0, 0);
	struct inode *f = node(S_IFREG | 06755, 40, 40);
	struct cred c = user(40, 40);
	struct iattr a = { .valid = 0 };
	uint32_t mode = 02755;

	KT_ASSERT(dir && sub && f, "no memory");
	perm_init_owner(dir, sub, &c);
	KT_EQ(sub->uid, 40);
	KT_EQ(sub->gid, 77);				/* the directory's group */
	KT_ASSERT(sub->mode & S_ISGID, "a subdirectory inherits set-group-ID");
	f->gid = 99;					/* a group c is not in */
	KT_EQ(perm_chmod(f, &mode, &c), 0);
	KT_EQ(mode, 0755);				/* set-group-ID dropped */
	KT_EQ(perm_chown(f, ID_KEEP, 99, &c, &a), 0);	/* unchanged group: allowed */
	KT_EQ(perm_chown(f, ID_KEEP, 98, &c, &a), -EPERM);
	KT_EQ(perm_chown(f, 41, ID_KEEP, &c, &a), -EPERM);
	c.ngroups = 1;
	c.groups[0] = 98;
	a.valid = 0;
	KT_EQ(perm_chown(f, ID_KEEP, 98, &c, &a), 0);
	KT_ASSERT((a.valid & ATTR_GID) && (a.valid & ATTR_MODE), "chgrp must set gid and mode");
	KT_EQ(a.mode & 07777, 0755);			/* set-uid and group-x set-gid cleared */
	inode_put(dir);
	inode_put(sub);
	inode_put(f);
}
