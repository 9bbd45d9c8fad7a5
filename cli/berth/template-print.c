/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Values as Go prints them: fmt's %v of what encoding/json decodes ([a b],
 * map[k:v], <nil>, floats in their shortest form), encoding/json itself (docker's json
 * function), strconv.Quote and fmt.Sprintf's verbs (printf).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "berth/cleanup.h"
#include "berth/util.h"
#include "template-int.h"

/* --- printing values as Go's fmt does --- */

void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *ns;

		while (cap < b->n + n + 1)
			cap *= 2;
		ns = realloc(b->s, cap);
		if (!ns) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = 0;
}

void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	char small[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		buf_add(b, small, (size_t)n);
	} else {
		_cleanup_free_ char *big = NULL;

		va_start(ap, fmt);
		n = vasprintf(&big, fmt, ap);
		va_end(ap);
		if (n < 0)
			b->oom = true;
		else
			buf_add(b, big, (size_t)n);
	}
}

char *buf_take(struct buf *b)
{
	if (b->oom) {
		free(b->s);
		return NULL;
	}
	return b->s ? b->s : strdup("");
}

/* The shortest digits that read back as d: *ret_exp is the decimal exponent of the
 * first digit (d = 0.DIGITS * 10^(exp+1)). */
static void shortest(double d, char *digits, size_t n, int *ret_exp)
{
	char tmp[40];

	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
		if (strtod(tmp, NULL) == d || prec == 17)
			break;
	}
	/* tmp: [-]D.DDDDe[+-]XX */
	{
		const char *s = tmp[0] == '-' ? tmp + 1 : tmp;
		const char *e = strchr(s, 'e');
		size_t o = 0;

		for (const char *c = s; c < e && o + 1 < n; c++)
			if (*c != '.')
				digits[o++] = *c;
		while (o > 1 && digits[o - 1] == '0')
			o--;
		digits[o] = 0;
		*ret_exp = atoi(e + 1);
	}
}

/* strconv.FormatFloat(d, 'g', -1, 64) (fmt's %v), or with json the encoding/json form
 * (%f unless the exponent is < -6 or >= 21, then %e without a leading exponent zero) */
void format_float(struct buf *b, double d, bool json)
{
	char digits[32];
	int exp, nd;
	bool use_e;

	if (isnan(d)) {
		buf_puts(b, "NaN");
		return;
	}
	if (isinf(d)) {
		buf_puts(b, d > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (d == 0) {
		buf_puts(b, signbit(d) && !json ? "-0" : "0");
		return;
	}
	shortest(d, digits, sizeof(digits), &exp);
	nd = (int)strlen(digits);
	if (d < 0)
		buf_puts(b, "-");
	/* fmt's %v is strconv's 'g' with the shortest precision: %e when the exponent is
	 * < -4 or >= 6 (1e+06); encoding/json's: < -6 or >= 21 */
	use_e = json ? (exp < -6 || exp >= 21) : (exp < -4 || exp >= 6);
	if (use_e) {
		buf_add(b, digits, 1);
		if (nd > 1) {
			buf_puts(b, ".");
			buf_add(b, digits + 1, (size_t)nd - 1);
		}
		if (json)
			buf_printf(b, "e%c%d", exp < 0 ? '-' : '+', abs(exp));
		else
			buf_printf(b, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
		return;
	}
	if (exp < 0) {
		buf_puts(b, "0.");
		for (int i = -1; i > exp; i--)
			buf_puts(b, "0");
		buf_add(b, digits, (size_t)nd);
		return;
	}
	for (int i = 0; i <= exp || i < nd; i++) {
		if (i == exp + 1)
			buf_puts(b, ".");
		buf_add(b, i < nd ? digits + i : "0", 1);
	}
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* an object's keys, sorted (Go's maps print and range in key order) */
const char **sorted_keys(json_t *o, size_t *ret_n)
{
	size_t n = json_object_size(o), i = 0;
	const char **keys = calloc(n + 1, sizeof(char *));
	const char *k;
	json_t *v;

	if (!keys)
		return NULL;
	json_object_foreach(o, k, v) keys[i++] = k;
	qsort(keys, n, sizeof(char *), cmp_keys);
	*ret_n = n;
	return keys;
}

/* fmt's %v */
void print_value(struct buf *b, json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		buf_add(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		buf_printf(b, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		format_float(b, json_real_value(v), false);
		break;
	case JSON_TRUE:
		buf_puts(b, "true");
		break;
	case JSON_FALSE:
		buf_puts(b, "false");
		break;
	case JSON_NULL:
		buf_puts(b, "<nil>");
		break;
	case JSON_ARRAY:
		buf_puts(b, "[");
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				buf_puts(b, " ");
			print_value(b, json_array_get(v, i));
		}
		buf_puts(b, "]");
		break;
	case JSON_OBJECT: {
		size_t n = 0;
		_cleanup_free_ const char **keys = sorted_keys(v, &n);

		if (!keys) {
			b->oom = true;
			break;
		}
		buf_puts(b, "map[");
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_puts(b, " ");
			buf_puts(b, keys[i]);
			buf_puts(b, ":");
			print_value(b, json_object_get(v, keys[i]));
		}
		buf_puts(b, "]");
		break;
	}
	default:
		break;
	}
}

char *tmpl_value_string(json_t *v)
{
	struct buf b = {0};

	if (!v || json_is_null(v))
		buf_puts(&b, "<no value>");
	else
		print_value(&b, v);
	return buf_take(&b);
}

static void json_quote(struct buf *b, const char *s, size_t n)
{
	buf_puts(b, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			buf_printf(b, "\\%c", c);
		} else if (c == '\n') {
			buf_puts(b, "\\n");
		} else if (c == '\r') {
			buf_puts(b, "\\r");
		} else if (c == '\t') {
			buf_puts(b, "\\t");
		} else if (c < 0x20) {
			buf_printf(b, "\\u%04x", c);
		} else if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
			   ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9)) {
			/* U+2028, U+2029: encoding/json escapes them */
			buf_printf(b, "\\u202%c", (unsigned char)s[i + 2] == 0xa8 ? '8' : '9');
			i += 2;
		} else {
			buf_add(b, s + i, 1);
		}
	}
	buf_puts(b, "\"");
}

