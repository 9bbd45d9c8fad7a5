#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
tests/structure/check-errors.py: no holes in the error chain.

In lib/ (and cli/, whose commands take err too), a function whose parameter list has `struct berth_error **err` must fill *err on
every failure it returns (berth_error_set / berth_error_new / berth_error_wrap, or a call
that takes err and so fills it). Otherwise the user reads "berth: unknown error".

This is a small C statement parser, not a compiler; it flags, in such functions:

  - `return -EXXX;` and `return -errno;` (also as a branch of `?:`) that no statement
    before them in the same block (nor the condition of the `if` they belong to, nor a
    call taking err that set what that condition tests) fills the chain in;
  - `return r;` (any plain variable) and `return berth_error_wrap(err, ...)` right after
    `r = -EXXX;` or a call that does not take err, or inside an `if (...r...)` whose r
    was set so;
  - the same through a `goto out;`, which counts as the return that ends `out:`'s code.

It does not follow values through loops or across several assignments: it keeps the
common holes from coming back, it does not prove there are none.

A return that is fine (the callee fills err though it is not passed by name) may say so
with the comment `/* err: set by callee */` on its line (any `/* err: <why> */` comment
is taken, e.g. `/* err: unset on purpose, the caller falls back */`). Prints each hole as
"file:line: function" and exits 1 if there is any.

