/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Executing a parsed template (template.c) over jansson values, as Go's text/template
 * executes one over what encoding/json decodes: fields, variables, pipelines, the
 * control structures and the functions docker's users call. A NULL json_t * is Go's
 * invalid reflect.Value (a missing map key); json null is a nil interface{}.
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

/* --- execution --- */

struct var {
	const char *name;
	json_t *v;
};

struct exec {
	const struct tmpl *t;
	FILE *out;
	struct var *vars;
	size_t n_vars, cap;
	struct berth_error **err;
	unsigned depth;
};

/* at is where Go places the node (its column), [pos, pos + len) its text */
static int exec_error_at(struct exec *x, int errnum, size_t at, size_t pos, size_t len,
			 const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

static int exec_error_at(struct exec *x, int errnum, size_t at, size_t pos, size_t len,
			 const char *fmt, va_list ap)
{
	const char *text = x->t->text;
	_cleanup_free_ char *msg = NULL;
	size_t col = at;

	if (vasprintf(&msg, fmt, ap) < 0)
		return berth_error_set(x->err, ENOMEM, "template");
	for (size_t i = at; i > 0; i--)
		if (text[i - 1] == '\n') {
			col = at - i;
			break;
		}
	return berth_error_new(x->err, errnum, "template: :%u:%zu: executing \"\" at <%.*s>: %s",
			       line_of(text, at), col, (int)len, text + pos, msg);
}

static int exec_error(struct exec *x, int errnum, size_t pos, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int exec_error(struct exec *x, int errnum, size_t pos, size_t len, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = exec_error_at(x, errnum, pos, pos, len, fmt, ap);
	va_end(ap);
	return r;
}

/* an error of a field chain's node */
static int chain_error(struct exec *x, int errnum, const struct arg *a, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int chain_error(struct exec *x, int errnum, const struct arg *a, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = exec_error_at(x, errnum, a->chain_pos, a->pos, a->len, fmt, ap);
	va_end(ap);
	return r;
}

static int push_var(struct exec *x, const char *name, json_t *v)
{
	if (x->n_vars == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		struct var *nv = realloc(x->vars, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		x->vars = nv;
		x->cap = cap;
	}
	x->vars[x->n_vars++] = (struct var){name, json_incref(v)};
	return 0;
}

static void pop_vars(struct exec *x, size_t mark)
{
	while (x->n_vars > mark)
		json_decref(x->vars[--x->n_vars].v);
}

static struct var *find_var(struct exec *x, const char *name)
{
	for (size_t i = x->n_vars; i > 0; i--)
		if (streq(x->vars[i - 1].name, name))
			return &x->vars[i - 1];
	return NULL;
}

/* Go's truth: false, 0, "", nil and empty arrays and maps are false */
static bool truth(json_t *v)
{
	if (!v)
		return false;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0;
	case JSON_TRUE:
		return true;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_OBJECT:
		return json_object_size(v) > 0;
	default:
		return false;
	}
}

/* a field of v (v a new reference, consumed); *ret a new reference or NULL (missing) */
static int field(struct exec *x, const struct arg *a, json_t *v, const char *name, json_t **ret)
{
	json_t *r;

	if (!v) {
		if (x->t->strict)
			return chain_error(x, ENOENT, a, "nil data; no entry for key \"%s\"", name);
		*ret = NULL;
		return 0;
	}
	if (json_is_null(v)) {
		json_decref(v);
		return chain_error(x, EINVAL, a, "nil pointer evaluating interface {}.%s", name);
	}
	if (!json_is_object(v)) {
		int e = chain_error(x, EINVAL, a, "can't evaluate field %s in type %s", name,
				    go_type(v));
		json_decref(v);
		return e;
	}
	r = json_object_get(v, name);
	if (!r && x->t->strict) {
		json_decref(v);
		return chain_error(x, ENOENT, a, "map has no entry for key \"%s\"", name);
	}
	*ret = json_incref(r);
	json_decref(v);
	return 0;
}

static int eval_pipe(struct exec *x, const struct pipe *pp, json_t *dot, json_t **ret);
static int eval_call(struct exec *x, const struct cmd *c, const struct arg *fn, json_t *dot,
		     const struct arg *const *args, size_t n, bool has_final, json_t *final,
		     json_t **ret);

/* an operand's value: a new reference or NULL */
static int eval_arg(struct exec *x, const struct cmd *c, const struct arg *a, json_t *dot,
		    json_t **ret)
{
	json_t *v = NULL;
	int r;

	switch (a->kind) {
	case A_DOT:
		*ret = json_incref(dot);
		return 0;
	case A_FIELD:
		v = json_incref(dot);
		break;
	case A_VAR: {
		struct var *var = find_var(x, a->name);

		if (!var)
			return exec_error(x, EINVAL, a->pos, a->len, "undefined variable: %s",
					  a->name);
		v = json_incref(var->v);
		break;
	}
	case A_PIPE:
		r = eval_pipe(x, a->pipe, dot, &v);
		if (r < 0)
			return r;
		break;
	case A_IDENT:
		/* a function as an argument: called without arguments */
		return eval_call(x, c, a, dot, NULL, 0, false, NULL, ret);
	case A_NIL:
		*ret = json_null();
		return 0;
	default:
		*ret = json_incref(a->lit);
		return 0;
	}
	for (size_t i = 0; i < a->n_fields; i++) {
		r = field(x, a, v, a->fields[i], &v);
		if (r < 0)
			return r;
	}
	*ret = v;
	return 0;
}

static int eval_cmd(struct exec *x, const struct cmd *c, json_t *dot, bool has_final, json_t *final,
		    json_t **ret)
{
	const struct arg *first = c->args[0];

	if (first->kind == A_IDENT)
		return eval_call(x, c, first, dot, (const struct arg *const *)c->args + 1, c->n - 1,
				 has_final, final, ret);
	if (c->n > 1 || has_final) {
		if (first->kind == A_FIELD)
			return exec_error(x, EINVAL, c->pos, c->len,
					  "%s is not a method but has arguments",
					  first->fields[first->n_fields - 1]);
		return exec_error(x, EINVAL, c->pos, c->len,
				  "can't give argument to non-function %.*s", (int)first->len,
				  x->t->text + first->pos);
	}
	if (first->kind == A_NIL)
		return exec_error(x, EINVAL, c->pos, c->len, "nil is not a command");
	return eval_arg(x, c, first, dot, ret);
}

static int eval_pipe(struct exec *x, const struct pipe *pp, json_t *dot, json_t **ret)
{
	json_t *v = NULL;
	int r;

	for (size_t i = 0; i < pp->n; i++) {
		json_t *nv = NULL;

		r = eval_cmd(x, pp->cmds[i], dot, i > 0, v, &nv);
		json_decref(v);
		if (r < 0)
			return r;
		v = nv;
	}
	for (size_t i = 0; i < pp->n_vars; i++) {
		if (pp->decl) {
			if (push_var(x, pp->vars[i], v) < 0) {
				json_decref(v);
				return berth_error_set(x->err, ENOMEM, "template");
			}
		} else {
			struct var *var = find_var(x, pp->vars[i]);

			if (var) {
				json_decref(var->v);
				var->v = json_incref(v);
			}
		}
	}
	*ret = v;
	return 0;
}

/* --- functions --- */

struct call {
	struct exec *x;
	const struct cmd *c;
	const char *name;
	json_t **argv;
	size_t argc;
};

static int call_error(struct call *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int call_error(struct call *k, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return berth_error_set(k->x->err, ENOMEM, "template");
	return exec_error(k->x, EINVAL, k->c->pos, k->c->len, "error calling %s: %s", k->name, msg);
}

static int want_args(struct call *k, size_t n)
{
	if (k->argc != n)
		return exec_error(k->x, EINVAL, k->c->pos, k->c->len,
				  "wrong number of args for %s: want %zu got %zu", k->name, n,
				  k->argc);
	return 0;
}

/* Go converts an argument to the parameter's type, here string */
static int want_string(struct call *k, size_t i, const char **ret, size_t *ret_len)
{
	json_t *v = k->argv[i];

	if (!json_is_string(v))
		return exec_error(k->x, EINVAL, k->c->pos, k->c->len,
				  "wrong type for value; expected string; got %s",
				  v ? go_type(v) : "<nil>");
	*ret = json_string_value(v);
	if (ret_len)
		*ret_len = json_string_length(v);
	return 0;
}

static int want_int(struct call *k, size_t i, long long *ret)
{
	json_t *v = k->argv[i];

	if (json_is_integer(v))
		*ret = json_integer_value(v);
	else if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)))
		*ret = (long long)json_real_value(v);
	else
		return exec_error(k->x, EINVAL, k->c->pos, k->c->len,
				  "wrong type for value; expected int; got %s",
				  v ? go_type(v) : "<nil>");
	return 0;
}

static int ret_string(struct call *k, char *s, json_t **ret)
{
	json_t *v;

	if (!s)
		return berth_error_set(k->x->err, ENOMEM, "template");
	v = json_string_nocheck(s);
	free(s);
	if (!v)
		return berth_error_set(k->x->err, ENOMEM, "template");
	*ret = v;
	return 0;
}

static int fn_json(struct call *k, json_t **ret)
{
	int r = want_args(k, 1);

	return r < 0 ? r : ret_string(k, tmpl_json(k->argv[0]), ret);
}

static int fn_len(struct call *k, json_t **ret)
{
	json_t *v;
	int r = want_args(k, 1);

	if (r < 0)
		return r;
	v = k->argv[0];
	if (json_is_string(v))
		*ret = json_integer((json_int_t)json_string_length(v));
	else if (json_is_array(v))
		*ret = json_integer((json_int_t)json_array_size(v));
	else if (json_is_object(v))
		*ret = json_integer((json_int_t)json_object_size(v));
	else
		return call_error(k, "len of %s", v && !json_is_null(v) ? "type" : "nil pointer");
	return *ret ? 0 : berth_error_set(k->x->err, ENOMEM, "template");
}

static int fn_index(struct call *k, json_t **ret)
{
	json_t *v;

	if (k->argc < 1)
		return want_args(k, 1);
	v = k->argv[0];
	if (!v || json_is_null(v))
		return call_error(k, "index of untyped nil");
	for (size_t i = 1; i < k->argc; i++) {
		json_t *ix = k->argv[i];

		if (json_is_array(v)) {
			long long n;

			if (!json_is_integer(ix))
				return call_error(k, "cannot index slice/array with type %s",
						  ix ? go_type(ix) : "nil");
			n = json_integer_value(ix);
			if (n < 0 || (size_t)n >= json_array_size(v))
				return call_error(k, "index out of range: %lld", n);
			v = json_array_get(v, (size_t)n);
		} else if (json_is_object(v)) {
			if (!json_is_string(ix))
				return call_error(k, "value has type %s; should be string",
						  ix ? go_type(ix) : "nil");
			/* a missing key: the zero value, which prints <no value> */
			v = json_object_get(v, json_string_value(ix));
			if (!v) {
				*ret = NULL;
				return 0;
			}
		} else if (json_is_null(v)) {
			return call_error(k, "index of nil pointer");
		} else {
			return call_error(k, "can't index item of type %s", go_type(v));
		}
	}
	*ret = json_incref(v);
	return 0;
}

static int fn_join(struct call *k, json_t **ret)
{
	struct buf b = {0};
	const char *sep;
	json_t *a;
	int r = want_args(k, 2);

	if (r < 0 || (r = want_string(k, 1, &sep, NULL)) < 0)
		return r;
	a = k->argv[0];
	if (!json_is_array(a))
		return exec_error(k->x, EINVAL, k->c->pos, k->c->len,
				  "wrong type for value; expected []string; got %s",
				  a ? go_type(a) : "<nil>");
	for (size_t i = 0; i < json_array_size(a); i++) {
		if (i)
			buf_puts(&b, sep);
		print_value(&b, json_array_get(a, i));
	}
	return ret_string(k, buf_take(&b), ret);
}

static int fn_split(struct call *k, json_t **ret)
{
	const char *s, *sep;
	size_t n, sep_n;
	json_t *a;
	int r = want_args(k, 2);

	if (r < 0 || (r = want_string(k, 0, &s, &n)) < 0 ||
	    (r = want_string(k, 1, &sep, &sep_n)) < 0)
		return r;
	a = json_array();
	if (!a)
		return berth_error_set(k->x->err, ENOMEM, "template");
	if (sep_n == 0) {
		/* Go: after each UTF-8 sequence */
		for (size_t i = 0; i < n;) {
			size_t l = 1;

			while (i + l < n && ((unsigned char)s[i + l] & 0xc0) == 0x80)
				l++;
			json_array_append_new(a, json_stringn_nocheck(s + i, l));
			i += l;
		}
	} else {
		const char *p = s, *end = s + n;

		for (;;) {
			const char *m = memmem(p, (size_t)(end - p), sep, sep_n);

			json_array_append_new(
			    a, json_stringn_nocheck(p, m ? (size_t)(m - p) : (size_t)(end - p)));
			if (!m)
				break;
			p = m + sep_n;
		}
	}
	*ret = a;
	return 0;
}

static int fn_case(struct call *k, json_t **ret, int mode)
{
	const char *s;
	size_t n;
	char *o;
	bool word_start = true;
	int r = want_args(k, 1);

	if (r < 0 || (r = want_string(k, 0, &s, &n)) < 0)
		return r;
	o = malloc(n + 1);
	if (!o)
		return berth_error_set(k->x->err, ENOMEM, "template");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (mode == 0)
			o[i] = (char)tolower(c);
		else if (mode == 1)
			o[i] = (char)toupper(c);
		else
			/* title: the first letter of each word; words are separated by
			 * what is not a letter, digit, '_' or '\'' */
			o[i] = (char)(word_start ? toupper(c) : c);
		word_start = !(isalnum(c) || c == '_' || c == '\'' || c >= 0x80);
	}
	o[n] = 0;
	*ret = json_stringn_nocheck(o, n);
	free(o);
	return *ret ? 0 : berth_error_set(k->x->err, ENOMEM, "template");
}