static void json_value(struct buf *b, json_t *v)
{
	const char *k;
	json_t *m;
	bool first = true;

	switch (json_typeof(v)) {
	case JSON_STRING:
		json_quote(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		buf_printf(b, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		format_float(b, json_real_value(v), true);
		break;
	case JSON_TRUE:
		buf_puts(b, "true");
		break;
	case JSON_FALSE:
		buf_puts(b, "false");
		break;
	case JSON_ARRAY:
		buf_puts(b, "[");
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				buf_puts(b, ",");
			json_value(b, json_array_get(v, i));
		}
		buf_puts(b, "]");
		break;
	case JSON_OBJECT:
		buf_puts(b, "{");
		json_object_foreach(v, k, m)
		{
			if (!first)
				buf_puts(b, ",");
			first = false;
			json_quote(b, k, strlen(k));
			buf_puts(b, ":");
			json_value(b, m);
		}
		buf_puts(b, "}");
		break;
	default:
		buf_puts(b, "null");
		break;
	}
}

char *tmpl_json(json_t *v)
{
	struct buf b = {0};

	if (!v)
		buf_puts(&b, "null");
	else
		json_value(&b, v);
	return buf_take(&b);
}

/* Go's name of the type encoding/json would decode v into */
const char *go_type(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "int";
	case JSON_REAL:
		return "float64";
	case JSON_TRUE:
	case JSON_FALSE:
		return "bool";
	case JSON_ARRAY:
		return "[]interface {}";
	case JSON_OBJECT:
		return "map[string]interface {}";
	default:
		return "interface {}";
	}
}

