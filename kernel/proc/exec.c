/*
 * proc/exec.c — execve: replacing a process's program.
 *
 * Everything that can fail for a reason the caller should hear about (arguments, the file,
 * the ELF checks, memory for the new address space) happens before the point of no return, so
 * a failed execve leaves the process as it was. After it, the old image is gone: a failure
 * there (no memory for the initial stack) kills the process.
 *
 * The new image is demand-paged from the file: each PT_LOAD becomes a private file-backed VMA
 * (bss is its zero tail), the main stack a 20 MiB reservation with 4 pages committed, and the
 * initial stack is built per the SysV x86-64 ABI: argc, argv, envp, auxv, then the strings.
 */
#include <keel/arch.h>
#include <keel/elf.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/log.h>
#include <keel/random.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/uvm.h>
#include "internal.h"

#define ARG_MAX		(128 * 1024)	/* argument and environment strings, in bytes */
#define ARGV_MAX	4096		/* argument plus environment strings */
#define PATH_MAX	4096
#define AT_NULL		0
#define AT_PHDR		3
#define AT_PHENT	4
#define AT_PHNUM	5
#define AT_PAGESZ	6
#define AT_BASE		7
#define AT_FLAGS	8
#define AT_ENTRY	9
#define AT_UID		11
#define AT_EUID		12
#define AT_GID		13
#define AT_EGID		14
#define AT_PLATFORM	15
#define AT_HWCAP	16
#define AT_CLKTCK	17
#define AT_SECURE	23
#define AT_RANDOM	25
#define AT_HWCAP2	26
#define AT_EXECFN	31
#define AUXV_MAX	20

/* Reads the headers and plans the image; 0 or -ENOEXEC/-EIO. */
static int load_plan(struct file *f, struct elf_image *img, const char *path)
{
	uint8_t eh[ELF_EHDR_SIZE];
	uint64_t size = file_size(f);
	const char *why = NULL;
	void *ph;
	int err;

	if (file_kread(f, eh, sizeof(eh), 0) != (ssize_t)(size < sizeof(eh) ? size : sizeof(eh)))
		return -EIO;
	err = elf_check_header(eh, size, img, &why);
	if (err)
		goto refused;
	ph = kmalloc(img->phnum * ELF_PHDR_SIZE);
	if (!ph)
		return -ENOMEM;
	if (file_kread(f, ph, img->phnum * ELF_PHDR_SIZE, img->phoff) !=
	    (ssize_t)(img->phnum * ELF_PHDR_SIZE))
		err = -EIO;
	else
		err = elf_plan(eh, ph, size, img, &why);
	kfree(ph);
	if (err != -ENOEXEC)
		return err;
refused:
	pr_info("exec: %s refused: %s\n", path, why);
	return err;
}

/* A new address space holding img's segments (demand-paged from f) and the stack. */
static struct mm *build_mm(struct file *f, const struct elf_image *img, uint64_t stack_reserve)
{
	struct mm *mm = mm_create();
	int err = 0;

	if (!mm)
		return NULL;
	mutex_lock(&mm->lock);
	for (unsigned i = 0; i < img->nsegs && !err; i++) {
		const struct elf_segment *s = &img->segs[i];
		uintptr_t a = s->vaddr;
		unsigned fl = (s->read ? VMA_READ : 0) | (s->write ? VMA_WRITE : 0) |
			      (s->exec ? VMA_EXEC : 0);

		err = uvm_map(mm, &a, s->mem_len, fl, true, f, s->file_off, s->file_len);
	}
	if (!err)
		err = uvm_setup_stack(mm, USER_STACK_TOP, stack_reserve, USER_STACK_COMMIT);
	mm->brk_start = mm->brk = ALIGN_UP(img->end, PAGE_SIZE);
	mutex_unlock(&mm->lock);
	if (err) {
		mm_put(mm);
		return NULL;
	}
	return mm;
}

static int count(char *const v[])
{
	int n = 0;

	while (v[n])
		n++;
	return n;
}

/* Pushes n bytes onto the user stack at *sp; false on a fault. */
static bool push(uintptr_t *sp, const void *data, size_t n)
{
	*sp -= n;
	return copy_to_user((void *)*sp, data, n) == 0;
}

/* Pushes the strings of v and records their user addresses in out. */
static bool push_strings(uintptr_t *sp, char *const v[], int n, uint64_t *out)
{
	for (int i = n - 1; i >= 0; i--) {
		if (!push(sp, v[i], strlen(v[i]) + 1))
			return false;
		out[i] = *sp;
	}
	out[n] = 0;
	return true;
}

