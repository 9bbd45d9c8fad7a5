/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Go's text/template, the part docker's users type (template.h): the text lexed into
 * tokens and parsed into a tree as Go's parse package does; template-exec.c walks it over
 * jansson values, template-print.c prints them as Go's fmt. A NULL json_t * is Go's invalid
 * reflect.Value (a missing map key); json null is a nil interface{}.
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

static void *talloc(struct tmpl *t, size_t size)
{
	void **na = realloc(t->allocs, (t->n_allocs + 1) * sizeof(void *));
	void *p;

	if (!na)
		return NULL;
	t->allocs = na;
	p = calloc(1, size);
	if (p)
		t->allocs[t->n_allocs++] = p;
	return p;
}

/* append p to the array *v of n pointers */
static int tpush(struct tmpl *t, void ***v, size_t *n, void *p)
{
	void **nv = talloc(t, (*n + 1) * sizeof(void *));

	if (!nv)
		return -ENOMEM;
	if (*n)
		memcpy(nv, *v, *n * sizeof(void *));
	nv[(*n)++] = p;
	*v = nv;
	return 0;
}

struct tmpl *tmpl_free(struct tmpl *t)
{
	if (t) {
		for (size_t i = 0; i < t->n_allocs; i++)
			free(t->allocs[i]);
		free(t->allocs);
		json_decref(t->lits);
		free(t->text);
		free(t);
	}
	return NULL;
}

unsigned line_of(const char *text, size_t pos)
{
	unsigned line = 1;

	for (size_t i = 0; i < pos && text[i]; i++)
		line += text[i] == '\n';
	return line;
}

/* --- lexer --- */

struct lexer {
	struct tmpl *t;
	struct tok *toks;
	size_t n, cap;
	struct berth_error **err;
};

