/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nosys SYSCALL[,SYSCALL...] CMD [ARGS...]: run CMD with the named system calls failing
 * with ENOSYS (a seccomp filter, inherited by everything CMD starts), as on a kernel that
 * predates them. The integration tests use it to see what berth says on such a kernel.
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	scmp_filter_ctx ctx;
	char *names, *name, *save = NULL;

	if (argc < 3) {
		fprintf(stderr, "usage: nosys SYSCALL[,SYSCALL...] CMD [ARGS...]\n");
		return 2;
	}
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return 2;
	names = argv[1];
	for (name = strtok_r(names, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		int nr = seccomp_syscall_resolve_name(name);

		if (nr == __NR_SCMP_ERROR ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0) < 0) {
			fprintf(stderr, "nosys: unknown system call '%s'\n", name);
			return 2;
		}
	}
	if (seccomp_load(ctx) < 0) {
		fprintf(stderr, "nosys: load the filter: %s\n", strerror(errno));
		return 2;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "nosys: exec '%s': %s\n", argv[2], strerror(errno));
	return 127;
}
