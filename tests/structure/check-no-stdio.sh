#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/structure/check-no-stdio.sh [TREE] — the library never prints and never reads
# stdin (docs/architecture.md): what lib/ writes or reads goes through the file
# descriptors and callbacks its callers pass in, so that a server can call it for many
# requests at once. Fails (exit 1), naming file:line, where a lib/ source (.c, .h) uses
#
#   - STDIN_FILENO, STDOUT_FILENO or STDERR_FILENO;
#   - stdin, stdout or stderr (fprintf(stderr, ...), fputs(s, stdout), fileno(stdin), ...);
#   - printf, vprintf, puts, putchar, perror, getchar, scanf, vscanf (stdout, stderr and
#     stdin implied), or err/errx/warn/warnx/error (err.h and glibc's, to stderr);
#   - dprintf, vdprintf, read, write, loop_read, loop_write (and p-, -v variants) on a
#     literal descriptor 0, 1 or 2.
#
# Comments and string and character literals are not looked at ("stdout" as a log's
# stream name is no use of stdout). A child between fork and exec that reports its exec
# failure writes to a descriptor its parent gave it, by name, not to 2.
#
# TREE defaults to the source tree this script is in.
set -uo pipefail

tree=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
if [[ ! -d "$tree/lib" ]]; then
	echo "check-no-stdio: no lib/ in '$tree'" >&2
	exit 2
fi
cd "$tree" || exit 2

mapfile -t files < <(find lib -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort)
((${#files[@]} > 0)) || { echo "check-no-stdio: no sources under lib/" >&2; exit 2; }

awk '
function strip(line,    out, i, n, c, c2, q) {
	out = ""; i = 1; n = length(line)
	while (i <= n) {
		c = substr(line, i, 1); c2 = substr(line, i, 2)
		if (in_comment) {
			if (c2 == "*/") { in_comment = 0; out = out "  "; i += 2 }
			else { out = out " "; i++ }
			continue
		}
		if (c2 == "/*") { in_comment = 1; out = out "  "; i += 2; continue }
		if (c2 == "//") break
		if (c == "\"" || c == "\047") {
			q = c; out = out q; i++
			while (i <= n) {
				c = substr(line, i, 1)
				if (c == "\\") { out = out "  "; i += 2; continue }
				if (c == q) break
				out = out " "; i++
			}
			out = out q; i++
			continue
		}
		out = out c; i++
	}
	return out
}
function report(what) {
	orig = $0
	sub(/^[ \t]+/, "", orig)
	printf "%s:%d: %s: %s\n", FILENAME, FNR, what, orig
	bad++
}
BEGIN {
	W = "(^|[^A-Za-z0-9_])"
	E = "([^A-Za-z0-9_]|$)"
	P = "[ \t]*\\("
	FD = "[ \t]*[012][ \t]*[,)]"
}
FNR == 1 { in_comment = 0 }
{
	s = strip($0)
	if (s ~ W "(STDIN_FILENO|STDOUT_FILENO|STDERR_FILENO)" E)
		report("the process'"'"'s own stdio")
	else if (s ~ W "(stdin|stdout|stderr)" E)
		report("a stdio stream")
	else if (s ~ W "(printf|vprintf|puts|putchar|perror|getchar|scanf|vscanf)" P)
		report("stdio of the process")
	else if (s ~ W "(err|errx|warn|warnx|verr|verrx|vwarn|vwarnx|error)" P)
		report("a message to stderr")
	else if (s ~ W "(v?dprintf|(loop_)?(read|write)|p(read|write)(64)?|(read|write)v)" P FD)
		report("a literal stdio descriptor")
}
END { exit bad > 0 }
' "${files[@]}"
r=$?
if ((r != 0)); then
	echo "check-no-stdio: lib/ uses the process's stdio: pass descriptors or callbacks in" >&2
	exit 1
fi
exit 0
