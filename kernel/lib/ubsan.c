/*
 * lib/ubsan.c — keel's handlers for gcc's undefined-behaviour sanitizer (debug builds).
 *
 * The debug kernel is compiled with -fsanitize=shift,signed-integer-overflow,
 * integer-divide-by-zero,bounds,vla-bound,bool,enum,builtin,unreachable (the Makefile says
 * why those): gcc then calls one of the functions below where the operation would be
 * undefined. Each prints "ubsan: KIND at FILE:LINE:COL" with the operands and their types,
 * then panics (a test's fault_catch sees the panic; docs/reliability.md). lwIP (third-party)
 * is built without the sanitizer. The handlers take only the console and panic paths, which
 * are themselves built without instrumentation hazards: they do no arithmetic the sanitizer
 * checks on their inputs.
 */
#include <keel/types.h>
#include <keel/panic.h>
#include <keel/printf.h>

struct ubsan_loc {
	const char *file;
	uint32_t line, column;
};

/* gcc's type descriptor: kind 0 = integer (info bit 0: signed, info >> 1: log2 of the bits),
 * 1 = float, 0xffff = unknown. */
struct ubsan_type {
	uint16_t kind, info;
	char name[];
};

struct ubsan_overflow { struct ubsan_loc loc; const struct ubsan_type *type; };
struct ubsan_shift { struct ubsan_loc loc; const struct ubsan_type *lhs, *rhs; };
struct ubsan_oob { struct ubsan_loc loc; const struct ubsan_type *array, *index; };
struct ubsan_unreachable { struct ubsan_loc loc; };
struct ubsan_vla { struct ubsan_loc loc; const struct ubsan_type *type; };
struct ubsan_invalid { struct ubsan_loc loc; const struct ubsan_type *type; };
struct ubsan_builtin { struct ubsan_loc loc; unsigned char kind; };

/* Every handler gcc may call; declared here (no header: only the compiler calls them). */
void __ubsan_handle_add_overflow(struct ubsan_overflow *d, void *a, void *b);
void __ubsan_handle_sub_overflow(struct ubsan_overflow *d, void *a, void *b);
void __ubsan_handle_mul_overflow(struct ubsan_overflow *d, void *a, void *b);
void __ubsan_handle_negate_overflow(struct ubsan_overflow *d, void *a);
void __ubsan_handle_divrem_overflow(struct ubsan_overflow *d, void *a, void *b);
void __ubsan_handle_shift_out_of_bounds(struct ubsan_shift *d, void *a, void *b);
void __ubsan_handle_out_of_bounds(struct ubsan_oob *d, void *index);
void __ubsan_handle_builtin_unreachable(struct ubsan_unreachable *d);
void __ubsan_handle_vla_bound_not_positive(struct ubsan_vla *d, void *bound);
void __ubsan_handle_load_invalid_value(struct ubsan_invalid *d, void *val);
void __ubsan_handle_invalid_builtin(struct ubsan_builtin *d);

static bool is_signed(const struct ubsan_type *t)
{
	return t->kind == 0 && (t->info & 1);
}

static unsigned bits(const struct ubsan_type *t)
{
	return t->kind == 0 ? 1u << (t->info >> 1) : 64;
}

/* Values up to 64 bits travel in the pointer itself; wider ones behind it. */
static void fmt_value(char *buf, size_t n, const struct ubsan_type *t, void *v)
{
	uint64_t raw = bits(t) <= 64 ? (uint64_t)(uintptr_t)v : *(uint64_t *)v;

	if (bits(t) < 64 && is_signed(t)) {
		unsigned sh = 64 - bits(t);

		snprintf(buf, n, "%ld", (long)((int64_t)(raw << sh) >> sh));
	} else if (is_signed(t)) {
		snprintf(buf, n, "%ld", (long)raw);
	} else {
		snprintf(buf, n, "%lu", (unsigned long)raw);
	}
}

static __noreturn void report(const struct ubsan_loc *loc, const char *what)
{
	panic("ubsan: %s at %s:%u:%u", what, loc->file, loc->line, loc->column);
}

static __noreturn void overflow(struct ubsan_overflow *d, const char *op, void *a, void *b)
{
	char x[24], y[24], what[128];

	fmt_value(x, sizeof(x), d->type, a);
	fmt_value(y, sizeof(y), d->type, b);
	snprintf(what, sizeof(what), "%s integer overflow: %s %s %s in %s",
		 is_signed(d->type) ? "signed" : "unsigned", x, op, y, d->type->name);
	report(&d->loc, what);
}

void __ubsan_handle_add_overflow(struct ubsan_overflow *d, void *a, void *b)
{
	overflow(d, "+", a, b);
}

void __ubsan_handle_sub_overflow(struct ubsan_overflow *d, void *a, void *b)
{
	overflow(d, "-", a, b);
}

void __ubsan_handle_mul_overflow(struct ubsan_overflow *d, void *a, void *b)
{
	overflow(d, "*", a, b);
}

void __ubsan_handle_negate_overflow(struct ubsan_overflow *d, void *a)
{
	char x[24], what[96];

	fmt_value(x, sizeof(x), d->type, a);
	snprintf(what, sizeof(what), "negation of %s overflows %s", x, d->type->name);
	report(&d->loc, what);
}

void __ubsan_handle_divrem_overflow(struct ubsan_overflow *d, void *a, void *b)
{
	char x[24], y[24], what[96];

	fmt_value(x, sizeof(x), d->type, a);
	fmt_value(y, sizeof(y), d->type, b);
	snprintf(what, sizeof(what), "division overflow: %s / %s in %s", x, y, d->type->name);
	report(&d->loc, what);
}

void __ubsan_handle_shift_out_of_bounds(struct ubsan_shift *d, void *a, void *b)
{
	char x[24], y[24], what[128];

	fmt_value(x, sizeof(x), d->lhs, a);
	fmt_value(y, sizeof(y), d->rhs, b);
	snprintf(what, sizeof(what), "shift out of bounds: %s << or >> %s (%s by %s)", x, y,
		 d->lhs->name, d->rhs->name);
	report(&d->loc, what);
}

void __ubsan_handle_out_of_bounds(struct ubsan_oob *d, void *index)
{
	char x[24], what[96];

	fmt_value(x, sizeof(x), d->index, index);
	snprintf(what, sizeof(what), "index %s out of bounds for %s", x, d->array->name);
	report(&d->loc, what);
}

void __ubsan_handle_builtin_unreachable(struct ubsan_unreachable *d)
{
	report(&d->loc, "__builtin_unreachable() reached");
}

void __ubsan_handle_vla_bound_not_positive(struct ubsan_vla *d, void *bound)
{
	char x[24], what[64];

	fmt_value(x, sizeof(x), d->type, bound);
	snprintf(what, sizeof(what), "variable-length array bound %s not positive", x);
	report(&d->loc, what);
}

void __ubsan_handle_load_invalid_value(struct ubsan_invalid *d, void *val)
{
	char x[24], what[96];

	fmt_value(x, sizeof(x), d->type, val);
	snprintf(what, sizeof(what), "load of invalid value %s for %s", x, d->type->name);
	report(&d->loc, what);
}

void __ubsan_handle_invalid_builtin(struct ubsan_builtin *d)
{
	report(&d->loc, d->kind ? "__builtin_clz(0)" : "__builtin_ctz(0)");
}