/* Builds the SysV initial stack; returns the stack pointer for entry, or 0 on a fault. */
static uintptr_t build_stack(struct mm *mm, const struct elf_image *img, char *const argv[],
			     char *const envp[], const char *execfn, bool secure)
{
	struct cred c;

	int argc = count(argv), envc = count(envp);
	uint64_t *vec = kmalloc((size_t)(argc + envc + 3 + 2 * AUXV_MAX) * 8);
	uint64_t *av = vec, *ev = vec + argc + 1, *aux = ev + envc + 1;
	uintptr_t sp = USER_STACK_TOP, fn_addr = 0, rnd_addr = 0, plat_addr = 0;
	uint8_t rnd[16];
	unsigned na = 0, words;
	bool ok;

	if (!vec)
		return 0;
	random_bytes(rnd, sizeof(rnd));
	ok = push(&sp, execfn, strlen(execfn) + 1) && (fn_addr = sp) &&
	     (mm->env_end = sp) && push_strings(&sp, envp, envc, ev) && (mm->env_start = sp) &&
	     (mm->arg_end = sp) && push_strings(&sp, argv, argc, av) && (mm->arg_start = sp) &&
	     push(&sp, "x86_64", 7) && (plat_addr = sp) && push(&sp, rnd, sizeof(rnd)) &&
	     (rnd_addr = sp);
#define AUX(k, v)	(aux[na++] = (k), aux[na++] = (v))
	AUX(AT_PHDR, img->phdr_addr); AUX(AT_PHENT, ELF_PHDR_SIZE); AUX(AT_PHNUM, img->phnum);
	AUX(AT_PAGESZ, PAGE_SIZE); AUX(AT_BASE, 0); AUX(AT_FLAGS, 0); AUX(AT_ENTRY, img->entry);
	cred_current(&c);
	AUX(AT_UID, c.uid); AUX(AT_EUID, c.euid); AUX(AT_GID, c.gid); AUX(AT_EGID, c.egid);
	AUX(AT_PLATFORM, plat_addr); AUX(AT_HWCAP, arch_hwcap()); AUX(AT_CLKTCK, 100);
	AUX(AT_SECURE, secure); AUX(AT_RANDOM, rnd_addr); AUX(AT_HWCAP2, 0);
	AUX(AT_EXECFN, fn_addr); AUX(AT_NULL, 0);
#undef AUX
	/* argc, argv[] + NULL, envp[] + NULL, auxv: rsp must be 16-aligned at entry. */
	words = 1 + (unsigned)(argc + 1) + (unsigned)(envc + 1) + na;
	sp = ALIGN_DOWN(sp, 16) - (words & 1) * 8;
	ok = ok && push(&sp, aux, na * 8) && push(&sp, ev, (size_t)(envc + 1) * 8) &&
	     push(&sp, av, (size_t)(argc + 1) * 8);
	vec[0] = (uint64_t)argc;
	ok = ok && push(&sp, vec, 8);
	kfree(vec);
	return ok ? sp : 0;
}

/* Ends every other thread of p and waits until the caller is the only one (exec). */
static void kill_other_threads(struct proc *p)
{
	bool f;

	f = spin_lock_irqsave(&p->lock);
	if (p->nthreads == 1) {
		spin_unlock_irqrestore(&p->lock, f);
		return;
	}
	p->group_exit = true;		/* the others leave; this thread does not look */
	spin_unlock_irqrestore(&p->lock, f);
	signal_kick_threads(p);
	while (READ_ONCE(p->nthreads) > 1)
		sched_sleep_ns(100 * 1000);
	p->group_exit = false;
}

static void set_names(struct proc *p, const char *abspath)
{
	const char *base = strrchr(abspath, '/') ? strrchr(abspath, '/') + 1 : abspath;
	char *exe = kmalloc(strlen(abspath) + 1);
	bool f = spin_lock_irqsave(&p->lock);

	strlcpy(p->name, base, sizeof(p->name));
	if (exe) {
		memcpy(exe, abspath, strlen(abspath) + 1);
		kfree(p->exe);
		p->exe = exe;
	}
	spin_unlock_irqrestore(&p->lock, f);
}

