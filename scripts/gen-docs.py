#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bash, zsh and fish completions and man pages for berth, generated from its own help.

    gen-docs.py BERTH OUTDIR

runs `BERTH --help`, `BERTH VERB --help` for each verb and `BERTH GROUP SUB --help` for
each sub-verb of a group (container, image, network, volume, system), and writes
OUTDIR/berth (a bash completion), OUTDIR/_berth (zsh's), OUTDIR/berth.fish (fish's) and
OUTDIR/man/berth.1, OUTDIR/man/berth-VERB.1,
OUTDIR/man/berth-GROUP-SUB.1. The help is the one table: what `--help` says is what is
completed and what the man page documents.
"""
import datetime
import os
import re
import subprocess
import sys

OPTION = re.compile(r"^\s{1,6}(?:-(?P<short>\w), )?--(?P<long>[\w-]+)(?P<opt>\[=\S+\])?(?P<arg>[ =]\S+)?\s*(?P<desc>.*)$")
COMMAND = re.compile(r"^  (?P<name>[a-z][\w-]*)\s{2,}(?P<desc>\S.*)$")

# verbs whose operands are containers, images, volumes or networks
CONTAINER_VERBS = {
    "attach", "commit", "cp", "diff", "exec", "export", "inspect", "kill", "logs", "pause",
    "port", "rename", "restart", "rm", "start", "stats", "stop", "top", "unpause", "update",
    "wait",
}
IMAGE_VERBS = {"create", "history", "push", "rmi", "run", "save", "tag"}


def help_of(berth, args):
    p = subprocess.run([berth, *args, "--help"], capture_output=True, text=True,
                       env={**os.environ, "LC_ALL": "C"}, check=False)
    if p.returncode != 0:
        sys.exit(f"gen-docs: berth {' '.join(args)} --help: exit {p.returncode}: {p.stderr}")
    return p.stdout


def parse(text):
    """(usage line, description, [(short, long, arg, desc)], [(command, desc)])"""
    usage, desc, opts, cmds = "", [], [], []
    section = None
    for line in text.splitlines():
        if line.startswith("Usage:"):
            usage = line[len("Usage:"):].strip()
            section = "desc"
            continue
        if re.match(r"^[A-Z][\w ]*:$", line):
            section = line[:-1].lower()
            continue
        if section == "desc":
            if line.strip():
                desc.append(line.strip())
            continue
        m = OPTION.match(line)
        if m and section in ("options", "global options"):
            opts.append((m["short"], m["long"], (m["arg"] or "").strip(" ="), m["desc"].strip()))
            continue
        m = COMMAND.match(line)
        if m and section in ("commands", "management commands"):
            cmds.append((m["name"], m["desc"].strip()))
            continue
        # a description continued on the next line
        if section == "options" and opts and line.startswith(" " * 20) and line.strip():
            s, l, a, d = opts[-1]
            opts[-1] = (s, l, a, (d + " " + line.strip()).strip())
    return usage, " ".join(desc), opts, cmds


def roff(s):
    s = s.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + s if s.startswith((".", "'")) else s


def man_page(name, section_title, usage, desc, opts, cmds, date):
    out = [f'.TH "{name.upper()}" 1 "{date}" "berth" "{section_title}"', ".SH NAME",
           f"{roff(name)} \\- {roff(desc or name)}", ".SH SYNOPSIS", f".B {roff(usage)}"]
    if desc:
        out += [".SH DESCRIPTION", roff(desc)]
    if cmds:
        out.append(".SH COMMANDS")
        for c, d in cmds:
            out += [".TP", f".B {roff(c)}", roff(d)]
    if opts:
        out.append(".SH OPTIONS")
        for s, l, a, d in opts:
            flag = (f"\\fB\\-{s}\\fR, " if s else "") + f"\\fB\\-\\-{roff(l)}\\fR"
            if a:
                flag += f" \\fI{roff(a)}\\fR"
            out += [".TP", flag, roff(d)]
    out += [".SH SEE ALSO", "\\fBberth\\fR(1)" if name != "berth" else "docker(1)", ""]
    return "\n".join(out)


def bash_words(words):
    return " ".join(sorted(set(words)))


def operand_kind(verb, sub=None):
    """What the operands of `berth VERB [SUB]` are: containers, images, volumes, networks
    or nothing ("")."""
    if sub is None:
        return "containers" if verb in CONTAINER_VERBS else "images" if verb in IMAGE_VERBS else ""
    kind = {"container": "containers", "image": "images", "volume": "volumes",
            "network": "networks"}.get(verb, "")
    if verb == "container" and sub in ("ls", "prune", "create", "run"):
        kind = "images" if sub in ("create", "run") else ""
    if sub in ("ls", "prune", "create", "pull", "load", "import") and verb != "container":
        kind = ""
    return kind


# the commands that list the store's names, for operands (--root as the command line has it)
NAME_LISTS = {
    "containers": "ps -a --format '{{.Names}}'",
    "images": "images --format '{{.Repository}}:{{.Tag}}'",
    "volumes": "volume ls -q",
    "networks": "network ls --format '{{.Name}}'",
}


def zsh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def zsh_specs(opts):
    """_describe's NAME:DESCRIPTION entries of flags"""
    out = []
    for s, l, _, d in opts:
        d = d.replace("\n", " ")
        out.append(zsh_quote(f"--{l}:{d}"))
        if s:
            out.append(zsh_quote(f"-{s}:{d}"))
    return " ".join(out)


