/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * docker's --mount (type=bind|volume|tmpfs,source=,target=,readonly,...), as the -v or
 * --tmpfs spec it amounts to: the engine has one way to mount each.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "berth/cleanup.h"
#include "berth/engine.h"
#include "berth/util.h"

/* "true", "1", or nothing (a bare key) */
static int parse_bool(const char *v, bool *ret)
{
	if (!v || streq(v, "true") || streq(v, "1")) {
		*ret = true;
		return 0;
	}
	if (streq(v, "false") || streq(v, "0")) {
		*ret = false;
		return 0;
	}
	return -EINVAL;
}

int berth_mount_spec(const char *csv, char **ret_volume, char **ret_tmpfs, struct berth_error **err)
{
	_cleanup_free_ char *copy = strdup(csv), *size = NULL, *mode = NULL;
	const char *type = "volume", *source = NULL, *target = NULL;
	bool readonly = false;
	char *field, *save = NULL;

	*ret_volume = *ret_tmpfs = NULL;
	if (!copy)
		return berth_error_set(err, ENOMEM, "--mount");
	for (field = strtok_r(copy, ",", &save); field; field = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(field, '=');
		const char *val = eq ? eq + 1 : NULL;

		if (eq)
			*eq = 0;
		if (streq(field, "type") && val) {
			type = val;
		} else if ((streq(field, "source") || streq(field, "src")) && val) {
			source = val;
		} else if ((streq(field, "target") || streq(field, "destination") ||
			    streq(field, "dst")) &&
			   val) {
			target = val;
		} else if (streq(field, "readonly") || streq(field, "ro")) {
			if (parse_bool(val, &readonly) < 0)
				return berth_error_new(err, EINVAL, "invalid value for %s: %s",
						       field, val);
		} else if (streq(field, "tmpfs-size") && val) {
			int64_t v;

			if (parse_size(val, &v) < 0)
				return berth_error_new(err, EINVAL,
						       "invalid value for tmpfs-size: %s", val);
			free(size);
			size = xasprintf("size=%" PRId64, v);
			if (!size)
				return berth_error_set(err, ENOMEM, "--mount");
		} else if (streq(field, "tmpfs-mode") && val) {
			char *end;
			unsigned long m = strtoul(val, &end, 8);

			if (!*val || *end || m > 07777)
				return berth_error_new(err, EINVAL,
						       "invalid value for tmpfs-mode: %s", val);
			free(mode);
			mode = xasprintf("mode=%lo", m);
			if (!mode)
				return berth_error_set(err, ENOMEM, "--mount");
		} else if (streq(field, "bind-propagation") && val && streq(val, "rprivate")) {
			/* berth's binds are rprivate */
		} else {
			return berth_error_new(err, EINVAL, "unexpected key '%s' in '%s'", field,
					       csv);
		}
	}
	if (!target)
		return berth_error_new(err, EINVAL, "target is required");
	if (target[0] != '/')
		return berth_error_new(err, EINVAL,
				       "invalid mount path: '%s' mount path must be "
				       "absolute",
				       target);
	if (streq(type, "tmpfs")) {
		if (source)
			return berth_error_new(err, EINVAL,
					       "source is not supported for tmpfs "
					       "mounts");
		*ret_tmpfs =
		    xasprintf("%s%s%s%s%s%s", target, size || mode || readonly ? ":" : "",
			      size ? size : "", size && (mode || readonly) ? "," : "",
			      mode ? mode : "", readonly ? (size || mode ? ",ro" : "ro") : "");
	} else if (streq(type, "bind")) {
		struct stat st;

		if (!source)
			return berth_error_new(err, EINVAL,
					       "source is required when specifying "
					       "bind mount");
		if (size || mode)
			return berth_error_new(err, EINVAL, "tmpfs options are for tmpfs mounts");
		/* unlike -v, --mount makes no missing source */
		if (source[0] != '/' || stat(source, &st) < 0)
			return berth_error_new(
			    err, ENOENT,
			    "invalid mount config for type \"bind\": bind source "
			    "path does not exist: %s",
			    source);
		*ret_volume = xasprintf("%s:%s:%s", source, target, readonly ? "ro" : "rw");
	} else if (streq(type, "volume")) {
		if (size || mode)
			return berth_error_new(err, EINVAL, "tmpfs options are for tmpfs mounts");
		if (source && source[0] == '/')
			return berth_error_new(err, EINVAL,
					       "invalid volume name '%s': a volume is "
					       "named, not a path",
					       source);
		if (!source && readonly)
			return berth_error_new(err, EINVAL,
					       "an anonymous volume cannot be "
					       "read-only");
		*ret_volume = source ? xasprintf("%s:%s:%s", source, target, readonly ? "ro" : "rw")
				     : strdup(target);
	} else {
		return berth_error_new(err, EINVAL, "invalid mount type '%s' (bind, volume, tmpfs)",
				       type);
	}
	if (!*ret_volume && !*ret_tmpfs)
		return berth_error_set(err, ENOMEM, "--mount");
	return 0;
}