/* Past the point of no return: the old image goes, mm becomes the process's. */
static void switch_mm(struct proc *p, struct mm *mm)
{
	struct mm *old;
	bool f = arch_irq_save();

	spin_lock(&p->lock);		/* proc_mm_get readers */
	old = p->mm;
	p->mm = mm;
	spin_unlock(&p->lock);
	mm->users = 1;
	vm_activate(&mm->pt);
	arch_irq_restore(f);
	if (old) {
		__atomic_sub_fetch(&old->users, 1, __ATOMIC_RELAXED);
		mm_put(old);
	}
	if (p->vfork_done) {
		complete(p->vfork_done);
		p->vfork_done = NULL;
	}
}

int do_execve(const char *path, char *const argv[], char *const envp[])
{
	struct proc *p = proc_current();
	struct uthread *ut = uthread_current();
	char *abspath = kmalloc(PATH_MAX);
	struct elf_image *img = kmalloc(sizeof(*img));
	struct file *f = NULL;
	struct mm *mm = NULL;
	uint32_t mode = 0, uid = 0, gid = 0;
	bool nosuid = false, secure;
	uintptr_t sp;
	int err;

	err = !abspath || !img ? -ENOMEM : vfs_open_exec(path, &f, abspath, PATH_MAX);
	if (!err) {
		mode = READ_ONCE(f->ino->mode);
		uid = READ_ONCE(f->ino->uid);
		gid = READ_ONCE(f->ino->gid);
		nosuid = f->ino->sb && (f->ino->sb->flags & MS_NOSUID);
		err = load_plan(f, img, path);
	}
	if (!err && !(mm = build_mm(f, img, p->rlimit_stack)))
		err = -ENOMEM;
	if (f)
		file_put(f);		/* the VMAs hold their own references */
	if (err)
		goto out;
	kill_other_threads(p);
	robust_list_exit(ut);		/* the old image's locks die with it, as on Linux */
	switch_mm(p, mm);
	files_close_on_exec(p->files);
	secure = cred_exec(p, mode, uid, gid, nosuid);
	if (signal_exec(p, ut))
		proc_exit_group(W_EXITCODE(0, SIGKILL));
	ut->fs_base = ut->gs_base = 0;
	arch_set_tls(ut);
	set_names(p, abspath);
	sp = build_stack(mm, img, argv, envp, path, secure);
	if (!sp) {
		pr_warn("pid %d (%s) killed: no memory for the initial stack\n", p->pid, p->name);
		proc_exit_group(W_EXITCODE(0, SIGKILL));
	}
	arch_fpu_exec();
	arch_user_frame_init(arch_user_frame(ut->thread), img->entry, sp);
out:
	kfree(abspath);
	kfree(img);
	return err;
}

/* --- execve(2): the arguments come from user memory --- */

struct argbuf {
	char *buf;
	size_t used;
	char **vec;		/* argv then envp, each NULL-terminated */
	int n;
};

/* Copies the NULL-terminated user vector uv into ab; its strings count against ARG_MAX. */
static int copy_vector(struct argbuf *ab, const uint64_t __user *uv)
{
	for (int i = 0;; i++) {
		uint64_t ptr;
		long len;

		if (!uv)
			break;
		if (get_user_u64(&ptr, uv + i))
			return -EFAULT;
		if (!ptr)
			break;
		if (ab->n >= ARGV_MAX - 2)
			return -E2BIG;
		len = strncpy_from_user(ab->buf + ab->used, (const char *)ptr, ARG_MAX - ab->used);
		if (len == -ENAMETOOLONG)
			return -E2BIG;
		if (len < 0)
			return (int)len;
		ab->vec[ab->n++] = ab->buf + ab->used;
		ab->used += (size_t)len + 1;
	}
	ab->vec[ab->n++] = NULL;
	return 0;
}

SYSCALL3(execve, const char __user *, upath, const uint64_t __user *, uargv,
	 const uint64_t __user *, uenvp)
{
	struct argbuf ab = { kmalloc(ARG_MAX), 0, kmalloc(ARGV_MAX * sizeof(char *)), 0 };
	char *path = kmalloc(PATH_MAX);
	long err, envp_at;

	err = !ab.buf || !ab.vec || !path ? -ENOMEM : strncpy_from_user(path, upath, PATH_MAX);
	if (err >= 0)
		err = copy_vector(&ab, uargv);
	envp_at = ab.n;
	if (err >= 0)
		err = copy_vector(&ab, uenvp);
	if (err >= 0)
		err = do_execve(path, ab.vec, ab.vec + envp_at);
	kfree(path);
	kfree(ab.buf);
	kfree(ab.vec);
	return err;
}