def zsh_completion(top, verbs, subverbs):
    def argflags(opts):
        return " ".join(sorted({f"--{l}" for _, l, a, _ in opts if a} |
                               {f"-{s}" for s, _, a, _ in opts if s and a}))

    lines = [
        "#compdef berth",
        "# zsh completion for berth, generated from `berth --help` by scripts/gen-docs.py",
        "",
        "# the names in the store the command line names (--root), for operands",
        "_berth_names() {",
        "\tlocal -a b",
        "\tb=($words[1] ${_berth_root:+--root} ${_berth_root:+$_berth_root})",
        "\tcase $1 in",
    ]
    for kind, cmd in NAME_LISTS.items():
        lines.append(f"\t{kind}) $b {cmd} 2>/dev/null | grep -v '<none>' ;;")
    lines += [
        "\tesac",
        "}",
        "",
        "_berth() {",
        "\tlocal i verb='' sub='' argflags='' kind='' _berth_root=''",
        "\tlocal -a flags operands",
        "\tfor ((i = 2; i < CURRENT; i++)); do",
        "\t\t[[ -z $verb && $words[i] == --root ]] && _berth_root=$words[i+1]",
        "\t\tcase $words[i] in",
        f"\t\t{'|'.join(argflags(top[2]).split()) or '--root'}) ((i++)) ;;",
        "\t\t-*) ;;",
        "\t\t*) if [[ -z $verb ]]; then verb=$words[i]; elif [[ -z $sub ]]; then sub=$words[i]; fi ;;",
        "\t\tesac",
        "\tdone",
        "\tcase $verb in",
        f"\t'') flags=({zsh_specs(top[2])})",
        f"\t\toperands=({' '.join(zsh_quote(v + ':' + d) for v, d in top[3])}) ;;",
    ]
    for verb, (opts, subs, cmds) in sorted(verbs.items()):
        if subs:
            lines.append(f"\t{verb})")
            lines.append("\t\tcase $sub in")
            lines.append(f"\t\t'') flags=({zsh_specs(opts)})")
            lines.append(f"\t\t\toperands=({' '.join(zsh_quote(c + ':' + d) for c, d in cmds)}) ;;")
            for s in subs:
                so = subverbs[(verb, s)]
                lines.append(f"\t\t{s}) flags=({zsh_specs(so)}); argflags='{argflags(so)}'; "
                             f"kind='{operand_kind(verb, s)}' ;;")
            lines.append("\t\tesac ;;")
            continue
        lines.append(f"\t{verb}) flags=({zsh_specs(opts)}); argflags='{argflags(opts)}'; "
                     f"kind='{operand_kind(verb)}' ;;")
    lines += [
        "\tesac",
        "\t# a flag's value: files for the ones that take a path, else nothing to offer",
        "\tif [[ -n $argflags && \" $argflags \" == *\" $words[CURRENT-1] \"* ]]; then",
        "\t\t_files",
        "\telif [[ $PREFIX == -* ]]; then",
        "\t\t_describe -t options 'option' flags",
        "\telif [[ -n $kind ]]; then",
        "\t\toperands=(${(f)\"$(_berth_names $kind)\"})",
        "\t\tcompadd -a operands",
        "\telse",
        "\t\t_describe -t commands 'command' operands",
        "\tfi",
        "}",
        "",
        "_berth \"$@\"",
        "",
    ]
    return "\n".join(lines)


