/*
 * user/tests/cryptotest.c — tests of lib/crypto (SHA-256 engines, MD5, HMAC-SHA-256).
 *
 *   cryptotest [-e ENGINE] [-f EXPECTED] [-t THREADS] [-n ROUNDS]
 *
 * For every SHA-256 engine this CPU has (or only -e's): the FIPS 180-4 and RFC 4231 vectors,
 * and with -f the digests of every message length 0..4096 one-shot and through random
 * streaming splits, against EXPECTED, which tests/crypto_test.py writes with python's
 * hashlib/hmac (lines "L SHA256 MD5" and "hmac KEYLEN MSGLEN HMAC"; the message of length L
 * is msg_byte(0..L-1), the key key_byte(0..KEYLEN-1)). MD5 gets RFC 1321's suite and the same
 * lengths. With -t, THREADS threads hash random lengths on every engine for ROUNDS rounds
 * each while hopping between CPUs (sched_setaffinity), so vector registers must survive
 * preemption and migration. An override naming an engine the CPU lacks must exit 2.
 * Runs on Linux too. Ends "cryptotest: N passed, M failed".
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "crypto/hmac.h"
#include "crypto/md5.h"
#include "crypto/sha256.h"
#include "ulib.h"

#define MAXLEN 4096
#define NHMAC  64

static uint8_t msg[MAXLEN];
static uint8_t want_sha[MAXLEN + 1][32], want_md5[MAXLEN + 1][16];
static struct { size_t keylen, msglen; uint8_t mac[32]; } want_hmac[NHMAC];
static int have_file, nhmac, engine;    /* engine: the one the current test runs */
static int nthreads, nrounds = 200;
static const char *self;

/* The message and key patterns, as tests/crypto_test.py has them. */
static uint8_t msg_byte(size_t i) { return (uint8_t)(i * 131 + (i >> 8) * 7 + 1); }
static uint8_t key_byte(size_t i) { return (uint8_t)(i * 29 + 3); }

static int unhex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static int load_expected(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256], a[80], b[80];
	size_t l, k;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "hmac %zu %zu %79s", &k, &l, a) == 3 && nhmac < NHMAC) {
			want_hmac[nhmac].keylen = k;
			want_hmac[nhmac].msglen = l;
			if (unhex(a, want_hmac[nhmac++].mac, 32) < 0)
				return -1;
		} else if (sscanf(line, "%zu %79s %79s", &l, a, b) == 3 && l <= MAXLEN) {
			if (unhex(a, want_sha[l], 32) < 0 || unhex(b, want_md5[l], 16) < 0)
				return -1;
		}
	}
	fclose(f);
	return 0;
}

static int hex_eq(const uint8_t *d, const char *hex, size_t n)
{
	uint8_t w[64];

	return unhex(hex, w, n) == 0 && memcmp(d, w, n) == 0;
}

/* xorshift64: the random splits, lengths and CPUs; one state per caller. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
	return *s;
}

/* SHA-256 of msg[0..n) through updates of random sizes (often 0, often across blocks). */
static void sha_split(int id, size_t n, uint64_t *seed, uint8_t out[32])
{
	struct sha256_ctx c;
	size_t off = 0;

	sha256_init_engine(&c, id);
	while (off < n) {
		size_t r = rnd(seed), step = r % 8 == 0 ? r % 700 : r % 150;

		step = step > n - off ? n - off : step;
		sha256_update(&c, msg + off, step);
		off += step;
	}
	sha256_final(&c, out);
}