size_t utf8_put(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* UTF-8 length in runes */
size_t runes(const char *s, size_t n)
{
	size_t r = 0;

	for (size_t i = 0; i < n; i++)
		r += ((unsigned char)s[i] & 0xc0) != 0x80;
	return r;
}

/* the byte length of the first max runes of s */
size_t rune_prefix(const char *s, size_t n, size_t max)
{
	size_t i = 0, count = 0;

	while (i < n) {
		size_t l = 1;

		if (count == max)
			break;
		while (i + l < n && ((unsigned char)s[i + l] & 0xc0) == 0x80)
			l++;
		i += l;
		count++;
	}
	return i;
}

/* strconv.Quote */
void go_quote(struct buf *b, const char *s, size_t n)
{
	buf_puts(b, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			buf_puts(b, "\\\"");
			continue;
		case '\\':
			buf_puts(b, "\\\\");
			continue;
		case '\a':
			buf_puts(b, "\\a");
			continue;
		case '\b':
			buf_puts(b, "\\b");
			continue;
		case '\f':
			buf_puts(b, "\\f");
			continue;
		case '\n':
			buf_puts(b, "\\n");
			continue;
		case '\r':
			buf_puts(b, "\\r");
			continue;
		case '\t':
			buf_puts(b, "\\t");
			continue;
		case '\v':
			buf_puts(b, "\\v");
			continue;
		default:
			break;
		}
		if (c < 0x20 || c == 0x7f)
			buf_printf(b, "\\x%02x", c);
		else
			buf_add(b, s + i, 1);
	}
	buf_puts(b, "\"");
}

struct spec {
	bool minus, plus, sharp, zero, space;
	int width, prec; /* -1: none */
};

/* pad s (n bytes) to the spec's width, in runes */
static void pad_out(struct buf *b, const struct spec *sp, const char *s, size_t n, bool numeric)
{
	size_t w = runes(s, n);
	size_t fill = sp->width > 0 && (size_t)sp->width > w ? (size_t)sp->width - w : 0;

	if (sp->minus) {
		buf_add(b, s, n);
		for (size_t i = 0; i < fill; i++)
			buf_puts(b, " ");
		return;
	}
	if (sp->zero && numeric && fill) {
		/* zeros after the sign */
		if (n && (s[0] == '-' || s[0] == '+')) {
			buf_add(b, s, 1);
			s++;
			n--;
		}
		for (size_t i = 0; i < fill; i++)
			buf_puts(b, "0");
		buf_add(b, s, n);
		return;
	}
	for (size_t i = 0; i < fill; i++)
		buf_puts(b, " ");
	buf_add(b, s, n);
}

static void bad_verb(struct buf *b, char verb, json_t *v)
{
	buf_printf(b, "%%!%c(", verb);
	if (!v || json_is_null(v)) {
		buf_puts(b, "<nil>");
	} else {
		buf_puts(b, go_type(v));
		buf_puts(b, "=");
		print_value(b, v);
	}
	buf_puts(b, ")");
}

static void format_one(struct buf *b, const struct spec *sp, char verb, json_t *v)
{
	struct buf t = {0};
	bool numeric = false;

	switch (verb) {
	case 'v':
		if (!v || json_is_null(v))
			buf_puts(&t, "<nil>");
		else if (json_is_string(v) && sp->sharp)
			go_quote(&t, json_string_value(v), json_string_length(v));
		else
			print_value(&t, v);
		numeric = json_is_number(v);
		break;
	case 's':
	case 'q':
		if (json_is_string(v)) {
			size_t n = json_string_length(v);

			if (sp->prec >= 0)
				n = rune_prefix(json_string_value(v), n, (size_t)sp->prec);
			if (verb == 's')
				buf_add(&t, json_string_value(v), n);
			else
				go_quote(&t, json_string_value(v), n);
		} else if (verb == 'q' && json_is_integer(v)) {
			char u[4];
			size_t l = utf8_put(u, (uint32_t)json_integer_value(v));

			buf_puts(&t, "'");
			buf_add(&t, u, l);
			buf_puts(&t, "'");
		} else if (json_is_array(v) || json_is_object(v)) {
			print_value(&t, v);
		} else {
			bad_verb(b, verb, v);
			return;
		}
		break;
	case 'd':
		if (!json_is_integer(v)) {
			bad_verb(b, verb, v);
			return;
		}
		buf_printf(&t,
			   sp->plus    ? "%+lld"
			   : sp->space ? "% lld"
				       : "%lld",
			   (long long)json_integer_value(v));
		numeric = true;
		break;
	case 'x':
	case 'X':
		if (json_is_integer(v)) {
			buf_printf(&t, verb == 'x' ? "%s%llx" : "%s%llX", sp->sharp ? "0x" : "",
				   (unsigned long long)json_integer_value(v));
			numeric = true;
		} else if (json_is_string(v)) {
			const unsigned char *s = (const unsigned char *)json_string_value(v);

			for (size_t i = 0; i < json_string_length(v); i++)
				buf_printf(&t, verb == 'x' ? "%02x" : "%02X", s[i]);
		} else {
			bad_verb(b, verb, v);
			return;
		}
		break;
	case 'f':
	case 'F':
	case 'e':
	case 'E':
	case 'g':
	case 'G': {
		double d;

		if (!json_is_number(v)) {
			bad_verb(b, verb, v);
			return;
		}
		d = json_number_value(v);
		if ((verb == 'g' || verb == 'G') && sp->prec < 0) {
			if (sp->plus && d >= 0)
				buf_puts(&t, "+");
			format_float(&t, d, false);
		} else {
			int prec = sp->prec >= 0 ? sp->prec : 6;

			if (sp->plus && d >= 0)
				buf_puts(&t, "+");
			if (verb == 'e')
				buf_printf(&t, "%.*e", prec, d);
			else if (verb == 'E')
				buf_printf(&t, "%.*E", prec, d);
			else if (verb == 'g')
				buf_printf(&t, "%.*g", prec, d);
			else if (verb == 'G')
				buf_printf(&t, "%.*G", prec, d);
			else
				buf_printf(&t, "%.*f", prec, d);
		}
		numeric = true;
		break;
	}
	case 't':
		if (!json_is_boolean(v)) {
			bad_verb(b, verb, v);
			return;
		}
		buf_puts(&t, json_is_true(v) ? "true" : "false");
		break;
	case 'c':
		if (!json_is_integer(v)) {
			bad_verb(b, verb, v);
			return;
		} else {
			char u[4];

			buf_add(&t, u, utf8_put(u, (uint32_t)json_integer_value(v)));
		}
		break;
	default:
		bad_verb(b, verb, v);
		return;
	}
	if (t.oom) {
		b->oom = true;
	} else {
		pad_out(b, sp, t.s ? t.s : "", t.n, numeric);
	}
	free(t.s);
}

