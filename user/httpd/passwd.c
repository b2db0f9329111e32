/*
 * user/httpd/passwd.c — httpd-passwd FILE REALM USER: sets USER's password (read from
 * stdin, one line) in httpd's credentials file, as `user:realm:HA1-MD5:HA1-SHA-256` where
 * HA1 = H(user:realm:password). Other users' lines stay as they were; the file is replaced
 * whole through a temporary file and rename, mode 0600, so a crash leaves the old file; the
 * file and its directory are fsync'd before it returns, so a power-off keeps the new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest_hash.h"

static void fail(const char *what)
{
	fprintf(stderr, "httpd-passwd: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The new file keeps the old one's owner (httpd may run as www and must still read it);
 * only root can do that, and a failure just leaves the caller's owner. */
static void keep_owner(const char *file, int fd)
{
	struct stat st;

	if (stat(file, &st) == 0)
		(void)!fchown(fd, st.st_uid, st.st_gid);
}

/* Makes the rename durable: fsync of the directory that holds file. */
static void sync_dir_of(const char *file)
{
	char dir[4096];
	const char *slash = strrchr(file, '/');
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash == file ? 1 : slash - file), file);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(fd))
		fail(dir);
	close(fd);
}

/* Copies every line of old (if any) except user's in realm to out. */
static void copy_others(const char *file, FILE *out, const char *user, const char *realm)
{
	char line[1024], prefix[300];
	FILE *in = fopen(file, "re");

	if (!in && errno != ENOENT)
		fail(file);
	snprintf(prefix, sizeof(prefix), "%s:%s:", user, realm);
	while (in && fgets(line, sizeof(line), in))
		if (strncmp(line, prefix, strlen(prefix)))
			fputs(line, out);
	if (in)
		fclose(in);
}

int main(int argc, char **argv)
{
	char pass[512], a1[1200], md5[65], sha[65], tmp[4096];
	FILE *out;
	int fd;

	if (argc != 4 || !argv[2][0] || !argv[3][0] || strpbrk(argv[2], ":\n") ||
	    strpbrk(argv[3], ":\n") || strlen(argv[2]) > 60 || strlen(argv[3]) > 60) {
		fprintf(stderr, "usage: httpd-passwd FILE REALM USER  (password on stdin; no ':')\n");
		return 2;
	}
	if (!fgets(pass, sizeof(pass), stdin)) {
		fprintf(stderr, "httpd-passwd: no password on stdin\n");
		return 1;
	}
	pass[strcspn(pass, "\r\n")] = 0;
	snprintf(a1, sizeof(a1), "%s:%s:%s", argv[3], argv[2], pass);
	digest_hash_hex(ALG_MD5, a1, md5);
	digest_hash_hex(ALG_SHA256, a1, sha);
	snprintf(tmp, sizeof(tmp), "%s.tmp%d", argv[1], (int)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
	    !(out = fdopen(fd, "w")))
		fail(tmp);
	keep_owner(argv[1], fd);
	copy_others(argv[1], out, argv[3], argv[2]);
	fprintf(out, "%s:%s:%s:%s\n", argv[3], argv[2], md5, sha);
	if (fflush(out) || fsync(fd) || fclose(out) || rename(tmp, argv[1])) {
		unlink(tmp);
		fail(argv[1]);
	}
	sync_dir_of(argv[1]);
	return 0;
}