static int test_fips_vectors(void)
{
	static const char *const l448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static uint8_t million[1000000];
	uint8_t d[32];

	sha256_with(engine, "abc", 3, d);
	T_CHECK(hex_eq(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 32));
	sha256_with(engine, l448, strlen(l448), d);
	T_CHECK(hex_eq(d, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", 32));
	sha256_with(engine, "", 0, d);
	T_CHECK(hex_eq(d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 32));
	memset(million, 'a', sizeof(million));
	sha256_with(engine, million, sizeof(million), d);
	T_CHECK(hex_eq(d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", 32));
	return 0;
}

/* RFC 4231 §4.2-4.8 (test 5's output truncated to 128 bits). HMAC uses the process's engine. */
static int test_rfc4231(void)
{
	static const struct { size_t klen; int kfill; const char *data; size_t dlen, maclen;
			      const char *mac; } v[] = {
		{ 20, 0x0b, "Hi There", 8, 32,
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
		{ 4, -1, "what do ya want for nothing?", 28, 32,
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		{ 20, 0xaa, NULL, 50, 32,       /* data: 50 bytes 0xdd */
		  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
		{ 25, -2, NULL, 50, 32,         /* key 0x01..0x19, data: 50 bytes 0xcd */
		  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
		{ 20, 0x0c, "Test With Truncation", 20, 16, "a3b6167473100ee06e0c796c2955552b" },
		{ 131, 0xaa, "Test Using Larger Than Block-Size Key - Hash Key First", 54, 32,
		  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
		{ 131, 0xaa, "This is a test using a larger than block-size key and a larger "
		  "than block-size data. The key needs to be hashed before being used by the HMAC "
		  "algorithm.", 152, 32,
		  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
	};
	uint8_t key[131], data[152], mac[32];

	T_CHECK(sha256_set_engine(engine) == 0);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		for (size_t j = 0; j < v[i].klen; j++)
			key[j] = v[i].kfill == -1 ? (uint8_t)"Jefe"[j] :
				 v[i].kfill == -2 ? (uint8_t)(j + 1) : (uint8_t)v[i].kfill;
		if (v[i].data)
			memcpy(data, v[i].data, v[i].dlen);
		else
			memset(data, v[i].kfill == -2 ? 0xcd : 0xdd, v[i].dlen);
		hmac_sha256(key, v[i].klen, data, v[i].dlen, mac);
		T_CHECK(hex_eq(mac, v[i].mac, v[i].maclen));
	}
	return 0;
}

static int test_rfc1321(void)
{
	static const char *const v[][2] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		  "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "1234567890123456789012345678901234567890123456789012345678901234567890123456"
		  "7890", "57edf4a22be3c955ac49da2e2107b67a" },
	};
	uint8_t d[16];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		md5(v[i][0], strlen(v[i][0]), d);
		T_CHECK(hex_eq(d, v[i][1], 16));
	}
	return 0;
}

/* Every length 0..4096 one-shot, against hashlib. */
static int test_lengths(void)
{
	uint8_t d[32];

	for (size_t l = 0; l <= MAXLEN; l++) {
		sha256_with(engine, msg, l, d);
		if (memcmp(d, want_sha[l], 32) != 0)
			fprintf(stderr, "cryptotest: %s: length %zu differs\n",
				sha256_engine_name(engine), l);
		T_CHECK(memcmp(d, want_sha[l], 32) == 0);
	}
	return 0;
}

/* Every length 0..4096 in random pieces, against hashlib. */
static int test_splits(void)
{
	uint64_t seed = 0x9e3779b97f4a7c15u + (uint64_t)engine;
	uint8_t d[32];

	for (size_t l = 0; l <= MAXLEN; l++) {
		sha_split(engine, l, &seed, d);
		T_CHECK(memcmp(d, want_sha[l], 32) == 0);
	}
	return 0;
}

static int test_hmac_lengths(void)
{
	uint8_t key[256], mac[32];

	T_CHECK(nhmac > 0 && sha256_set_engine(engine) == 0);
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = key_byte(i);
	for (int i = 0; i < nhmac; i++) {
		T_CHECK(want_hmac[i].keylen <= sizeof(key) && want_hmac[i].msglen <= MAXLEN);
		hmac_sha256(key, want_hmac[i].keylen, msg, want_hmac[i].msglen, mac);
		T_CHECK(memcmp(mac, want_hmac[i].mac, 32) == 0);
	}
	return 0;
}

static int test_md5_lengths(void)
{
	uint8_t d[16];
	struct md5_ctx c;
	uint64_t seed = 12345;

	for (size_t l = 0; l <= MAXLEN; l++) {
		md5(msg, l, d);
		T_CHECK(memcmp(d, want_md5[l], 16) == 0);
		md5_init(&c);
		for (size_t off = 0, step; off < l; off += step) {
			step = rnd(&seed) % 200;
			step = step > l - off ? l - off : step;
			md5_update(&c, msg + off, step);
		}
		md5_final(&c, d);
		T_CHECK(memcmp(d, want_md5[l], 16) == 0);
	}
	return 0;
}

static int engines[SHA256_NENGINES], nengines;     /* the engines under test */
static long ncpus;

/* The calling thread's own #NM count from keel's /proc/keel/fpu ("self NM SAVES RESTORES"),
 * or -1 (not keel). Under fpu=lazy a count > 0 proves its vector state crossed switches. */
static long own_nm_traps(void)
{
	FILE *f = fopen("/proc/keel/fpu", "r");
	char line[256];
	long nm = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " self %ld", &nm) == 1)
			break;
	fclose(f);
	return nm;
}

static long nm_total = 0, nm_seen = 0;

/* One hashing thread: random lengths and splits on every engine, hopping between CPUs. */
static void *hasher(void *arg)
{
	uint64_t seed = 0x2545f4914f6cdd1du * ((uintptr_t)arg + 1);
	long bad = 0;
	uint8_t d[32];

	for (int r = 0; r < nrounds; r++) {
		size_t l = rnd(&seed) % (MAXLEN + 1);
		int id = engines[rnd(&seed) % (uint64_t)nengines];

		if (r % 8 == 0 && ncpus > 1) {  /* a migration between two hashes */
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(rnd(&seed) % (uint64_t)ncpus, &set);
			sched_setaffinity(0, sizeof(set), &set);
		}
		sha_split(id, l, &seed, d);
		bad += memcmp(d, want_sha[l], 32) != 0;
	}
	long nm = own_nm_traps();

	if (nm >= 0) {
		__atomic_add_fetch(&nm_total, nm, __ATOMIC_RELAXED);
		__atomic_add_fetch(&nm_seen, 1, __ATOMIC_RELAXED);
	}
	return (void *)bad;
}

static int test_threads(void)
{
	pthread_t th[64];
	long bad = 0;

	T_CHECK(nthreads > 0 && nthreads <= 64);
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	for (long i = 0; i < nthreads; i++)
		T_CHECK(pthread_create(&th[i], NULL, hasher, (void *)i) == 0);
	for (int i = 0; i < nthreads; i++) {
		void *r;

		T_CHECK(pthread_join(th[i], &r) == 0);
		bad += (long)r;
	}
	if (bad)
		fprintf(stderr, "cryptotest: %ld of %d threaded digests wrong\n", bad,
			nthreads * nrounds);
	if (nm_seen)
		printf("cryptotest: hashing threads took %ld #NM traps (/proc/keel/fpu)\n",
		       nm_total);
	T_CHECK(bad == 0);
	return 0;
}

/* KEEL_SHA256 naming an engine this CPU lacks, or no engine, must exit 2 (never crash). */
static int test_bad_override(void)
{
	const char *names[SHA256_NENGINES + 1];
	int n = 0;

	for (int id = 0; id < SHA256_NENGINES; id++)
		if (!sha256_engine_available(id))
			names[n++] = sha256_engine_name(id);
	names[n++] = "no-such-engine";
	for (int i = 0; i < n; i++) {
		char env[64];
		int st;
		pid_t pid = fork();

		T_CHECK(pid >= 0);
		if (pid == 0) {
			snprintf(env, sizeof(env), "KEEL_SHA256=%s", names[i]);
			char *argv[] = { (char *)self, "--probe", NULL }, *envp[] = { env, NULL };

			execve(self, argv, envp);
			_exit(99);
		}
		T_CHECK(waitpid(pid, &st, 0) == pid);
		T_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	}
	return 0;
}

static void run_for_engine(int id)
{
	static const struct { const char *name; int (*fn)(void); int file; } tests[] = {
		{ "fips180_vectors", test_fips_vectors, 0 },
		{ "rfc4231_hmac", test_rfc4231, 0 },
		{ "lengths_0_4096", test_lengths, 1 },
		{ "random_splits_0_4096", test_splits, 1 },
		{ "hmac_lengths", test_hmac_lengths, 1 },
	};
	char name[64];

	engine = id;
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (tests[i].file && !have_file)
			continue;
		snprintf(name, sizeof(name), "sha256_%s_%s", sha256_engine_name(id), tests[i].name);
		t_run(name, tests[i].fn);
	}
}

int main(int argc, char **argv)
{
	const char *only = NULL, *file = NULL;
	int c;

	self = argv[0];
	if (argc == 2 && strcmp(argv[1], "--probe") == 0) {
		uint8_t d[32];

		sha256("abc", 3, d);    /* selects the engine: a bad override exits 2 here */
		printf("%s\n", sha256_engine_name(sha256_engine()));
		return 0;
	}
	while ((c = getopt(argc, argv, "e:f:t:n:")) != -1) {
		switch (c) {
		case 'e': only = optarg; break;
		case 'f': file = optarg; break;
		case 't': nthreads = atoi(optarg); break;
		case 'n': nrounds = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: cryptotest [-e ENGINE] [-f EXPECTED] [-t THREADS] "
				"[-n ROUNDS]\n");
			return 2;
		}
	}
	for (size_t i = 0; i < MAXLEN; i++)
		msg[i] = msg_byte(i);
	if (file && load_expected(file) < 0) {
		fprintf(stderr, "cryptotest: cannot read %s\n", file);
		return 2;
	}
	have_file = file != NULL;
	for (int id = 0; id < SHA256_NENGINES; id++) {
		int avail = sha256_engine_available(id);

		printf("cryptotest: engine %s %s\n", sha256_engine_name(id),
		       avail ? "available" : "not available on this CPU");
		if (avail && (!only || strcmp(only, sha256_engine_name(id)) == 0))
			engines[nengines++] = id;
	}
	fflush(stdout);
	if (!nengines) {
		fprintf(stderr, "cryptotest: engine %s not available\n", only);
		return 2;
	}
	for (int i = 0; i < nengines; i++)
		run_for_engine(engines[i]);
	t_run("md5_rfc1321_vectors", test_rfc1321);
	if (have_file)
		t_run("md5_lengths_and_splits", test_md5_lengths);
	t_run("bad_override_exits_2", test_bad_override);
	if (nthreads && have_file)
		t_run("threads_preempted_and_migrated", test_threads);
	return t_summary("cryptotest");
}