static int lex_error(struct lexer *l, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int lex_error(struct lexer *l, size_t pos, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return berth_error_set(l->err, ENOMEM, "template");
	return berth_error_new(l->err, EINVAL, "template: :%u: %s", line_of(l->t->text, pos), msg);
}

static struct tok *emit(struct lexer *l, enum tok_type type, size_t pos, size_t len, bool space)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct tok *nt = realloc(l->toks, cap * sizeof(*nt));

		if (!nt)
			return NULL;
		l->toks = nt;
		l->cap = cap;
	}
	l->toks[l->n] = (struct tok){.type = type, .pos = pos, .len = len, .space = space};
	return &l->toks[l->n++];
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alnum(char c)
{
	return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

/* the value of a token: a copy of s[0..n) */
static int tok_val(struct lexer *l, struct tok *k, const char *s, size_t n)
{
	char *v = talloc(l->t, n + 1);

	if (!v)
		return -ENOMEM;
	memcpy(v, s, n);
	k->val = v;
	k->val_len = n;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A Go quoted string or char at s[0] (the quote): decoded into out (at least as long as
 * the source), *ret_end past the closing quote. */
static int unquote(struct lexer *l, const char *s, size_t pos, char *out, size_t *ret_len,
		   const char **ret_end)
{
	char q = s[0];
	const char *p = s + 1;
	size_t o = 0;

	while (*p != q) {
		if (!*p || *p == '\n')
			return lex_error(l, pos, "unterminated quoted %s",
					 q == '"' ? "string" : "character constant");
		if (*p != '\\') {
			out[o++] = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'n':
			out[o++] = '\n';
			p++;
			break;
		case 't':
			out[o++] = '\t';
			p++;
			break;
		case 'r':
			out[o++] = '\r';
			p++;
			break;
		case 'a':
			out[o++] = '\a';
			p++;
			break;
		case 'b':
			out[o++] = '\b';
			p++;
			break;
		case 'f':
			out[o++] = '\f';
			p++;
			break;
		case 'v':
			out[o++] = '\v';
			p++;
			break;
		case '\\':
			out[o++] = '\\';
			p++;
			break;
		case '"':
			out[o++] = '"';
			p++;
			break;
		case '\'':
			out[o++] = '\'';
			p++;
			break;
		case 'x': {
			int a = hexval(p[1]), b = a < 0 ? -1 : hexval(p[2]);

			if (b < 0)
				return lex_error(l, pos, "invalid syntax");
			out[o++] = (char)(a * 16 + b);
			p += 3;
			break;
		}
		case 'u':
		case 'U': {
			int digits = *p == 'u' ? 4 : 8;
			uint32_t cp = 0;

			for (int i = 1; i <= digits; i++) {
				int h = hexval(p[i]);

				if (h < 0)
					return lex_error(l, pos, "invalid syntax");
				cp = cp * 16 + (uint32_t)h;
			}
			if (cp > 0x10ffff)
				return lex_error(l, pos, "invalid syntax");
			o += utf8_put(out + o, cp);
			p += digits + 1;
			break;
		}
		default:
			return lex_error(l, pos, "invalid syntax");
		}
	}
	*ret_len = o;
	*ret_end = p + 1;
	return 0;
}

static const char *const keywords[] = {"if",	 "else",     "end",   "range", "with",
				       "define", "template", "block", "break", "continue"};

/* Lex one action from just after "{{" (and its trim marker); *ret_end: past "}}". */
static int lex_action(struct lexer *l, size_t start, bool *ret_trim_right, size_t *ret_end)
{
	const char *text = l->t->text;
	size_t i = start;
	int r;

	for (;;) {
		bool space = false;
		struct tok *k;
		char c;

		while (is_space(text[i])) {
			i++;
			space = true;
		}
		c = text[i];
		if (!c)
			return lex_error(l, i, "unclosed action");
		if (space && c == '-' && text[i + 1] == '}' && text[i + 2] == '}') {
			*ret_trim_right = true;
			*ret_end = i + 3;
			return emit(l, T_RIGHT, i, 3, true) ? 0 : -ENOMEM;
		}
		if (c == '}' && text[i + 1] == '}') {
			*ret_trim_right = false;
			*ret_end = i + 2;
			return emit(l, T_RIGHT, i, 2, space) ? 0 : -ENOMEM;
		}
		if (c == '|' || c == '(' || c == ')' || c == ',' || c == '=') {
			static const enum tok_type types[] = {T_PIPE, T_LPAREN, T_RPAREN, T_COMMA,
							      T_ASSIGN};
			if (!emit(l, types[strchr("|(),=", c) - "|(),="], i, 1, space))
				return -ENOMEM;
			i++;
			continue;
		}
		if (c == ':') {
			if (text[i + 1] != '=')
				return lex_error(l, i, "expected :=");
			if (!emit(l, T_DECLARE, i, 2, space))
				return -ENOMEM;
			i += 2;
			continue;
		}
		if (c == '"' || c == '\'') {
			char *out = talloc(l->t, strlen(text + i) + 1);
			const char *end = NULL;
			size_t n = 0;

			if (!out)
				return -ENOMEM;
			r = unquote(l, text + i, i, out, &n, &end);
			if (r < 0)
				return r;
			k = emit(l, c == '"' ? T_STRING : T_CHAR, i, (size_t)(end - (text + i)),
				 space);
			if (!k)
				return -ENOMEM;
			k->val = out;
			k->val_len = n;
			if (c == '\'') {
				/* its code point, as a number */
				uint32_t cp = (unsigned char)out[0];
				const unsigned char *u = (const unsigned char *)out;

				if (n == 0)
					return lex_error(l, i, "empty character constant");
				if (cp >= 0xf0 && n >= 4)
					cp = ((cp & 7) << 18) | ((u[1] & 0x3fu) << 12) |
					     ((u[2] & 0x3fu) << 6) | (u[3] & 0x3fu);
				else if (cp >= 0xe0 && n >= 3)
					cp = ((cp & 15) << 12) | ((u[1] & 0x3fu) << 6) |
					     (u[2] & 0x3fu);
				else if (cp >= 0xc0 && n >= 2)
					cp = ((cp & 31) << 6) | (u[1] & 0x3fu);
				k->val_len = cp;
			}
			i = (size_t)(end - text);
			continue;
		}
		if (c == '`') {
			const char *end = strchr(text + i + 1, '`');

			if (!end)
				return lex_error(l, i, "unterminated raw quoted string");
			k = emit(l, T_STRING, i, (size_t)(end + 1 - (text + i)), space);
			if (!k || tok_val(l, k, text + i + 1, (size_t)(end - (text + i + 1))) < 0)
				return -ENOMEM;
			i = (size_t)(end + 1 - text);
			continue;
		}
		if (c == '.' && !isdigit((unsigned char)text[i + 1])) {
			size_t j = i + 1;

			while (is_alnum(text[j]))
				j++;
			k = emit(l, j == i + 1 ? T_DOT : T_FIELD, i, j - i, space);
			if (!k || tok_val(l, k, text + i + 1, j - i - 1) < 0)
				return -ENOMEM;
			i = j;
			continue;
		}
		if (c == '$') {
			size_t j = i + 1;

			while (is_alnum(text[j]))
				j++;
			k = emit(l, T_VAR, i, j - i, space);
			if (!k || tok_val(l, k, text + i, j - i) < 0)
				return -ENOMEM;
			i = j;
			continue;
		}
		if (isdigit((unsigned char)c) ||
		    ((c == '-' || c == '+' || c == '.') && isdigit((unsigned char)text[i + 1]))) {
			size_t j = i + 1;

			while (isalnum((unsigned char)text[j]) || text[j] == '.' ||
			       text[j] == '_' ||
			       ((text[j] == '-' || text[j] == '+') &&
				(text[j - 1] == 'e' || text[j - 1] == 'E')))
				j++;
			k = emit(l, T_NUMBER, i, j - i, space);
			if (!k || tok_val(l, k, text + i, j - i) < 0)
				return -ENOMEM;
			i = j;
			continue;
		}
		if (is_alnum(c)) {
			size_t j = i;
			enum tok_type type = T_IDENT;

			while (is_alnum(text[j]))
				j++;
			for (size_t w = 0; w < ELEMENTSOF(keywords); w++)
				if (strlen(keywords[w]) == j - i &&
				    !strncmp(keywords[w], text + i, j - i))
					type = T_KEYWORD;
			if ((j - i == 4 && !strncmp(text + i, "true", 4)) ||
			    (j - i == 5 && !strncmp(text + i, "false", 5)))
				type = T_BOOL;
			if (j - i == 3 && !strncmp(text + i, "nil", 3))
				type = T_NIL;
			k = emit(l, type, i, j - i, space);
			if (!k || tok_val(l, k, text + i, j - i) < 0)
				return -ENOMEM;
			i = j;
			continue;
		}
		return lex_error(l, i, "unexpected \"%c\" in command", c);
	}
}

static int lex(struct lexer *l)
{
	const char *text = l->t->text;
	size_t i = 0;
	bool trim_next = false;
	int r;

	while (text[i]) {
		const char *open = strstr(text + i, "{{");
		size_t end = open ? (size_t)(open - text) : strlen(text), start = i, after;
		bool trim_left = open && open[2] == '-' && is_space(open[3]);
		bool trim_right = false;
		struct tok *k;

		if (trim_next)
			while (start < end && is_space(text[start]))
				start++;
		if (open && trim_left)
			while (end > start && is_space(text[end - 1]))
				end--;
		if (end > start) {
			k = emit(l, T_TEXT, start, end - start, false);
			if (!k || tok_val(l, k, text + start, end - start) < 0)
				return -ENOMEM;
		}
		if (!open)
			break;
		after = (size_t)(open - text) + 2 + (trim_left ? 2 : 0);
		/* a comment: slash-star ... star-slash between the delimiters */
		{
			size_t c = after;

			while (trim_left && is_space(text[c]))
				c++;
			if (text[c] == '/' && text[c + 1] == '*') {
				const char *close = strstr(text + c + 2, "*/");
				size_t j;

				if (!close)
					return lex_error(l, c, "unclosed comment");
				j = (size_t)(close + 2 - text);
				if (text[j] == ' ' && text[j + 1] == '-' && text[j + 2] == '}' &&
				    text[j + 3] == '}') {
					trim_next = true;
					i = j + 4;
				} else if (text[j] == '}' && text[j + 1] == '}') {
					trim_next = false;
					i = j + 2;
				} else {
					return lex_error(l, c,
							 "comment ends before closing delimiter");
				}
				continue;
			}
		}
		if (!emit(l, T_LEFT, (size_t)(open - text), 2, false))
			return -ENOMEM;
		r = lex_action(l, after, &trim_right, &i);
		if (r < 0)
			return r;
		trim_next = trim_right;
	}
	return emit(l, T_EOF, i, 0, false) ? 0 : -ENOMEM;
}

/* --- parser --- */

struct parser {
	struct tmpl *t;
	struct tok *toks;
	size_t i;
	const char **vars; /* declared, innermost last */
	size_t n_vars;
	struct berth_error **err;
};

static int parse_error(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int parse_error(struct parser *p, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return berth_error_set(p->err, ENOMEM, "template");
	return berth_error_new(p->err, EINVAL, "template: :%u: %s",
			       line_of(p->t->text, p->toks[p->i].pos), msg);
}

static struct tok *peek(struct parser *p)
{
	return &p->toks[p->i];
}

static struct tok *next(struct parser *p)
{
	struct tok *k = &p->toks[p->i];

	if (k->type != T_EOF)
		p->i++;
	return k;
}

static bool is_keyword(const struct tok *k, const char *w)
{
	return k->type == T_KEYWORD && streq(k->val, w);
}

/* How Go names a token in "unexpected X" */
static int unexpected(struct parser *p, const char *context)
{
	struct tok *k = peek(p);

	if (k->type == T_EOF)
		return parse_error(p, "unexpected EOF");
	if (k->type == T_RIGHT)
		return parse_error(p, "unexpected \"}}\" in %s", context);
	return parse_error(p, "unexpected \"%.*s\" in %s", (int)k->len, p->t->text + k->pos,
			   context);
}

static int declare(struct parser *p, const char *name)
{
	return tpush(p->t, (void ***)&p->vars, &p->n_vars, (void *)name);
}

static bool declared(struct parser *p, const char *name)
{
	if (streq(name, "$"))
		return true;
	for (size_t i = p->n_vars; i > 0; i--)
		if (streq(p->vars[i - 1], name))
			return true;
	return false;
}

static int parse_pipe(struct parser *p, const char *context, bool range, struct pipe **ret);

static int parse_chain(struct parser *p, struct arg *a)
{
	a->chain_pos = peek(p)->pos;
	while (peek(p)->type == T_FIELD && !peek(p)->space) {
		struct tok *k = next(p);

		if (tpush(p->t, (void ***)&a->fields, &a->n_fields, k->val) < 0)
			return -ENOMEM;
		a->len = k->pos + k->len - a->pos;
	}
	return 0;
}

static int parse_operand(struct parser *p, struct arg **ret)
{
	struct tok *k = peek(p);
	struct arg *a = talloc(p->t, sizeof(*a));
	int r;

	if (!a)
		return -ENOMEM;
	a->pos = k->pos;
	a->len = k->len;
	switch (k->type) {
	case T_FIELD:
		a->kind = A_FIELD;
		next(p);
		if (tpush(p->t, (void ***)&a->fields, &a->n_fields, k->val) < 0)
			return -ENOMEM;
		r = parse_chain(p, a);
		if (r < 0)
			return r;
		/* Go: the node of a chain .A.B... is placed at its second field */
		if (a->n_fields == 1)
			a->chain_pos = a->pos;
		*ret = a;
		return 0;
	case T_DOT:
		next(p);
		a->kind = A_DOT;
		if (peek(p)->type == T_FIELD && !peek(p)->space)
			return parse_error(p, "unexpected . after term \".\"");
		*ret = a;
		return 0;
	case T_VAR:
		next(p);
		if (!declared(p, k->val))
			return parse_error(p, "undefined variable \"%s\"", k->val);
		a->kind = A_VAR;
		a->name = k->val;
		r = parse_chain(p, a);
		if (r < 0)
			return r;
		a->chain_pos = a->pos;
		*ret = a;
		return 0;
	case T_LPAREN:
		next(p);
		a->kind = A_PIPE;
		r = parse_pipe(p, "parenthesized pipeline", false, &a->pipe);
		if (r < 0)
			return r;
		if (peek(p)->type != T_RPAREN)
			return unexpected(p, "parenthesized pipeline");
		a->len = next(p)->pos + 1 - a->pos;
		r = parse_chain(p, a);
		if (r < 0)
			return r;
		a->chain_pos = a->pos;
		*ret = a;
		return 0;
	case T_IDENT:
		if (!function_exists(k->val))
			return parse_error(p, "function \"%s\" not defined", k->val);
		next(p);
		a->kind = A_IDENT;
		a->name = k->val;
		*ret = a;
		return 0;
	case T_STRING:
		next(p);
		a->kind = A_STRING;
		a->lit = json_stringn_nocheck(k->val, k->val_len);
		break;
	case T_CHAR:
		next(p);
		a->kind = A_NUMBER;
		a->lit = json_integer((json_int_t)k->val_len);
		break;
	case T_NUMBER: {
		char *end;

		next(p);
		a->kind = A_NUMBER;
		errno = 0;
		if (strpbrk(k->val, ".eEpP") && !startswith(k->val, "0x") &&
		    !startswith(k->val, "0X")) {
			double d = strtod(k->val, &end);

			if (*end || errno)
				return parse_error(p, "bad number syntax: \"%s\"", k->val);
			a->lit = json_real(d);
		} else {
			long long v;
			const char *digits = k->val;
			_cleanup_free_ char *clean = NULL;

			/* Go's 1_000 and 0o17 */
			if (strchr(digits, '_') || strstr(digits, "0o")) {
				size_t o = 0;

				clean = strdup(digits);
				if (!clean)
					return -ENOMEM;
				for (const char *s = digits; *s; s++)
					if (*s != '_' && *s != 'o')
						clean[o++] = *s;
				clean[o] = 0;
				digits = clean;
			}
			v = strtoll(digits, &end, 0);
			if (*end || errno)
				return parse_error(p, "bad number syntax: \"%s\"", k->val);
			a->lit = json_integer(v);
		}
		break;
	}
	case T_BOOL:
		next(p);
		a->kind = A_BOOL;
		a->lit = json_boolean(streq(k->val, "true"));
		break;
	case T_NIL:
		next(p);
		a->kind = A_NIL;
		*ret = a;
		return 0;
	default:
		return unexpected(p, "operand");
	}
	if (!a->lit || json_array_append_new(p->t->lits, a->lit) < 0)
		return -ENOMEM;
	*ret = a;
	return 0;
}

static int parse_cmd(struct parser *p, struct cmd **ret)
{
	struct cmd *c = talloc(p->t, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->pos = peek(p)->pos;
	for (;;) {
		struct tok *k = peek(p);
		struct arg *a = NULL;

		if (k->type == T_RIGHT || k->type == T_RPAREN || k->type == T_PIPE)
			break;
		if (c->n > 0 && !k->space && k->type != T_LPAREN)
			return unexpected(p, "operand");
		r = parse_operand(p, &a);
		if (r < 0)
			return r;
		if (tpush(p->t, (void ***)&c->args, &c->n, a) < 0)
			return -ENOMEM;
	}
	if (c->n == 0)
		return parse_error(p, "missing value for command");
	c->len = c->args[c->n - 1]->pos + c->args[c->n - 1]->len - c->pos;
	*ret = c;
	return 0;
}

static int parse_pipe(struct parser *p, const char *context, bool range, struct pipe **ret)
{
	struct pipe *pp = talloc(p->t, sizeof(*pp));
	size_t save = p->i;
	int r;

	if (!pp)
		return -ENOMEM;
	pp->pos = peek(p)->pos;
	/* $x := / $x = / (range) $i, $v := */
	if (peek(p)->type == T_VAR) {
		struct tok *v1 = next(p), *v2 = NULL;

		if (range && peek(p)->type == T_COMMA) {
			next(p);
			if (peek(p)->type != T_VAR)
				return parse_error(p, "range can only initialize variables");
			v2 = next(p);
		}
		if (peek(p)->type == T_DECLARE || (peek(p)->type == T_ASSIGN && !v2)) {
			pp->decl = next(p)->type == T_DECLARE;
			if (!pp->decl && !declared(p, v1->val))
				return parse_error(p, "undefined variable \"%s\"", v1->val);
			if (tpush(p->t, (void ***)&pp->vars, &pp->n_vars, v1->val) < 0 ||
			    (v2 && tpush(p->t, (void ***)&pp->vars, &pp->n_vars, v2->val) < 0))
				return -ENOMEM;
		} else if (v2) {
			return parse_error(p, "too many declarations in %s", context);
		} else {
			p->i = save;
		}
	}
	if (peek(p)->type == T_RIGHT || peek(p)->type == T_RPAREN)
		return parse_error(p, "missing value for %s", context);
	for (;;) {
		struct cmd *c = NULL;

		r = parse_cmd(p, &c);
		if (r < 0)
			return r;
		if (tpush(p->t, (void ***)&pp->cmds, &pp->n, c) < 0)
			return -ENOMEM;
		if (peek(p)->type != T_PIPE)
			break;
		next(p);
	}
	/* declared once the pipeline is parsed: {{$x := $x}} reads an outer $x */
	if (pp->decl)
		for (size_t i = 0; i < pp->n_vars; i++)
			if (declare(p, pp->vars[i]) < 0)
				return -ENOMEM;
	*ret = pp;
	return 0;
}

static int expect_right(struct parser *p, const char *context)
{
	if (peek(p)->type != T_RIGHT)
		return unexpected(p, context);
	next(p);
	return 0;
}

/* which token ended a list: {{end}}, {{else}} or the end of the text */
enum list_end { END_EOF, END_END, END_ELSE };

static int parse_list(struct parser *p, struct list **ret, enum list_end *ret_end);

static int parse_control(struct parser *p, enum node_kind kind, struct node **ret)
{
	static const char *const names[] = {[N_IF] = "if", [N_WITH] = "with", [N_RANGE] = "range"};
	struct node *n = talloc(p->t, sizeof(*n));
	size_t mark = p->n_vars;
	enum list_end end;
	int r;

	if (!n)
		return -ENOMEM;
	n->kind = kind;
	n->pos = peek(p)->pos;
	r = parse_pipe(p, names[kind], kind == N_RANGE, &n->pipe);
	if (r < 0)
		return r;
	r = expect_right(p, names[kind]);
	if (r < 0)
		return r;
	r = parse_list(p, &n->body, &end);
	if (r < 0)
		return r;
	if (end == END_EOF)
		return parse_error(p, "unexpected EOF");
	if (end == END_ELSE) {
		/* {{else if ...}} / {{else with ...}}: an if in the else branch, which takes
		 * the {{end}} */
		if ((kind == N_IF && is_keyword(peek(p), "if")) ||
		    (kind == N_WITH && is_keyword(peek(p), "with"))) {
			struct node *inner;

			next(p);
			n->else_body = talloc(p->t, sizeof(*n->else_body));
			if (!n->else_body)
				return -ENOMEM;
			r = parse_control(p, kind, &inner);
			if (r < 0)
				return r;
			if (tpush(p->t, (void ***)&n->else_body->nodes, &n->else_body->n, inner) <
			    0)
				return -ENOMEM;
			p->n_vars = mark;
			*ret = n;
			return 0;
		}
		r = expect_right(p, "else");
		if (r < 0)
			return r;
		r = parse_list(p, &n->else_body, &end);
		if (r < 0)
			return r;
		if (end != END_END)
			return end == END_EOF ? parse_error(p, "unexpected EOF")
					      : parse_error(p, "expected end; found {{else}}");
	}
	r = expect_right(p, "end");
	if (r < 0)
		return r;
	p->n_vars = mark;
	*ret = n;
	return 0;
}

static int parse_list(struct parser *p, struct list **ret, enum list_end *ret_end)
{
	struct list *l = talloc(p->t, sizeof(*l));
	int r;

	if (!l)
		return -ENOMEM;
	for (;;) {
		struct tok *k = next(p);
		struct node *n = NULL;

		if (k->type == T_EOF) {
			*ret_end = END_EOF;
			break;
		}
		if (k->type == T_TEXT) {
			n = talloc(p->t, sizeof(*n));
			if (!n)
				return -ENOMEM;
			n->kind = N_TEXT;
			n->pos = k->pos;
			n->text = k->val;
			n->text_len = k->val_len;
		} else {
			/* T_LEFT */
			k = peek(p);
			if (is_keyword(k, "end") || is_keyword(k, "else")) {
				next(p);
				*ret_end = is_keyword(k, "end") ? END_END : END_ELSE;
				break;
			}
			if (is_keyword(k, "if") || is_keyword(k, "with") ||
			    is_keyword(k, "range")) {
				next(p);
				r = parse_control(p,
						  is_keyword(k, "if")	  ? N_IF
						  : is_keyword(k, "with") ? N_WITH
									  : N_RANGE,
						  &n);
				if (r < 0)
					return r;
			} else if (k->type == T_KEYWORD) {
				return parse_error(p, "{{%s}} is not supported", k->val);
			} else {
				n = talloc(p->t, sizeof(*n));
				if (!n)
					return -ENOMEM;
				n->kind = N_ACTION;
				n->pos = k->pos;
				r = parse_pipe(p, "command", false, &n->pipe);
				if (r < 0)
					return r;
				r = expect_right(p, "command");
				if (r < 0)
					return r;
			}
		}
		if (tpush(p->t, (void ***)&l->nodes, &l->n, n) < 0)
			return -ENOMEM;
	}
	*ret = l;
	return 0;
}

int tmpl_parse(const char *text, bool strict, struct tmpl **ret, struct berth_error **err)
{
	struct tmpl *t = calloc(1, sizeof(*t));
	struct lexer l = {.t = t, .err = err};
	struct parser p = {.t = t, .err = err};
	enum list_end end;
	int r;

	if (!t || !(t->text = strdup(text)) || !(t->lits = json_array())) {
		tmpl_free(t);
		return berth_error_set(err, ENOMEM, "template");
	}
	t->strict = strict;
	r = lex(&l);
	if (r >= 0) {
		p.toks = l.toks;
		r = parse_list(&p, &t->root, &end);
		if (r >= 0 && end != END_EOF) {
			p.i--;
			r = parse_error(&p, "unexpected {{%s}}", end == END_END ? "end" : "else");
		}
	}
	/* the tokens' values belong to t; the array itself goes */
	free(l.toks);
	if (r < 0) {
		tmpl_free(t);
		return r == -ENOMEM ? berth_error_set(err, ENOMEM, "template") : r;
	}
	*ret = t;
	return 0;
}
