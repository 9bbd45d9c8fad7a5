/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Scope-bound cleanup, systemd style. Ownership leaves a scope only through
 * TAKE_PTR / TAKE_FD, so every early return releases what it must. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

void strv_freep(char ***p);

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)
#define _cleanup_strv_free_ _cleanup_(strv_freep)

#define TAKE_PTR(p)                                    \
	({                                             \
		__typeof__(p) _ptr_ = (p);             \
		(p) = NULL;                            \
		_ptr_;                                 \
	})

#define TAKE_FD(fd)                                    \
	({                                             \
		int _fd_ = (fd);                       \
		(fd) = -EBADF;                         \
		_fd_;                                  \
	})

/* Define foo_freep() for a destructor foo_free(struct foo *). */
#define DEFINE_FREEP(type, func)                       \
	static inline void func##p(type **p)           \
	{                                              \
		if (*p)                                \
			func(*p);                      \
	}

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
