/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "berth/logfile.h"
#include "berth/util.h"

static const char *const stream_names[] = { [LOG_STDOUT] = "stdout", [LOG_STDERR] = "stderr" };

void logfile_format_time(int64_t ns, char buf[32])
{
	time_t secs = (time_t)(ns / 1000000000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	/* the year clamped to 4 digits: the format's width is fixed (and the compiler
	 * proves it fits) */
	snprintf(buf, 32, "%04u-%02u-%02uT%02u:%02u:%02u.%09uZ",
		 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
		 (unsigned)tm.tm_sec % 100u, (unsigned)(ns % 1000000000));
}

int logfile_write(int fd, enum log_stream s, const char *buf, size_t n)
{
	struct timespec ts;
	char stamp[32];
	size_t lines = 1, cap, len = 0;
	char *out;
	int r;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	clock_gettime(CLOCK_REALTIME, &ts);
	logfile_format_time((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, stamp);
	/* each entry: stamp, space, stream, " F ", text, newline */
	cap = n + lines * (strlen(stamp) + 12);
	out = malloc(cap);
	if (!out)
		return -ENOMEM;
	for (size_t start = 0; start < n;) {
		const char *nl = memchr(buf + start, '\n', n - start);
		size_t end = nl ? (size_t)(nl - buf) : n;

		len += (size_t)snprintf(out + len, cap - len, "%s %s %c ", stamp, stream_names[s],
					nl ? 'F' : 'P');
		memcpy(out + len, buf + start, end - start);
		len += end - start;
		out[len++] = '\n';
		start = nl ? end + 1 : n;
	}
	r = loop_write(fd, out, len);
	free(out);
	return r;
}

/* days since the epoch of a proleptic Gregorian date (Howard Hinnant's algorithm) */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

int logfile_parse(const char *line, size_t len, struct log_entry *ret)
{
	const char *sp1, *sp2, *end = line + len;
	int y, mo, d, h, mi, s, consumed = 0;
	char frac[16] = "";
	int64_t ns = 0;
	struct log_entry e = { 0 };

	sp1 = memchr(line, ' ', len);
	if (!sp1 || sp1 - line < 20 || sp1 - line > 40)
		return -EINVAL;
	{
		char t[41];

		memcpy(t, line, (size_t)(sp1 - line));
		t[sp1 - line] = 0;
		if (sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) != 6)
			return -EINVAL;
		if (t[consumed] == '.' && sscanf(t + consumed + 1, "%9[0-9]", frac) == 1) {
			size_t k = strlen(frac);

			for (size_t i = 0; i < 9; i++)
				ns = ns * 10 + (i < k ? frac[i] - '0' : 0);
		}
	}
	e.time = line;
	e.time_len = (size_t)(sp1 - line);
	e.time_ns = ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400) + h * 3600 + mi * 60 +
		     s) * 1000000000 + ns;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (!sp2)
		return -EINVAL;
	if (sp2 - sp1 - 1 == 6 && !memcmp(sp1 + 1, "stdout", 6))
		e.stream = LOG_STDOUT;
	else if (sp2 - sp1 - 1 == 6 && !memcmp(sp1 + 1, "stderr", 6))
		e.stream = LOG_STDERR;
	else
		return -EINVAL;
	if (end - sp2 < 2 || (sp2[1] != 'F' && sp2[1] != 'P'))
		return -EINVAL;
	e.partial = sp2[1] == 'P';
	if (end - sp2 == 2) {
		e.text = end;
		e.len = 0;
	} else {
		if (sp2[2] != ' ')
			return -EINVAL;
		e.text = sp2 + 3;
		e.len = (size_t)(end - e.text);
	}
	*ret = e;
	return 0;
}
