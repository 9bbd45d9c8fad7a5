/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "berth/cleanup.h"
#include "berth/util.h"

int caps_last_cap(void)
{
	static int cached = -1;
	_cleanup_free_ char *s = NULL;
	int64_t v;

	if (cached >= 0)
		return cached;
	if (read_one_line_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", &s) >= 0 &&
	    parse_i64(s, &v) >= 0 && v > 0 && v < 64)
		cached = (int)v;
	else
		cached = CAP_LAST_CAP;
	return cached;
}

uint64_t caps_all_ours(void)
{
	int last = caps_last_cap();
	uint64_t all = 0;

	for (int c = 0; c <= last; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			all |= 1ULL << c;
	return all;
}

int caps_drop_bounding(uint64_t keep, struct berth_error **err)
{
	int last = caps_last_cap();

	for (int c = 0; c <= last; c++) {
		if (keep & (1ULL << c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return berth_error_set(err, errno, "drop capability %d from the bounding set",
					       c);
	}
	return 0;
}

int caps_apply(const uint64_t caps[_RT_CAP_SET_MAX], struct berth_error **err)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };
	int last = caps_last_cap();
	uint64_t known = last >= 63 ? ~0ULL : ((1ULL << (last + 1)) - 1);
	uint64_t eff = caps[RT_CAP_EFFECTIVE] & known;
	uint64_t prm = caps[RT_CAP_PERMITTED] & known;
	uint64_t inh = caps[RT_CAP_INHERITABLE] & known;

	data[0].effective = (uint32_t)eff;
	data[1].effective = (uint32_t)(eff >> 32);
	data[0].permitted = (uint32_t)prm;
	data[1].permitted = (uint32_t)(prm >> 32);
	data[0].inheritable = (uint32_t)inh;
	data[1].inheritable = (uint32_t)(inh >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return berth_error_set(err, errno, "capset");

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return berth_error_set(err, errno, "clear ambient capabilities");
	for (int c = 0; c <= last; c++) {
		if (!(caps[RT_CAP_AMBIENT] & (1ULL << c)))
			continue;
		/* The kernel only raises what is both permitted and inheritable; runc and crun
		 * skip the others silently, and so do we. */
		if (!(prm & inh & (1ULL << c)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			return berth_error_set(err, errno, "raise ambient capability %d", c);
	}
	return 0;
}
