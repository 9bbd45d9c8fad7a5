/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "berth/error.h"

/* Global options of berth-runtime, as runc spells them. */
struct rt_cli {
	const char *root;
	const char *log_path;
	bool log_json;
	bool debug;
	bool systemd_cgroup;  /* --systemd-cgroup, --cgroup-manager systemd */
	const char *criu;     /* --criu: the criu binary (NULL: "criu" in PATH) */
};

/* Print the error once: to stderr and, with --log, to the log file (json or text). */
int cli_fail(const struct rt_cli *cli, const char *cmd, struct berth_error *err);
int cli_usage_error(const struct rt_cli *cli, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* LISTEN_FDS passed to us for our own pid (socket activation), else 0. */
unsigned listen_fds(void);

/* "9", "KILL", "SIGKILL" -> 9; -EINVAL otherwise. */

int cmd_create(int argc, char **argv, const struct rt_cli *cli);
int cmd_start(int argc, char **argv, const struct rt_cli *cli);
int cmd_state(int argc, char **argv, const struct rt_cli *cli);
int cmd_kill(int argc, char **argv, const struct rt_cli *cli);
int cmd_delete(int argc, char **argv, const struct rt_cli *cli);
int cmd_run(int argc, char **argv, const struct rt_cli *cli);
int cmd_spec(int argc, char **argv, const struct rt_cli *cli);
int cmd_exec(int argc, char **argv, const struct rt_cli *cli);
int cmd_pause(int argc, char **argv, const struct rt_cli *cli);
int cmd_resume(int argc, char **argv, const struct rt_cli *cli);
int cmd_ps(int argc, char **argv, const struct rt_cli *cli);
int cmd_update(int argc, char **argv, const struct rt_cli *cli);
int cmd_events(int argc, char **argv, const struct rt_cli *cli);
int cmd_features(int argc, char **argv, const struct rt_cli *cli);
int cmd_checkpoint(int argc, char **argv, const struct rt_cli *cli);
int cmd_restore(int argc, char **argv, const struct rt_cli *cli);
int cmd_list(int argc, char **argv, const struct rt_cli *cli);