static int fn_lower(struct call *k, json_t **ret)
{
	return fn_case(k, ret, 0);
}

static int fn_upper(struct call *k, json_t **ret)
{
	return fn_case(k, ret, 1);
}

static int fn_title(struct call *k, json_t **ret)
{
	return fn_case(k, ret, 2);
}

/* docker's truncate: the first n runes */
static int fn_truncate(struct call *k, json_t **ret)
{
	const char *s;
	size_t n;
	long long max;
	int r = want_args(k, 2);

	if (r < 0 || (r = want_string(k, 0, &s, &n)) < 0 || (r = want_int(k, 1, &max)) < 0)
		return r;
	*ret = json_stringn_nocheck(s, max < 0 ? n : rune_prefix(s, n, (size_t)max));
	return *ret ? 0 : berth_error_set(k->x->err, ENOMEM, "template");
}

/* docker's pad: prefix spaces, the string, suffix spaces */
static int fn_pad(struct call *k, json_t **ret)
{
	const char *s;
	long long pre, post;
	int r = want_args(k, 3);

	if (r < 0 || (r = want_string(k, 0, &s, NULL)) < 0 || (r = want_int(k, 1, &pre)) < 0 ||
	    (r = want_int(k, 2, &post)) < 0)
		return r;
	return ret_string(
	    k,
	    xasprintf("%*s%s%*s", (int)(pre > 0 ? pre : 0), "", s, (int)(post > 0 ? post : 0), ""),
	    ret);
}

