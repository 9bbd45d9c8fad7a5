/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Debug messages: see debug.h. */
#include <stdarg.h>
#include <stdio.h>

#include "debug.h"

static berth_debug_handler debug_handler;

void berth_set_debug_handler(berth_debug_handler h)
{
	debug_handler = h;
}

bool rt_debug_enabled(void)
{
	return debug_handler != NULL;
}

void rt_debug(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!debug_handler)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	debug_handler(buf);
}
