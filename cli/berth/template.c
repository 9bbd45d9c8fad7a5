/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Go's text/template, the part docker's users type (template.h). The text is lexed into
 * tokens, parsed into a tree as Go's parse package does, and the tree is walked over
 * jansson values. A NULL json_t * is Go's invalid reflect.Value (a missing map key);
 * json null is a nil interface{}.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "berth/cleanup.h"
#include "berth/util.h"
#include "template.h"

/* --- tokens --- */

enum tok_type {
	T_TEXT,
	T_LEFT,    /* {{ */
	T_RIGHT,   /* }} */
	T_FIELD,   /* .Name (name without the dot) */
	T_DOT,     /* . */
	T_VAR,     /* $name or $ */
	T_IDENT,   /* a function's name */
	T_KEYWORD, /* if else end range with define template block break continue */
	T_STRING,  /* "..." or `...` (decoded) */
	T_CHAR,    /* 'x' (its code point in num) */
	T_NUMBER,
	T_BOOL,
	T_NIL,
	T_PIPE,
	T_LPAREN,
	T_RPAREN,
	T_DECLARE, /* := */
	T_ASSIGN,  /* = */
	T_COMMA,
	T_EOF,
};

struct tok {
	enum tok_type type;
	size_t pos;	/* byte offset in the template */
	size_t len;	/* of its source */
	bool space;	/* preceded by a space inside its action */
	char *val;	/* decoded: text, name, string value */
	size_t val_len; /* of val (text and strings may hold NULs) */
};

/* --- the tree --- */

enum arg_kind { A_FIELD, A_DOT, A_VAR, A_IDENT, A_STRING, A_NUMBER, A_BOOL, A_NIL, A_PIPE };

struct pipe;

struct arg {
	enum arg_kind kind;
	size_t pos, len;    /* source, for "at <...>" */
	size_t chain_pos;   /* where Go places the field chain's node */
	const char *name;   /* function or variable name */
	json_t *lit;	    /* string, number and bool literals */
	struct pipe *pipe;  /* (pipeline) */
	char **fields;	    /* the field chain after the term */
	size_t n_fields;
};

struct cmd {
	size_t pos, len;
	struct arg **args;
	size_t n;
};

struct pipe {
	size_t pos;
	bool decl;	    /* := (else =) */
	const char **vars;  /* 0, 1 or (range) 2 */
	size_t n_vars;
	struct cmd **cmds;
	size_t n;
};

enum node_kind { N_TEXT, N_ACTION, N_IF, N_WITH, N_RANGE };

struct node {
	enum node_kind kind;
	size_t pos;
	const char *text; /* N_TEXT */
	size_t text_len;
	struct pipe *pipe;
	struct list *body, *else_body;
};

struct list {
	struct node **nodes;
	size_t n;
};

struct tmpl {
	char *text;
	bool strict;
	struct list *root;
	void **allocs; /* everything of the tree, freed together */
	size_t n_allocs;
	json_t *lits; /* the literals' references */
};

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

static unsigned line_of(const char *text, size_t pos)
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
	l->toks[l->n] = (struct tok){ .type = type, .pos = pos, .len = len, .space = space };
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

static size_t utf8_put(char *o, uint32_t cp)
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
		case 'n': out[o++] = '\n'; p++; break;
		case 't': out[o++] = '\t'; p++; break;
		case 'r': out[o++] = '\r'; p++; break;
		case 'a': out[o++] = '\a'; p++; break;
		case 'b': out[o++] = '\b'; p++; break;
		case 'f': out[o++] = '\f'; p++; break;
		case 'v': out[o++] = '\v'; p++; break;
		case '\\': out[o++] = '\\'; p++; break;
		case '"': out[o++] = '"'; p++; break;
		case '\'': out[o++] = '\''; p++; break;
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