void tmpl_sprintf(struct buf *b, const char *f, json_t *const *argv, size_t argc)
{
	size_t argi = 0;

	while (*f) {
		struct spec sp = {.width = -1, .prec = -1};
		char verb;

		if (*f != '%') {
			const char *pct = strchr(f, '%');
			size_t n = pct ? (size_t)(pct - f) : strlen(f);

			buf_add(b, f, n);
			f += n;
			continue;
		}
		f++;
		for (;; f++) {
			if (*f == '-')
				sp.minus = true;
			else if (*f == '+')
				sp.plus = true;
			else if (*f == '#')
				sp.sharp = true;
			else if (*f == '0')
				sp.zero = true;
			else if (*f == ' ')
				sp.space = true;
			else
				break;
		}
		if (*f == '*') {
			long long w = 0;

			f++;
			if (argi < argc && json_is_integer(argv[argi]))
				w = json_integer_value(argv[argi]);
			argi++;
			if (w < 0) {
				sp.minus = true;
				w = -w;
			}
			sp.width = (int)w;
		} else if (isdigit((unsigned char)*f)) {
			sp.width = 0;
			while (isdigit((unsigned char)*f))
				sp.width = sp.width * 10 + (*f++ - '0');
		}
		if (*f == '.') {
			f++;
			sp.prec = 0;
			if (*f == '*') {
				f++;
				if (argi < argc && json_is_integer(argv[argi]))
					sp.prec = (int)json_integer_value(argv[argi]);
				argi++;
			} else {
				while (isdigit((unsigned char)*f))
					sp.prec = sp.prec * 10 + (*f++ - '0');
			}
		}
		if (!*f) {
			buf_puts(b, "%!(NOVERB)");
			break;
		}
		verb = *f++;
		if (verb == '%') {
			buf_puts(b, "%");
			continue;
		}
		if (argi >= argc) {
			buf_printf(b, "%%!%c(MISSING)", verb);
			continue;
		}
		format_one(b, &sp, verb, argv[argi++]);
	}
	if (argi < argc) {
		buf_puts(b, "%!(EXTRA ");
		for (size_t i = argi; i < argc; i++) {
			if (i > argi)
				buf_puts(b, ", ");
			if (!argv[i] || json_is_null(argv[i])) {
				buf_puts(b, "<nil>");
				continue;
			}
			buf_printf(b, "%s=", go_type(argv[i]));
			print_value(b, argv[i]);
		}
		buf_puts(b, ")");
	}
}
