#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/fuzz/build.sh [OUTDIR]
#
# Build the libFuzzer harnesses tests/fuzz/fuzz-*.c with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer (every UBSan report aborts), straight from the library
# sources they need: no meson involved, the normal gcc build is not touched.
# OUTDIR defaults to build-fuzz/fuzz (relative to the source tree unless absolute); the
# harnesses (every tests/fuzz/fuzz-*.c) end up as OUTDIR/fuzz-config, OUTDIR/fuzz-seccomp.
# Rebuilds only what changed (a harness is relinked when any of its sources or headers is
# newer).
#
# Environment: CC (default clang), FUZZ_CFLAGS (extra compiler flags).
# Exit status 0 on success, 1 when a build fails, 77 when clang or libFuzzer is missing.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-build-fuzz/fuzz}
[[ $out == /* ]] || out=$src/$out
cc=${CC:-clang}

# Only clang has libFuzzer: a CC=gcc inherited from the environment is not what we want.
[[ $($cc --version 2>/dev/null) == *clang* ]] || cc=clang
if ! command -v "$cc" >/dev/null 2>&1; then
	echo "fuzz/build.sh: clang not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
	exit 77
fi
if ! pkg-config --exists jansson libseccomp; then
	echo "fuzz/build.sh: pkg-config cannot find jansson and libseccomp" >&2
	exit 1
fi

mkdir -p "$out"

# Is libFuzzer there? (clang without libclang-rt-*-dev compiles but cannot link it)
probe=$out/.probe
if [[ ! -x $probe ]]; then
	printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe.c"
	if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" 2>"$probe.log"; then
		echo "fuzz/build.sh: $cc cannot link libFuzzer with ASan+UBSan" \
			"(Debian: apt-get install libclang-rt-14-dev):" >&2
		sed 's/^/    /' "$probe.log" >&2
		rm -f "$probe.c" "$probe.log"
		exit 77
	fi
	rm -f "$probe.c" "$probe.log"
fi

# The parser and seccomp translation, and what they link against (sched.c: cpu lists of
# process.execCPUAffinity). Nothing that sets up containers.
lib_sources=(
	lib/core/error.c
	lib/core/util.c
	lib/runtime/spec.c
	lib/runtime/spec-linux.c
	lib/runtime/spec-resources.c
	lib/runtime/names.c
	lib/runtime/sched.c
	lib/runtime/seccomp.c
)
# Extra link flags per harness: fuzz-seccomp counts live filter contexts (see the comment
# at its top).
declare -A harness_ldflags=(
	[fuzz-seccomp]="-Wl,--wrap=seccomp_init,--wrap=seccomp_release"
)

# -O1 and frame pointers as libFuzzer's documentation recommends; -fno-sanitize-recover
# makes every UBSan finding a crash, so it cannot scroll by unnoticed.
# shellcheck disable=SC2054 # the commas are clang's
cflags=(
	-std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror
	-I"$src/include" -I"$src/lib"
)
read -ra more <<<"$(pkg-config --cflags jansson libseccomp) ${FUZZ_CFLAGS:-}"
cflags+=("${more[@]}")
read -ra libs <<<"$(pkg-config --libs jansson libseccomp)"

cd "$src"
headers=(include/berth/*.h lib/runtime/*.h)
for harness in tests/fuzz/fuzz-*.c; do
	name=$(basename "$harness" .c)
	bin=$out/$name
	srcs=("$harness" "${lib_sources[@]}")
	read -ra ldflags <<<"${harness_ldflags[$name]:-}"
	stale=0
	if [[ ! -x $bin ]]; then
		stale=1
	else
		for f in "${srcs[@]}" "${headers[@]}" tests/fuzz/build.sh; do
			[[ $f -nt $bin ]] && { stale=1; break; }
		done
	fi
	((stale)) || continue
	echo "fuzz/build.sh: building $bin"
	if ! "$cc" "${cflags[@]}" "${srcs[@]}" "${ldflags[@]}" "${libs[@]}" -o "$bin.tmp"; then
		rm -f "$bin.tmp"
		echo "fuzz/build.sh: building $name failed" >&2
		exit 1
	fi
	mv -f "$bin.tmp" "$bin"
done