static const char *const keywords[] = { "if",	  "else",     "end",   "range",	   "with",
					"define", "template", "block", "break", "continue" };

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
			static const enum tok_type types[] = { T_PIPE, T_LPAREN, T_RPAREN, T_COMMA,
							       T_ASSIGN };
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
			k = emit(l, c == '"' ? T_STRING : T_CHAR, i, (size_t)(end - (text + i)), space);
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
					cp = ((cp & 15) << 12) | ((u[1] & 0x3fu) << 6) | (u[2] & 0x3fu);
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
		if (isdigit((unsigned char)c) || ((c == '-' || c == '+' || c == '.') &&
						  isdigit((unsigned char)text[i + 1]))) {
			size_t j = i + 1;

			while (isalnum((unsigned char)text[j]) || text[j] == '.' || text[j] == '_' ||
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
				if (strlen(keywords[w]) == j - i && !strncmp(keywords[w], text + i, j - i))
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
					return lex_error(l, c, "comment ends before closing delimiter");
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

static int parse_error(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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

static bool function_exists(const char *name);
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
	static const char *const names[] = { [N_IF] = "if", [N_WITH] = "with", [N_RANGE] = "range" };
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
			if (tpush(p->t, (void ***)&n->else_body->nodes, &n->else_body->n, inner) < 0)
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
			if (is_keyword(k, "if") || is_keyword(k, "with") || is_keyword(k, "range")) {
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
	struct lexer l = { .t = t, .err = err };
	struct parser p = { .t = t, .err = err };
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

/* --- printing values as Go's fmt does --- */

struct buf {
	char *s;
	size_t n, cap;
	bool oom;
};

static void buf_add(struct buf *b, const char *s, size_t n)
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

static void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void buf_printf(struct buf *b, const char *fmt, ...)
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

static char *buf_take(struct buf *b)
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
static void format_float(struct buf *b, double d, bool json)
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
static const char **sorted_keys(json_t *o, size_t *ret_n)
{
	size_t n = json_object_size(o), i = 0;
	const char **keys = calloc(n + 1, sizeof(char *));
	const char *k;
	json_t *v;

	if (!keys)
		return NULL;
	json_object_foreach(o, k, v)
		keys[i++] = k;
	qsort(keys, n, sizeof(char *), cmp_keys);
	*ret_n = n;
	return keys;
}

/* fmt's %v */
static void print_value(struct buf *b, json_t *v)
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
	struct buf b = { 0 };

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
		json_object_foreach(v, k, m) {
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
	struct buf b = { 0 };

	if (!v)
		buf_puts(&b, "null");
	else
		json_value(&b, v);
	return buf_take(&b);
}

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
	x->vars[x->n_vars++] = (struct var){ name, json_incref(v) };
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

/* Go's name of the type encoding/json would decode v into */
static const char *go_type(json_t *v)
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
		int e = chain_error(x, EINVAL, a,  "can't evaluate field %s in type %s", name, go_type(v));
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

static int eval_cmd(struct exec *x, const struct cmd *c, json_t *dot, bool has_final,
		    json_t *final, json_t **ret)
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
		return exec_error(x, EINVAL, c->pos, c->len, "can't give argument to non-function %.*s",
				  (int)first->len, x->t->text + first->pos);
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
	struct buf b = { 0 };
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

	if (r < 0 || (r = want_string(k, 0, &s, &n)) < 0 || (r = want_string(k, 1, &sep, &sep_n)) < 0)
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

			json_array_append_new(a, json_stringn_nocheck(p, m ? (size_t)(m - p)
									: (size_t)(end - p)));
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

/* UTF-8 length in runes */
static size_t runes(const char *s, size_t n)
{
	size_t r = 0;

	for (size_t i = 0; i < n; i++)
		r += ((unsigned char)s[i] & 0xc0) != 0x80;
	return r;
}

/* the byte length of the first max runes of s */
static size_t rune_prefix(const char *s, size_t n, size_t max)
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
	return ret_string(k, xasprintf("%*s%s%*s", (int)(pre > 0 ? pre : 0), "", s,
				       (int)(post > 0 ? post : 0), ""),
			  ret);
}

/* Go's print/println: operands separated by a space when neither is a string */
static int fn_print(struct call *k, json_t **ret, bool ln)
{
	struct buf b = { 0 };

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

/* strconv.Quote */
static void go_quote(struct buf *b, const char *s, size_t n)
{
	buf_puts(b, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"': buf_puts(b, "\\\""); continue;
		case '\\': buf_puts(b, "\\\\"); continue;
		case '\a': buf_puts(b, "\\a"); continue;
		case '\b': buf_puts(b, "\\b"); continue;
		case '\f': buf_puts(b, "\\f"); continue;
		case '\n': buf_puts(b, "\\n"); continue;
		case '\r': buf_puts(b, "\\r"); continue;
		case '\t': buf_puts(b, "\\t"); continue;
		case '\v': buf_puts(b, "\\v"); continue;
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
	struct buf t = { 0 };
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
		buf_printf(&t, sp->plus ? "%+lld" : sp->space ? "% lld" : "%lld",
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

static int fn_printf(struct call *k, json_t **ret)
{
	struct buf b = { 0 };
	const char *f;
	size_t argi = 1;
	int r;

	if (k->argc < 1)
		return want_args(k, 1);
	r = want_string(k, 0, &f, NULL);
	if (r < 0)
		return r;
	while (*f) {
		struct spec sp = { .width = -1, .prec = -1 };
		char verb;

		if (*f != '%') {
			const char *pct = strchr(f, '%');
			size_t n = pct ? (size_t)(pct - f) : strlen(f);

			buf_add(&b, f, n);
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
			if (argi < k->argc && json_is_integer(k->argv[argi]))
				w = json_integer_value(k->argv[argi]);
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
				if (argi < k->argc && json_is_integer(k->argv[argi]))
					sp.prec = (int)json_integer_value(k->argv[argi]);
				argi++;
			} else {
				while (isdigit((unsigned char)*f))
					sp.prec = sp.prec * 10 + (*f++ - '0');
			}
		}
		if (!*f) {
			buf_puts(&b, "%!(NOVERB)");
			break;
		}
		verb = *f++;
		if (verb == '%') {
			buf_puts(&b, "%");
			continue;
		}
		if (argi >= k->argc) {
			buf_printf(&b, "%%!%c(MISSING)", verb);
			continue;
		}
		format_one(&b, &sp, verb, k->argv[argi++]);
	}
	if (argi < k->argc) {
		buf_puts(&b, "%!(EXTRA ");
		for (size_t i = argi; i < k->argc; i++) {
			if (i > argi)
				buf_puts(&b, ", ");
			if (!k->argv[i] || json_is_null(k->argv[i])) {
				buf_puts(&b, "<nil>");
				continue;
			}
			buf_printf(&b, "%s=", go_type(k->argv[i]));
			print_value(&b, k->argv[i]);
		}
		buf_puts(&b, ")");
	}
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
	{ "and", NULL },	  { "eq", fn_eq },	   { "ge", fn_ge },
	{ "gt", fn_gt },	  { "index", fn_index },   { "join", fn_join },
	{ "json", fn_json },	  { "le", fn_le },	   { "len", fn_len },
	{ "lower", fn_lower },	  { "lt", fn_lt },	   { "ne", fn_ne },
	{ "not", fn_not },	  { "or", NULL },	   { "pad", fn_pad },
	{ "print", fn_print0 },	  { "printf", fn_printf }, { "println", fn_println },
	{ "split", fn_split },	  { "title", fn_title },   { "truncate", fn_truncate },
	{ "upper", fn_upper },
};

static const struct function *function_find(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(functions); i++)
		if (streq(functions[i].name, name))
			return &functions[i];
	return NULL;
}

static bool function_exists(const char *name)
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
	struct call k = { .x = x, .c = c, .name = fn->name, .argv = argv, .argc = argc };
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
	struct buf b = { 0 };

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

		r = exec_error(x, EINVAL, pp->cmds[0]->pos, last->pos + last->len - pp->cmds[0]->pos,
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
	struct exec x = { .t = t, .out = out, .err = err };
	int r;

	if (push_var(&x, "$", dot) < 0)
		return berth_error_set(err, ENOMEM, "template");
	r = walk_list(&x, t->root, dot);
	pop_vars(&x, 0);
	free(x.vars);
	return r;
}
