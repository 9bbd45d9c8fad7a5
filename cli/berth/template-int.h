/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the three files of the CLI's Go text/template share (template.h is the
 * interface): the parsed tree (template.c parses, template-exec.c walks it) and Go's
 * printing of values (template-print.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "template.h"

/* --- tokens --- */

enum tok_type {
	T_TEXT,
	T_LEFT,	   /* {{ */
	T_RIGHT,   /* }} */
	T_FIELD,   /* .Name (name without the dot) */
	T_DOT,	   /* . */
	T_VAR,	   /* $name or $ */
	T_IDENT,   /* a function's name */
	T_KEYWORD, /* if else end range with define template block break continue */
	T_STRING,  /* "..." or `...` (decoded) */
	T_CHAR,	   /* 'x' (its code point in num) */
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
	size_t pos, len;   /* source, for "at <...>" */
	size_t chain_pos;  /* where Go places the field chain's node */
	const char *name;  /* function or variable name */
	json_t *lit;	   /* string, number and bool literals */
	struct pipe *pipe; /* (pipeline) */
	char **fields;	   /* the field chain after the term */
	size_t n_fields;
};

struct cmd {
	size_t pos, len;
	struct arg **args;
	size_t n;
};

struct pipe {
	size_t pos;
	bool decl;	   /* := (else =) */
	const char **vars; /* 0, 1 or (range) 2 */
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

/* line of a byte offset of the template, from 1 */
unsigned line_of(const char *text, size_t pos);

/* whether name is a function templates may call (template-exec.c) */
bool function_exists(const char *name);

/* --- printing (template-print.c) --- */

/* a growing string; oom once an allocation failed (then buf_take gives NULL) */
struct buf {
	char *s;
	size_t n, cap;
	bool oom;
};

void buf_add(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *buf_take(struct buf *b);

/* Go's fmt %v of v (null: <nil>) */
void print_value(struct buf *b, json_t *v);
/* strconv.FormatFloat(d, 'g', -1, 64), or with json encoding/json's form */
void format_float(struct buf *b, double d, bool json);
/* an object's keys, sorted; malloc'd (the strings are the object's) */
const char **sorted_keys(json_t *o, size_t *ret_n);
/* Go's name of the type encoding/json decodes v into ("string", "float64"...) */
const char *go_type(json_t *v);
/* strconv.Quote */
void go_quote(struct buf *b, const char *s, size_t n);
/* fmt.Sprintf(f, argv...) as Go prints our values, its %!verb complaints included */
void tmpl_sprintf(struct buf *b, const char *f, json_t *const *argv, size_t argc);
/* UTF-8: a code point written at o (its length), runes in s[0..n), the bytes of the first
 * max runes */
size_t utf8_put(char *o, uint32_t cp);
size_t runes(const char *s, size_t n);
size_t rune_prefix(const char *s, size_t n, size_t max);
