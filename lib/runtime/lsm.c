/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "lsm.h"
#include "berth/util.h"

bool lsm_apparmor_enabled(void)
{
	_cleanup_free_ char *v = NULL;

	return read_one_line_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", &v) >= 0 &&
	       v[0] == 'Y';
}

bool lsm_selinux_enabled(void)
{
	return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

int lsm_check(const struct rt_config *cfg, struct berth_error **err)
{
	const struct rt_process *p = &cfg->process;

	if (p->apparmor_profile && *p->apparmor_profile && !lsm_apparmor_enabled())
		return berth_error_new(err, EOPNOTSUPP,
				       "process.apparmorProfile '%s': AppArmor is not enabled on this "
				       "host",
				       p->apparmor_profile);
	if (p->selinux_label && *p->selinux_label && !lsm_selinux_enabled())
		return berth_error_new(err, EOPNOTSUPP,
				       "process.selinuxLabel '%s': SELinux is not enabled on this host",
				       p->selinux_label);
	if (cfg->mount_label && *cfg->mount_label && !lsm_selinux_enabled())
		return berth_error_new(err, EOPNOTSUPP,
				       "linux.mountLabel '%s': SELinux is not enabled on this host",
				       cfg->mount_label);
	return 0;
}

static int write_attr(const char *const *paths, const char *value, struct berth_error **err)
{
	int r = -ENOENT;

	for (size_t i = 0; paths[i]; i++) {
		r = write_string_at(AT_FDCWD, paths[i], value);
		if (r != -ENOENT)
			break;
	}
	if (r < 0)
		return berth_error_set(err, -r, "set exec label '%s'", value);
	return 0;
}

int lsm_apply_exec(const struct rt_process *p, struct berth_error **err)
{
	int r;

	if (p->apparmor_profile && *p->apparmor_profile) {
		static const char *const paths[] = { "/proc/self/attr/apparmor/exec",
						     "/proc/self/attr/exec", NULL };
		_cleanup_free_ char *v = xasprintf("exec %s", p->apparmor_profile);

		if (!v)
			return berth_error_set(err, ENOMEM, "apparmor profile '%s'",
					       p->apparmor_profile);
		r = write_attr(paths, v, err);
		if (r < 0)
			return r;
	}
	if (p->selinux_label && *p->selinux_label) {
		static const char *const paths[] = { "/proc/self/attr/selinux/exec",
						     "/proc/self/attr/exec", NULL };

		r = write_attr(paths, p->selinux_label, err);
		if (r < 0)
			return r;
	}
	return 0;
}