/* Go's print/println: operands separated by a space when neither is a string */
static int fn_print(struct call *k, json_t **ret, bool ln)
{
	struct buf b = {0};

	for (size_t i = 0; i < k->argc; i++) {
		if (i && (ln || (!json_is_string(k->argv[i]) && !json_is_string(k->argv[i - 1]))))
			buf_puts(&b, " ");
		if (k->argv[i])
			print_value(&b, k->argv[i]);
		else
			buf_puts(&b, "<nil>");
	}
	if (ln)
		buf_puts(&b, "\n");
	return ret_string(k, buf_take(&b), ret);
}

static int fn_print0(struct call *k, json_t **ret)
{
	return fn_print(k, ret, false);
}

static int fn_println(struct call *k, json_t **ret)
{
	return fn_print(k, ret, true);
}

static int fn_printf(struct call *k, json_t **ret)
{
	struct buf b = {0};
	const char *f;
	int r;

	if (k->argc < 1)
		return want_args(k, 1);
	r = want_string(k, 0, &f, NULL);
	if (r < 0)
		return r;
	tmpl_sprintf(&b, f, k->argv + 1, k->argc - 1);
	return ret_string(k, buf_take(&b), ret);
}

/* Go's eq/lt on basic values: -2 when they cannot be compared */
static int compare(json_t *a, json_t *b, bool ordered)
{
	if (json_is_number(a) && json_is_number(b)) {
		if (json_is_integer(a) && json_is_integer(b)) {
			long long x = json_integer_value(a), y = json_integer_value(b);

			return (x > y) - (x < y);
		}
		double x = json_number_value(a), y = json_number_value(b);

		return (x > y) - (x < y);
	}
	if (json_is_string(a) && json_is_string(b)) {
		int c = strcmp(json_string_value(a), json_string_value(b));

		return (c > 0) - (c < 0);
	}
	if (!ordered && json_is_boolean(a) && json_is_boolean(b))
		return json_is_true(a) == json_is_true(b) ? 0 : 1;
	if (!ordered && (json_is_null(a) || !a) && (json_is_null(b) || !b))
		return 0;
	return -2;
}

