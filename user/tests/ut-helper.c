/*
 * user/tests/ut-helper.c — the program usertests executes (/bin/ut-helper). Exit status 0
 * means the check passed; any other value names what was wrong (the caller reports it).
 *   ut-helper args A B C      argv is exactly {ut-helper, args, A, B, C} and UT_ENV=hello is
 *                             the whole environment                          (2: argv, 3: env)
 *   ut-helper auxv EXECFN     AT_PAGESZ is 4096, AT_RANDOM points at 16 bytes not all zero,
 *                             AT_EXECFN equals EXECFN, AT_PHDR/AT_ENTRY are set (4..8)
 *   ut-helper closed N        fd N is not open                                (1: it is)
 *   ut-helper exit N          exits with status N
 *   ut-helper hang            sleeps until killed
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

static int check_args(int argc, char **argv, char **envp)
{
	static const char *const want[] = { "args", "A", "B", "C" };

	if (argc != 5)
		return 2;
	for (int i = 0; i < 4; i++)
		if (strcmp(argv[i + 1], want[i]) != 0)
			return 2;
	if (argv[5] != NULL)
		return 2;
	if (!envp[0] || strcmp(envp[0], "UT_ENV=hello") != 0 || envp[1])
		return 3;
	return 0;
}

static int check_auxv(const char *execfn)
{
	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	const char *fn = (const char *)getauxval(AT_EXECFN);
	int nonzero = 0;

	if (getauxval(AT_PAGESZ) != 4096)
		return 4;
	if (!rnd)
		return 5;
	for (int i = 0; i < 16; i++)
		nonzero |= rnd[i];
	if (!nonzero)
		return 5;
	if (!fn || strcmp(fn, execfn) != 0)
		return 6;
	if (!getauxval(AT_PHDR) || getauxval(AT_PHENT) != 56 || !getauxval(AT_PHNUM))
		return 7;
	if (!getauxval(AT_ENTRY))
		return 8;
	return 0;
}

int main(int argc, char **argv, char **envp)
{
	if (argc >= 2 && strcmp(argv[1], "args") == 0)
		return check_args(argc, argv, envp);
	if (argc == 3 && strcmp(argv[1], "auxv") == 0)
		return check_auxv(argv[2]);
	if (argc == 3 && strcmp(argv[1], "closed") == 0)
		return fcntl(atoi(argv[2]), F_GETFD) < 0 && errno == EBADF ? 0 : 1;
	if (argc == 2 && strcmp(argv[1], "ids") == 0)	/* t_users.c's set-user-ID run */
		return (geteuid() == 65534 ? 1 : 0) | (getuid() == 0 ? 2 : 0) |
		       (getauxval(AT_SECURE) ? 4 : 0);
	if (argc == 3 && strcmp(argv[1], "exit") == 0)
		return atoi(argv[2]);
	if (argc == 2 && strcmp(argv[1], "hang") == 0)
		for (;;)
			pause();
	return 100;
}
