/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine's handle: the store it works on and the options every verb shares.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "berth/cleanup.h"
#include "berth/runtime.h"
#include "berth/util.h"
#include "handle.h"

int berth_engine_open(const struct berth_engine_opts *o, struct berth_engine **ret,
		      struct berth_error **err)
{
	const char *mgr = o ? o->cgroup_manager : NULL;
	struct berth_engine *e;
	int r;

	if (mgr && !streq(mgr, "systemd") && !streq(mgr, "cgroupfs"))
		return berth_error_new(err, EINVAL,
				       "unknown cgroup manager '%s' (systemd or cgroupfs)", mgr);
	e = calloc(1, sizeof(*e));
	if (!e)
		return berth_error_set(err, ENOMEM, "open the engine");
	e->cgroup_manager = mgr ? strdup(mgr) : NULL;
	if (mgr && !e->cgroup_manager) {
		free(e);
		return berth_error_set(err, ENOMEM, "open the engine");
	}
	r = berth_store_open(o ? o->root : NULL, &e->store, err);
	if (r < 0) {
		berth_engine_free(e);
		return r;
	}
	*ret = e;
	return 0;
}

struct berth_engine *berth_engine_free(struct berth_engine *e)
{
	if (!e)
		return NULL;
	berth_store_free(e->store);
	free(e->cgroup_manager);
	free(e);
	return NULL;
}

struct berth_store *berth_engine_store(const struct berth_engine *e)
{
	return e->store;
}

const char *engine_cgroup_manager(const struct berth_engine *e)
{
	/* the host's default is looked up by the verbs that make containers only */
	return e->cgroup_manager ? e->cgroup_manager : berth_cgroup_manager_default();
}
