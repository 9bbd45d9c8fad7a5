/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <regex.h>
#include <stdio.h>

#include <stddef.h>

#include "berth/runtime.h"
#include "cli.h"
#include "berth/cleanup.h"
#include "berth/util.h"

static int delete_one(const struct rt_cli *cli, const char *id, bool force)
{
	struct berth_error *err = NULL;

	if (berth_container_delete(cli->root, id, force, &err) < 0) {
		/* like runc: deleting what is already gone is not an error with --force */
		if (force && err && err->errnum == ENOENT) {
			berth_error_free(err);
			return 0;
		}
		return cli_fail(cli, "delete", err);
	}
	return 0;
}

/* crun's --regex: ID is a POSIX extended regular expression, matched (unanchored, as
 * crun matches it) against every container id; each match is deleted. 0 when every
 * delete worked (or nothing matched), 1 when one failed (each failure is printed). */
static int delete_matching(const struct rt_cli *cli, const char *pattern, bool force)
{
	_cleanup_strv_free_ char **ids = NULL;
	struct berth_error *err = NULL;
	regex_t re;
	int rc = 0, r;

	r = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
	if (r != 0) {
		char msg[256];

		regerror(r, &re, msg, sizeof(msg));
		return cli_usage_error(cli, "delete", "--regex '%s': %s", pattern, msg);
	}
	if (berth_container_list(cli->root, &ids, &err) < 0) {
		regfree(&re);
		return cli_fail(cli, "delete", err);
	}
	for (char **id = ids; id && *id; id++)
		if (regexec(&re, *id, 0, NULL, 0) == 0 && delete_one(cli, *id, force) != 0)
			rc = 1;
	regfree(&re);
	return rc;
}

int cmd_delete(int argc, char **argv, const struct rt_cli *cli)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "regex", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool force = false, regex = false;
	int c;

	while ((c = getopt_long(argc, argv, "frh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'r':
			regex = true;
			break;
		default:
			return cli_usage_error(cli, "delete", "usage: delete [--force] [--regex] ID");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(cli, "delete", "usage: delete [--force] [--regex] ID");
	if (regex)
		return delete_matching(cli, argv[optind], force);
	return delete_one(cli, argv[optind], force);
}