Usage: check-errors.py [-q] [FILE|DIR...]   (default: lib/ and cli/ of the source tree)
"""
import os
import re
import sys

OPT_OUT = "err: set by callee"
OPT_OUT_RE = re.compile(r"/\*\s*err:")  # also /* err: unset on purpose, <why> */
SETTERS = {"berth_error_set", "berth_error_new", "berth_error_wrap", "berth_error_vwrap"}
KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "do", "else", "case",
            "default", "goto", "break", "continue", "_Alignof", "__typeof__", "typeof",
            "alignof", "offsetof", "__builtin_offsetof", "va_arg"}

TOKEN_RE = re.compile(r"""
    (?P<ws>[ \t\r\f\v]+) |
    (?P<nl>\n) |
    (?P<comment>/\*.*?\*/|//[^\n]*) |
    (?P<pp>^[ \t]*\#(?:[^\n\\]|\\.|\\\n)*) |
    (?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*') |
    (?P<id>[A-Za-z_]\w*) |
    (?P<num>\.?\d(?:[\w.]|[eEpP][+-])*) |
    (?P<op>->|\+\+|--|<<=|>>=|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|\.\.\.|[^\s])
""", re.X | re.S | re.M)


class Tok:
    __slots__ = ("kind", "text", "line")

    def __init__(self, kind, text, line):
        self.kind, self.text, self.line = kind, text, line

    def __repr__(self):
        return f"{self.text}@{self.line}"


def tokenize(src):
    toks, line = [], 1
    for m in TOKEN_RE.finditer(src):
        kind, text = m.lastgroup, m.group()
        if kind in ("id", "num", "str", "op"):
            toks.append(Tok(kind, text, line))
        line += text.count("\n")
    return toks


def match_close(toks, i):
    """Index of the bracket closing toks[i]."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    opening, closing, depth = toks[i].text, pairs[toks[i].text], 0
    for j in range(i, len(toks)):
        t = toks[j].text
        if t == opening:
            depth += 1
        elif t == closing:
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


# --- statements -------------------------------------------------------------------
# A statement is a dict: kind ("block", "if", "loop", "switch", "do", "return", "expr",
# "label", "jump"), first/last token index, and for compounds: cond (token range),
# body (list of statements or a statement), orelse.


def parse_block(toks, i, end):
    """Statements in toks[i:end]."""
    out = []
    while i < end:
        st, i = parse_stmt(toks, i, end)
        if st:
            out.append(st)
    return out


def parse_stmt(toks, i, end):
    t = toks[i]
    if t.text == "{":
        j = match_close(toks, i)
        return {"kind": "block", "first": i, "last": j,
                "body": parse_block(toks, i + 1, j)}, j + 1
    if t.text == ";":
        return None, i + 1
    if t.kind == "id" and t.text in ("if", "while", "for", "switch") and i + 1 < end \
            and toks[i + 1].text == "(":
        c = match_close(toks, i + 1)
        body, k = parse_stmt(toks, c + 1, end)
        st = {"kind": "if" if t.text == "if" else ("switch" if t.text == "switch" else "loop"),
              "first": i, "cond": (i + 2, c), "body": body, "orelse": None}
        if t.text == "if" and k < end and toks[k].text == "else":
            st["orelse"], k = parse_stmt(toks, k + 1, end)
        st["last"] = k - 1
        return st, k
    if t.text == "do":
        body, k = parse_stmt(toks, i + 1, end)
        # while (...) ;
        if k < end and toks[k].text == "while":
            c = match_close(toks, k + 1)
            k = c + 1
            if k < end and toks[k].text == ";":
                k += 1
        return {"kind": "do", "first": i, "last": k - 1, "body": body, "cond": None}, k
    if t.text in ("case", "default"):
        k, depth = i + 1, 0
        while k < end and not (toks[k].text == ":" and depth == 0):
            if toks[k].text in "([":
                depth += 1
            elif toks[k].text in ")]":
                depth -= 1
            k += 1
        return {"kind": "label", "first": i, "last": k}, k + 1
    if t.kind == "id" and i + 1 < end and toks[i + 1].text == ":" and t.text not in KEYWORDS:
        return {"kind": "label", "first": i, "last": i + 1}, i + 2
    # a simple statement: up to ';' outside brackets
    k = i
    while k < end and toks[k].text != ";":
        if toks[k].text in "([{":
            k = match_close(toks, k)
        k += 1
    kind = "expr"
    if t.text == "return":
        kind = "return"
    elif t.text in ("goto", "break", "continue"):
        kind = "jump"
    return {"kind": kind, "first": i, "last": k}, k + 1


# --- analysis ---------------------------------------------------------------------

def calls(toks, a, b):
    """(name, args range) of every call in toks[a:b]."""
    out = []
    for k in range(a, b):
        if toks[k].kind == "id" and k + 1 < b and toks[k + 1].text == "(" \
                and toks[k].text not in KEYWORDS:
            c = match_close(toks, k + 1)
            out.append((toks[k].text, k + 2, c))
    return out


class Func:
    def __init__(self, path, name, errname, toks, lines):
        self.path, self.name, self.errname, self.toks, self.lines = path, name, errname, toks, lines
        self.holes = []

    def sets_chain(self, a, b):
        """Whether toks[a:b] has a call that fills the chain."""
        for name, x, y in calls(self.toks, a, b):
            if name in SETTERS:
                return True
            if any(self.toks[k].text in self.carriers for k in range(x, y)):
                return True
        for k in range(a + 1, b - 1):  # *err = e;
            if self.toks[k].text == self.errname and self.toks[k - 1].text == "*" and \
                    self.toks[k + 1].text == "=":
                return True
        return False

    def find_carriers(self, a, b):
        """err, and the locals that carry it: struct parser p = {.err = err}."""
        toks = self.toks
        self.carriers = {self.errname}
        for k in range(a, b - 1):
            if toks[k].kind == "id" and toks[k + 1].text == "=" and \
                    toks[k - 1].text not in (".", "->"):
                j, depth = k + 2, 0
                while j < b:
                    tx = toks[j].text
                    if tx in "([{":
                        depth += 1
                    elif tx in ")]}":
                        depth -= 1
                        if depth < 0:
                            break
                    elif tx in (",", ";") and depth == 0:
                        break
                    if tx == self.errname and toks[j - 1].text not in (".", "->"):
                        self.carriers.add(toks[k].text)
                    j += 1

    def range_of(self, st):
        return st["first"], st["last"] + 1

    def assigned_without_err(self, st, var):
        """st assigns var from a call not taking err, or from -errno / -EXXX."""
        toks = self.toks
        a, b = self.range_of(st)
        if st["kind"] not in ("expr", "return") and self.sets_chain(a, b):
            return False
        for k in range(a, b - 1):
            if toks[k].text == var and toks[k + 1].text == "=" and \
                    (k == a or toks[k - 1].text not in (".", "->")):
                rhs = (k + 2, b)
                # up to the next ',' at depth 0 (declarations: int r = f(), k = 0;)
                j, depth = rhs[0], 0
                while j < b:
                    tx = toks[j].text
                    if tx in "([{":
                        depth += 1
                    elif tx in ")]}":
                        depth -= 1
                    elif tx in (",", ";") and depth == 0:
                        break
                    j += 1
                rhs = (rhs[0], j)
                if self.sets_chain(*rhs):
                    return False
                cs = calls(toks, *rhs)
                if cs:
                    return True
                texts = [toks[x].text for x in range(*rhs)]
                if len(texts) == 2 and texts[0] == "-" and \
                        (texts[1] == "errno" or re.fullmatch(r"E[A-Z0-9]+", texts[1])):
                    return True
                return False
        return None

    def opted_out(self, line):
        return bool(OPT_OUT_RE.search(self.lines[line - 1])) if 0 < line <= len(self.lines) \
            else False

    def hole(self, st):
        line = self.toks[st["first"]].line
        if not self.opted_out(line):
            self.holes.append(line)

    def walk(self, stmts, ctx):
        """stmts: a statement list (block); ctx: list of (if statement, index of the if
        in its parent list, parent list) from the innermost out."""
        for idx, st in enumerate(stmts):
            self.visit(st, stmts, idx, ctx)

    def visit(self, st, parent, idx, ctx):
        if st is None:
            return
        kind = st["kind"]
        if kind == "block":
            self.walk(st["body"], ctx)
            return
        if kind in ("if", "loop", "switch"):
            inner = ctx + [(st, parent, idx)] if kind == "if" else ctx + [(None, None, None)]
            self.visit_child(st["body"], inner)
            if st.get("orelse") is not None:
                self.visit_child(st["orelse"], inner)
            return
        if kind == "do":
            self.visit_child(st["body"], ctx + [(None, None, None)])
            return
        if kind == "return":
            self.check_return(st, parent, idx, ctx)
        elif kind == "jump" and self.toks[st["first"]].text == "goto":
            # goto out; ... out: ...; return r;  is a return of r from here
            ret = self.label_returns.get(self.toks[st["first"] + 1].text)
            if ret is not None:
                self.check_return(st, parent, idx, ctx, ret)

    def visit_child(self, body, ctx):
        if body is None:
            return
        if body["kind"] == "block":
            self.walk(body["body"], ctx)
        else:
            self.visit(body, [body], 0, ctx)

    def preceding_sets(self, parent, idx):
        """A statement before parent[idx], after the last label, fills the chain."""
        for prev in reversed(parent[:idx]):
            if prev["kind"] == "label":
                return False
            if self.sets_chain(*self.range_of(prev)):
                return True
        return False

    def tests_filled(self, ifst, parent, idx):
        """The if tests a variable the statement before it set from a call taking err:
        a = archive_open_layer(fd, err); if (!a) return -EINVAL;"""
        if idx is None or idx == 0:
            return False
        c0, c1 = ifst["cond"]
        a, b = self.range_of(parent[idx - 1])
        if not self.sets_chain(a, b):
            return False
        cond = {self.toks[k].text for k in range(c0, c1) if self.toks[k].kind == "id"}
        for k in range(a, b):
            if self.toks[k].text == "=":
                return any(self.toks[j].text in cond for j in range(a, k))
        return False

    def find_label_returns(self, stmts):
        """label -> the return statement that ends its code (only a plain variable or a
        wrap: `out: ...; return r;`), over every statement list of the body."""
        for i, st in enumerate(stmts):
            if st is None:
                continue
            if st["kind"] == "label" and self.toks[st["first"]].kind == "id" and \
                    self.toks[st["first"]].text not in ("case", "default"):
                for nxt in stmts[i + 1:]:
                    if nxt["kind"] == "return":
                        a, b = nxt["first"] + 1, nxt["last"]
                        texts = [self.toks[k].text for k in range(a, b)]
                        if (len(texts) == 1 and self.toks[a].kind == "id") or \
                                (texts and texts[0] in ("berth_error_wrap", "berth_error_vwrap")):
                            self.label_returns[self.toks[st["first"]].text] = nxt
                        break
                    if nxt["kind"] == "jump":
                        if self.toks[nxt["first"]].text == "goto":
                            self.label_alias[self.toks[st["first"]].text] = \
                                self.toks[nxt["first"] + 1].text
                        break
            if st["kind"] == "block":
                self.find_label_returns(st["body"])
                continue
            for sub in (st.get("body"), st.get("orelse")):
                if sub is not None:
                    self.find_label_returns(sub["body"] if sub["kind"] == "block" else [sub])

    def check_return(self, st, parent, idx, ctx, ret=None):
        """st: a return, or a goto to the label whose return is ret."""
        toks = self.toks
        ret = ret or st
        a, b = ret["first"] + 1, ret["last"]  # the expression, without ';'
        expr = [toks[k].text for k in range(a, b)]
        if self.opted_out(toks[st["first"]].line):
            return
        if self.preceding_sets(parent, idx):
            return
        ifst, ifparent, ifidx = ctx[-1] if ctx else (None, None, None)
        if ifst is not None and self.sets_chain(*ifst["cond"]):
            return
        if ifst is not None and self.tests_filled(ifst, ifparent, ifidx):
            return
        # -EXXX or -errno, alone or in a conditional: return p ? 0 : -ENOMEM;
        for k in range(a, b - 1):
            if toks[k].text == "-" and toks[k - 1].text in ("return", "?", ":", "(") and \
                    (toks[k + 1].text == "errno" or re.fullmatch(r"E[A-Z0-9]+", toks[k + 1].text)):
                if not self.sets_chain(a, b):
                    self.hole(st)
                return
        var = None
        if len(expr) == 1 and toks[a].kind == "id" and expr[0] not in ("NULL", "true", "false"):
            var = expr[0]
        elif len(expr) >= 3 and expr[0] in ("berth_error_wrap", "berth_error_vwrap"):
            var = "?"
        if var is None:
            return
        # r = -ENOMEM; goto out;   or   r = leaf(x); return r;
        if idx > 0 and var != "?" and self.assigned_without_err(parent[idx - 1], var):
            self.hole(st)
            return
        if ifst is None:
            return
        # the variable the if tests
        c0, c1 = ifst["cond"]
        cond_ids = [toks[k].text for k in range(c0, c1) if toks[k].kind == "id"]
        if var == "?":
            cands = [x for x in cond_ids if x in ("r", "k", "ret", "q", "rc")]
            if not cands:
                return
            var = cands[0]
        elif var not in cond_ids:
            return
        # assigned in the condition: if ((r = f(x)) < 0)
        fake = {"kind": "expr", "first": c0, "last": c1 - 1}
        res = self.assigned_without_err(fake, var)
        # else the last statement before the if that assigns it
        k = ifidx - 1 if ifidx is not None else -1
        while res is None and k >= 0:
            res = self.assigned_without_err(ifparent[k], var)
            k -= 1
        if res:
            self.hole(st)


def functions(path, src):
    toks = tokenize(src)
    lines = src.split("\n")
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        if t.text == "{":
            j = match_close(toks, i)
            if i > 0 and toks[i - 1].text == ")":
                # a function definition? find the parameter list
                p1 = i - 1
                depth = 0
                p0 = p1
                while p0 >= 0:
                    if toks[p0].text == ")":
                        depth += 1
                    elif toks[p0].text == "(":
                        depth -= 1
                        if depth == 0:
                            break
                    p0 -= 1
                # __attribute__((...)) after the parameter list is not used in lib/
                name = toks[p0 - 1].text if p0 > 0 and toks[p0 - 1].kind == "id" else None
                params = " ".join(x.text for x in toks[p0 + 1:p1])
                m = re.search(r"struct berth_error \* \* (\w+)", params)
                if name and m and name not in KEYWORDS:
                    yield Func(path, name, m.group(1), toks, lines), (i, j)
            i = j + 1
            continue
        i += 1


def check_file(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        src = f.read()
    holes = []
    for fn, (a, b) in functions(path, src):
        fn.find_carriers(a + 1, b)
        body = parse_block(fn.toks, a + 1, b)
        fn.label_returns, fn.label_alias = {}, {}
        fn.find_label_returns(body)
        for label, to in fn.label_alias.items():  # fail: ...; goto out;
            if label not in fn.label_returns and to in fn.label_returns:
                fn.label_returns[label] = fn.label_returns[to]
        fn.walk(body, [])
        holes += [(line, fn.name) for line in fn.holes]
    return sorted(holes)


def main(argv):
    quiet = "-q" in argv
    args = [a for a in argv if a != "-q"]
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if not args:
        args = [os.path.join(src, "lib"), os.path.join(src, "cli")]
    files = []
    for a in args:
        if os.path.isdir(a):
            for root, _, names in os.walk(a):
                files += [os.path.join(root, x) for x in names if x.endswith(".c")]
        else:
            files.append(a)
    total = 0
    for path in sorted(files):
        rel = os.path.relpath(path, src) if path.startswith(src) else path
        for line, name in check_file(path):
            print(f"{rel}:{line}: {name}")
            total += 1
    if total:
        print(f"check-errors: {total} error return(s) leave the error chain unset "
              f"(fill it with berth_error_set/new/wrap, or mark /* {OPT_OUT} */)",
              file=sys.stderr)
        return 1
    if not quiet:
        print(f"check-errors: {len(files)} files, no holes in the error chain")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