static int fn_eq(struct call *k, json_t **ret)
{
	bool eq = false;

	if (k->argc < 2)
		return call_error(k, "missing argument for comparison");
	for (size_t i = 1; i < k->argc && !eq; i++) {
		int c = compare(k->argv[0], k->argv[i], false);

		if (c == -2) {
			if (!k->argv[0] || !k->argv[i] || json_is_null(k->argv[0]) ||
			    json_is_null(k->argv[i]))
				continue;
			if (json_is_array(k->argv[0]) || json_is_object(k->argv[0]))
				return call_error(k, "non-comparable type %s: %s",
						  go_type(k->argv[0]), "eq");
			return call_error(k, "incompatible types for comparison");
		}
		eq = c == 0;
	}
	*ret = json_boolean(eq);
	return 0;
}

static int fn_ne(struct call *k, json_t **ret)
{
	int r = want_args(k, 2);

	if (r < 0)
		return r;
	r = fn_eq(k, ret);
	if (r < 0)
		return r;
	*ret = json_boolean(!json_is_true(*ret));
	return 0;
}

static int ordered(struct call *k, json_t **ret, bool (*ok)(int))
{
	int c, r = want_args(k, 2);

	if (r < 0)
		return r;
	c = compare(k->argv[0], k->argv[1], true);
	if (c == -2) {
		if ((json_is_string(k->argv[0]) || json_is_number(k->argv[0])) &&
		    (json_is_string(k->argv[1]) || json_is_number(k->argv[1])))
			return call_error(k, "incompatible types for comparison");
		return call_error(k, "invalid type for comparison");
	}
	*ret = json_boolean(ok(c));
	return 0;
}