def fish_quote(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def fish_completion(top, verbs, subverbs):
    global_argflags = sorted({f"--{l}" for _, l, a, _ in top[2] if a} |
                             {f"-{s}" for s, _, a, _ in top[2] if s and a}) or ["--root"]
    lines = [
        "# fish completion for berth, generated from `berth --help` by scripts/gen-docs.py",
        "",
        "# the verb and sub-verb of the command line (the global flags and their values",
        "# skipped), one a line",
        "function __berth_words",
        "    set -l words (commandline -opc)",
        "    set -e words[1]",
        "    set -l out",
        "    while set -q words[1]",
        "        switch $words[1]",
        f"            case {' '.join(global_argflags)}",
        "                set -e words[1]",
        "            case '-*'",
        "            case '*'",
        "                set -a out $words[1]",
        "        end",
        "        set -e words[1]",
        "    end",
        "    set -q out[3]; and set out $out[1..2]",
        "    string join \\n -- $out",
        "end",
        "",
        "# __berth_at [VERB [SUB]]: the command line is at VERB (and SUB): no verb yet without",
        "# one, VERB without its sub-verb when SUB is '-'",
        "function __berth_at",
        "    set -l w (__berth_words)",
        "    switch (count $argv)",
        "        case 0",
        "            test (count $w) -eq 0",
        "        case 1",
        "            test \"$w[1]\" = $argv[1]",
        "        case '*'",
        "            if test $argv[2] = -",
        "                test \"$w[1]\" = $argv[1]; and test (count $w) -eq 1",
        "            else",
        "                test \"$w[1]\" = $argv[1]; and test \"$w[2]\" = $argv[2]",
        "            end",
        "    end",
        "end",
        "",
        "# the names in the store the command line names (--root), for operands",
        "function __berth_names",
        "    set -l words (commandline -opc)",
        "    set -l b $words[1]",
        "    set -l i (contains -i -- --root $words)",
        "    and set -a b --root $words[(math $i + 1)]",
        "    command -q $b[1]; or return",
        "    switch $argv[1]",
    ]
    for kind, cmd in NAME_LISTS.items():
        lines += [f"        case {kind}", f"            $b {cmd} 2>/dev/null | string match -v '*<none>*'"]
    lines += ["    end", "end", "", "complete -c berth -f"]

    def flag_lines(cond, opts):
        out = []
        for s, l, a, d in opts:
            line = f"complete -c berth -n {fish_quote(cond)}"
            if s:
                line += f" -s {s}"
            line += f" -l {l}"
            if a:
                line += " -r -F"
            out.append(line + f" -d {fish_quote(d)}")
        return out

    lines += flag_lines("__berth_at", top[2])
    for v, d in top[3]:
        lines.append(f"complete -c berth -n __berth_at -a {v} -d {fish_quote(d)}")
    for verb, (opts, subs, cmds) in sorted(verbs.items()):
        if subs:
            lines += flag_lines(f"__berth_at {verb} -", opts)
            for c, d in cmds:
                lines.append(f"complete -c berth -n {fish_quote('__berth_at ' + verb + ' -')} -a {c} "
                             f"-d {fish_quote(d)}")
            for s in subs:
                cond = f"__berth_at {verb} {s}"
                lines += flag_lines(cond, subverbs[(verb, s)])
                kind = operand_kind(verb, s)
                if kind:
                    lines.append(f"complete -c berth -n {fish_quote(cond)} -a "
                                 f"{fish_quote('(__berth_names ' + kind + ')')}")
            continue
        cond = f"__berth_at {verb}"
        lines += flag_lines(cond, opts)
        kind = operand_kind(verb)
        if kind:
            lines.append(f"complete -c berth -n {fish_quote(cond)} -a "
                         f"{fish_quote('(__berth_names ' + kind + ')')}")
    lines.append("")
    return "\n".join(lines)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    berth, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.join(outdir, "man"), exist_ok=True)
    # reproducible: the date of the sources, not of the build
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0")) or None
    date = datetime.datetime.fromtimestamp(epoch or 0, datetime.timezone.utc).strftime("%Y-%m-%d") \
        if epoch else "berth"

    top = parse(help_of(berth, []))
    verbs = {}      # verb -> (opts, subcommands)
    subverbs = {}   # (group, sub) -> opts
    pages = {"berth": man_page("berth", "berth manual", top[0], top[1], top[2], top[3], date)}
    for verb, vdesc in top[3]:
        usage, desc, opts, cmds = parse(help_of(berth, [verb]))
        verbs[verb] = (opts, [c for c, _ in cmds], cmds)
        pages[f"berth-{verb}"] = man_page(f"berth-{verb}", "berth manual", usage, desc or vdesc,
                                          opts, cmds, date)
        for sub, sdesc in cmds:
            su, sd, so, _ = parse(help_of(berth, [verb, sub]))
            subverbs[(verb, sub)] = so
            pages[f"berth-{verb}-{sub}"] = man_page(f"berth-{verb}-{sub}", "berth manual", su,
                                                    sd or sdesc, so, [], date)
    for name, text in pages.items():
        with open(os.path.join(outdir, "man", name + ".1"), "w") as f:
            f.write(text)

    def flags(opts):
        return bash_words([f"--{l}" for _, l, _, _ in opts] + [f"-{s}" for s, _, _, _ in opts if s])

    def with_arg(opts):
        return bash_words([f"--{l}" for _, l, a, _ in opts if a] + [f"-{s}" for s, _, a, _ in opts if s and a])

    lines = [
        "# bash completion for berth, generated from `berth --help` by scripts/gen-docs.py",
        "",
        "# the names in the store the command line names (--root), for operands",
        "_berth_names() {",
        "\tlocal what=$1 b=(\"${COMP_WORDS[0]}\" ${_berth_root:+--root \"$_berth_root\"})",
        "\tcase $what in",
        "\tcontainers) \"${b[@]}\" ps -a --format '{{.Names}}' 2>/dev/null ;;",
        "\timages) \"${b[@]}\" images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep -v '<none>' ;;",
        "\tvolumes) \"${b[@]}\" volume ls -q 2>/dev/null ;;",
        "\tnetworks) \"${b[@]}\" network ls --format '{{.Name}}' 2>/dev/null ;;",
        "\tesac",
        "}",
        "",
        "_berth() {",
        "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}",
        "\tlocal i verb='' sub='' flags='' argflags='' operands='' kind='' _berth_root=''",
        "\tfor ((i = 1; i < COMP_CWORD; i++)); do",
        "\t\t[[ -z $verb && ${COMP_WORDS[i]} == --root ]] && _berth_root=${COMP_WORDS[i+1]}",
        "\t\tcase ${COMP_WORDS[i]} in",
        f"\t\t{'|'.join(sorted(with_arg(top[2]).split())) or '--root'}) ((i++)) ;;",
        "\t\t-*) ;;",
        "\t\t*) if [[ -z $verb ]]; then verb=${COMP_WORDS[i]}; elif [[ -z $sub ]]; then sub=${COMP_WORDS[i]}; fi ;;",
        "\t\tesac",
        "\tdone",
        "\tcase $verb in",
        f"\t'') flags='{flags(top[2])}'; operands='{bash_words(v for v, _ in top[3])}' ;;",
    ]
    for verb, (opts, subs, _) in sorted(verbs.items()):
        if subs:
            lines.append(f"\t{verb})")
            lines.append("\t\tcase $sub in")
            lines.append(f"\t\t'') flags='{flags(opts)}'; operands='{bash_words(subs)}' ;;")
            for sub in subs:
                so = subverbs[(verb, sub)]
                kind = operand_kind(verb, sub)
                lines.append(f"\t\t{sub}) flags='{flags(so)}'; argflags='{with_arg(so)}'"
                             + (f"; kind={kind}" if kind else "") + " ;;")
            lines.append("\t\tesac ;;")
            continue
        kind = operand_kind(verb)
        lines.append(f"\t{verb}) flags='{flags(opts)}'; argflags='{with_arg(opts)}'"
                     + (f"; kind={kind}" if kind else "") + " ;;")
    lines += [
        "\tesac",
        "\t# a flag's value: files for the ones that take a path, else nothing to offer",
        "\tif [[ -n $argflags && \" $argflags \" == *\" $prev \"* ]]; then",
        "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))",
        "\t\treturn",
        "\tfi",
        "\tif [[ $cur == -* ]]; then",
        "\t\tCOMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))",
        "\telse",
        "\t\t# the store's names only when they are asked for: listing them runs berth",
        "\t\t[[ -n $kind ]] && operands=$(_berth_names $kind)",
        "\t\tCOMPREPLY=($(compgen -W \"$operands\" -- \"$cur\"))",
        "\tfi",
        "}",
        "complete -F _berth berth",
        "",
    ]
    with open(os.path.join(outdir, "berth"), "w") as f:
        f.write("\n".join(lines))
    with open(os.path.join(outdir, "_berth"), "w") as f:
        f.write(zsh_completion(top, verbs, subverbs))
    with open(os.path.join(outdir, "berth.fish"), "w") as f:
        f.write(fish_completion(top, verbs, subverbs))


if __name__ == "__main__":
    main()
