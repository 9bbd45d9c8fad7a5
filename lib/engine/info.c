/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth info` and `berth version`: the engine's counts and what it knows of its host,
 * in the terms docker's `info` uses.
 */
#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/engine.h"
#include "berth/util.h"
#include "handle.h"

void berth_info_clear(struct berth_info *i)
{
	free(i->root);
	free(i->cgroup_driver);
	free(i->kernel);
	free(i->os);
	free(i->arch);
	free(i->hostname);
	strv_free(i->security_options);
	*i = (struct berth_info){ 0 };
}

/* PRETTY_NAME of /etc/os-release (else /usr/lib/os-release), unquoted; "Linux" without */
static char *os_name(void)
{
	static const char *const files[] = { "/etc/os-release", "/usr/lib/os-release" };

	for (size_t f = 0; f < ELEMENTSOF(files); f++) {
		_cleanup_free_ char *text = NULL;
		char *p, *end;

		if (read_full_file(files[f], &text, NULL) < 0)
			continue;
		p = strstr(text, "PRETTY_NAME=");
		if (p && (p == text || p[-1] == '\n')) {
			p += strlen("PRETTY_NAME=");
			end = p + strcspn(p, "\n");
			*end = 0;
			if (*p == '"' || *p == '\'') {
				p++;
				if (end > p && (end[-1] == '"' || end[-1] == '\''))
					end[-1] = 0;
			}
			return strdup(p);
		}
	}
	return strdup("Linux");
}

int berth_engine_info(struct berth_engine *e, struct berth_info *ret, struct berth_error **err)
{
	struct berth_info i = { .version = BERTH_VERSION };
	struct berth_ctr_info **l = NULL;
	struct berth_image **imgs = NULL;
	struct utsname u;
	struct statfs fs;
	struct sysinfo si;
	char host[256];
	size_t n = 0;
	int r;

	r = berth_engine_list(e, true, &l, &n, err);
	if (r < 0)
		return r;
	i.containers = n;
	for (size_t k = 0; k < n; k++) {
		if (l[k]->state == BERTH_CTR_RUNNING && l[k]->paused)
			i.paused++;
		else if (l[k]->state == BERTH_CTR_RUNNING)
			i.running++;
		else
			i.stopped++;
	}
	berth_ctr_info_list_free(l, n);
	r = berth_image_list(e->store, &imgs, &n, err);
	if (r < 0)
		return r;
	i.images = n;
	berth_image_list_free(imgs, n);

	i.root = strdup(berth_store_root(e->store));
	i.cgroup_driver = strdup(engine_cgroup_manager(e));
	i.cgroup_version =
		statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC ? 2 : 1;
	if (uname(&u) < 0) {
		berth_info_clear(&i);
		return berth_error_set(err, errno, "info: uname");
	}
	i.kernel = strdup(u.release);
	i.arch = strdup(u.machine);
	i.os = os_name();
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "%s", u.nodename);
	host[sizeof(host) - 1] = 0;
	i.hostname = strdup(host);
	i.cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (sysinfo(&si) == 0)
		i.mem_total = (uint64_t)si.totalram * si.mem_unit;
	/* what the engine applies to every container: a cgroup namespace (no seccomp
	 * profile of docker's yet, so none is claimed) */
	if (strv_extend(&i.security_options, "name=cgroupns") < 0 ||
	    !i.root || !i.cgroup_driver || !i.kernel || !i.arch || !i.os || !i.hostname) {
		berth_info_clear(&i);
		return berth_error_set(err, ENOMEM, "info");
	}
	*ret = i;
	return 0;
}