static bool is_lt(int c)
{
	return c < 0;
}
static bool is_le(int c)
{
	return c <= 0;
}
static bool is_gt(int c)
{
	return c > 0;
}
static bool is_ge(int c)
{
	return c >= 0;
}

static int fn_lt(struct call *k, json_t **ret)
{
	return ordered(k, ret, is_lt);
}
static int fn_le(struct call *k, json_t **ret)
{
	return ordered(k, ret, is_le);
}
static int fn_gt(struct call *k, json_t **ret)
{
	return ordered(k, ret, is_gt);
}
static int fn_ge(struct call *k, json_t **ret)
{
	return ordered(k, ret, is_ge);
}

static int fn_not(struct call *k, json_t **ret)
{
	int r = want_args(k, 1);

	if (r < 0)
		return r;
	*ret = json_boolean(!truth(k->argv[0]));
	return 0;
}

static const struct function {
	const char *name;
	int (*fn)(struct call *k, json_t **ret);
} functions[] = {
    {"and", NULL},	  {"eq", fn_eq},	 {"ge", fn_ge},
    {"gt", fn_gt},	  {"index", fn_index},	 {"join", fn_join},
    {"json", fn_json},	  {"le", fn_le},	 {"len", fn_len},
    {"lower", fn_lower},  {"lt", fn_lt},	 {"ne", fn_ne},
    {"not", fn_not},	  {"or", NULL},		 {"pad", fn_pad},
    {"print", fn_print0}, {"printf", fn_printf}, {"println", fn_println},
    {"split", fn_split},  {"title", fn_title},	 {"truncate", fn_truncate},
    {"upper", fn_upper},
};

