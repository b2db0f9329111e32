/*
 * user/httpd/files.c — static files from the document root.
 *
 * Nothing outside the root is served: the decoded path is split into segments, "." dropped
 * and ".." refused when it would climb above the root (400), and the file is reached with
 * openat from the root's descriptor one segment at a time with O_NOFOLLOW, so a symlink is
 * never followed and a name can never resolve outside the tree (no realpath race). NUL and bad
 * percent escapes were refused by the parser. A directory is answered by its index.html
 * (301 to the path with a slash first, as browsers need for relative links).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "httpd.h"

static int root_fd = -1;

void files_open_root(void)
{
	root_fd = open(cfg.docroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		fprintf(stderr, "httpd: document root %s: %s (static files answer 404)\n",
			cfg.docroot, strerror(errno));
}

static const char *mime_type(const char *path)
{
	static const struct { const char *ext, *type; } types[] = {
		{ "html", "text/html; charset=utf-8" }, { "htm", "text/html; charset=utf-8" },
		{ "css", "text/css; charset=utf-8" }, { "js", "text/javascript; charset=utf-8" },
		{ "json", "application/json" }, { "txt", "text/plain; charset=utf-8" },
		{ "png", "image/png" }, { "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" },
		{ "gif", "image/gif" }, { "svg", "image/svg+xml" }, { "ico", "image/x-icon" },
		{ "wasm", "application/wasm" }, { "pdf", "application/pdf" },
	};
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');

	if (dot && (!slash || dot > slash))
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (!strcasecmp(dot + 1, types[i].ext))
				return types[i].type;
	return "application/octet-stream";
}

/*
 * Opens path (decoded, starting with '/') below the root without following any symlink.
 * Returns an fd, or -status (400 for climbing out, 404 for missing or a symlink).
 */
static int open_below_root(const char *path, char *norm, size_t normn)
{
	char copy[HTTP_URI_MAX + 1], *save, *seg;
	const char *segs[256];
	int n = 0, fd, next;
	size_t o = 0;

	snprintf(copy, sizeof(copy), "%s", path);
	for (seg = strtok_r(copy, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (!strcmp(seg, "."))
			continue;
		if (!strcmp(seg, "..")) {
			if (n == 0)
				return -400;
			n--;
			continue;
		}
		if (n == 256)
			return -414;
		segs[n++] = seg;
	}
	norm[0] = 0;
	for (int i = 0; i < n; i++)
		o += snprintf(norm + o, o < normn ? normn - o : 0, "/%s", segs[i]);
	if (root_fd < 0)
		return -404;
	fd = dup(root_fd);
	for (int i = 0; i < n && fd >= 0; i++) {
		next = openat(fd, segs[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		close(fd);
		fd = next;
	}
	return fd >= 0 ? fd : -404;
}

/* 304 when If-Modified-Since is at or after the file's time (second resolution). */
static bool not_modified(const struct request *r, const struct stat *st)
{
	const char *ims = http_header(r, "If-Modified-Since");
	time_t t;

	return ims && !http_parse_date(ims, &t) && st->st_mtime <= t;
}

/* Opens the directory's index.html; the fd, or -404. */
static int open_index(int dirfd)
{
	int fd = openat(dirfd, "index.html", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	close(dirfd);
	return fd >= 0 ? fd : -404;
}

void files_serve(const struct request *r, struct response *rs)
{
	char norm[HTTP_URI_MAX + 2], date[32];
	struct stat st;
	int fd = open_below_root(r->path, norm, sizeof(norm));

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		size_t len = strlen(r->path);

		if (len == 0 || r->path[len - 1] != '/') {
			close(fd);
			rs->status = 301;
			resp_header(rs, "Location: %s/%s%s", r->path, *r->query ? "?" : "", r->query);
			buf_printf(&rs->body, "moved to %s/\n", r->path);
			rs->type = "text/plain; charset=utf-8";
			return;
		}
		fd = open_index(fd);
		snprintf(norm + strlen(norm), sizeof(norm) - strlen(norm), "/index.html");
	}
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		resp_error(rs, fd == -400 ? 400 : fd == -414 ? 414 : 404, NULL);
		return;
	}
	http_date(date, st.st_mtime);
	resp_header(rs, "Last-Modified: %s", date);
	rs->type = mime_type(norm);
	if (not_modified(r, &st)) {
		close(fd);
		rs->status = 304;
		rs->type = NULL;
		return;
	}
	rs->status = 200;
	rs->file_fd = fd;
	rs->file_size = st.st_size;
}