static const struct function *function_find(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(functions); i++)
		if (streq(functions[i].name, name))
			return &functions[i];
	return NULL;
}

bool function_exists(const char *name)
{
	return function_find(name) != NULL;
}

static int eval_call(struct exec *x, const struct cmd *c, const struct arg *fn, json_t *dot,
		     const struct arg *const *args, size_t n, bool has_final, json_t *final,
		     json_t **ret)
{
	const struct function *f = function_find(fn->name);
	size_t argc = n + (has_final ? 1 : 0);
	_cleanup_free_ json_t **argv = calloc(argc + 1, sizeof(json_t *));
	struct call k = {.x = x, .c = c, .name = fn->name, .argv = argv, .argc = argc};
	int r = 0;

	if (!argv)
		return berth_error_set(x->err, ENOMEM, "template");
	if (!f->fn) {
		/* and, or: the first operand that decides, evaluated in order */
		bool is_and = streq(fn->name, "and");
		json_t *v = NULL;

		if (argc < 1)
			return exec_error(x, EINVAL, c->pos, c->len,
					  "wrong number of args for %s: want at least 1 got 0",
					  fn->name);
		for (size_t i = 0; i < argc; i++) {
			json_decref(v);
			v = NULL;
			if (i < n) {
				r = eval_arg(x, c, args[i], dot, &v);
				if (r < 0)
					return r;
			} else {
				v = json_incref(final);
			}
			if (truth(v) != is_and)
				break;
		}
		*ret = v;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		r = eval_arg(x, c, args[i], dot, &argv[i]);
		if (r < 0)
			goto out;
	}
	if (has_final)
		argv[n] = json_incref(final);
	*ret = NULL;
	r = f->fn(&k, ret);
out:
	for (size_t i = 0; i < argc; i++)
		json_decref(argv[i]);
	return r;
}

/* --- walking the tree --- */

static int walk_list(struct exec *x, const struct list *l, json_t *dot);

static int emit_value(struct exec *x, json_t *v)
{
	_cleanup_free_ char *s = NULL;
	struct buf b = {0};

	if (!v || json_is_null(v)) {
		fputs("<no value>", x->out);
		return 0;
	}
	if (json_is_string(v)) {
		fwrite(json_string_value(v), 1, json_string_length(v), x->out);
		return 0;
	}
	print_value(&b, v);
	s = buf_take(&b);
	if (!s)
		return berth_error_set(x->err, ENOMEM, "template");
	fputs(s, x->out);
	return 0;
}

static int walk_range(struct exec *x, const struct node *n, json_t *dot)
{
	const struct pipe *pp = n->pipe;
	struct pipe eval = *pp;
	json_t *v = NULL;
	size_t mark = x->n_vars, count = 0;
	int r = 0;

	/* the variables are the element's (and its index's), not the pipeline's value */
	eval.n_vars = 0;
	r = eval_pipe(x, &eval, dot, &v);
	if (r < 0)
		return r;
	if (json_is_array(v) || json_is_object(v) || json_is_integer(v)) {
		size_t nk = 0;
		_cleanup_free_ const char **keys = NULL;
		size_t total;

		if (json_is_object(v)) {
			keys = sorted_keys(v, &nk);
			if (!keys) {
				json_decref(v);
				return berth_error_set(x->err, ENOMEM, "template");
			}
			total = nk;
		} else if (json_is_array(v)) {
			total = json_array_size(v);
		} else {
			total = json_integer_value(v) > 0 ? (size_t)json_integer_value(v) : 0;
		}
		for (size_t i = 0; i < total && r >= 0; i++) {
			json_t *key, *elem;

			if (keys) {
				key = json_string(keys[i]);
				elem = json_incref(json_object_get(v, keys[i]));
			} else if (json_is_array(v)) {
				key = json_integer((json_int_t)i);
				elem = json_incref(json_array_get(v, i));
			} else {
				key = json_integer((json_int_t)i);
				elem = json_incref(key);
			}
			if (pp->n_vars == 1) {
				r = push_var(x, pp->vars[0], elem);
			} else if (pp->n_vars == 2) {
				r = push_var(x, pp->vars[0], key);
				if (r >= 0)
					r = push_var(x, pp->vars[1], elem);
			}
			if (r < 0)
				r = berth_error_set(x->err, ENOMEM, "template");
			else
				r = walk_list(x, n->body, elem);
			json_decref(key);
			json_decref(elem);
			pop_vars(x, mark);
			count++;
		}
	} else if (v && !json_is_null(v)) {
		_cleanup_free_ char *s = tmpl_value_string(v);
		const struct cmd *last = pp->cmds[pp->n - 1];

		r = exec_error(x, EINVAL, pp->cmds[0]->pos,
			       last->pos + last->len - pp->cmds[0]->pos,
			       "range can't iterate over %s", s ? s : "");
	}
	if (r >= 0 && count == 0 && n->else_body)
		r = walk_list(x, n->else_body, dot);
	json_decref(v);
	return r;
}

static int walk_node(struct exec *x, const struct node *n, json_t *dot)
{
	size_t mark = x->n_vars;
	json_t *v = NULL;
	int r;

	switch (n->kind) {
	case N_TEXT:
		fwrite(n->text, 1, n->text_len, x->out);
		return 0;
	case N_ACTION:
		r = eval_pipe(x, n->pipe, dot, &v);
		if (r < 0)
			return r;
		if (n->pipe->n_vars == 0)
			r = emit_value(x, v);
		json_decref(v);
		return r;
	case N_IF:
	case N_WITH:
		r = eval_pipe(x, n->pipe, dot, &v);
		if (r >= 0) {
			if (truth(v))
				r = walk_list(x, n->body, n->kind == N_WITH ? v : dot);
			else if (n->else_body)
				r = walk_list(x, n->else_body, dot);
		}
		json_decref(v);
		pop_vars(x, mark);
		return r;
	case N_RANGE:
		return walk_range(x, n, dot);
	default:
		return 0;
	}
}

static int walk_list(struct exec *x, const struct list *l, json_t *dot)
{
	if (++x->depth > 1000) {
		x->depth--;
		return berth_error_new(x->err, EINVAL, "template: exceeded maximum template depth");
	}
	for (size_t i = 0; i < l->n; i++) {
		int r = walk_node(x, l->nodes[i], dot);

		if (r < 0) {
			x->depth--;
			return r;
		}
	}
	x->depth--;
	return 0;
}

int tmpl_execute(const struct tmpl *t, json_t *dot, FILE *out, struct berth_error **err)
{
	struct exec x = {.t = t, .out = out, .err = err};
	int r;

	if (push_var(&x, "$", dot) < 0)
		return berth_error_set(err, ENOMEM, "template");
	r = walk_list(&x, t->root, dot);
	pop_vars(&x, 0);
	free(x.vars);
	return r;
}
