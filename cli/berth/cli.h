/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the `berth` front door's files share. A command is one file exporting
 * cmd_<name>() and one row in the table in main.c. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "berth/error.h"
#include "berth/engine.h"
#include "berth/image.h"

/* Keep in step with project() in meson.build. */

/* docker's exit code for errors of the CLI itself (bad flags, failed operations),
 * as opposed to a container's own exit status. */
#define EXIT_CLI_ERROR 125

struct berth_cli {
	const char *root;    /* --root; NULL means BERTH_STORE_DEFAULT_ROOT */
	bool debug;	     /* --debug */
	const char *cgroup_manager; /* --cgroup-manager; NULL: the host's default */
	const char *command; /* the running command's name, NULL before dispatch */
	bool usage_error;    /* set by cli_usage_error(): main() adds a "See ..." line */
	char **argv;         /* the whole command line, as main() got it */
};

/* `berth` is the small front door: the commands that read and write archives and talk to
 * registries (commit, export, import, load, login, logout, pull, push, save) link
 * libarchive and libcurl, 40-odd shared objects that cost every other command ~25 ms to
 * load. In `berth` they are stubs (delegate.c) that execute berth-full, the same front
 * door with everything linked, with the same command line. `berth serve` runs in
 * `berth` and hands a connection to berth-full when a request needs them (serve.h). */

/*
 * A subcommand. argv[0] is the command's name; parse the rest with getopt_long
 * (optind is reset before the call). Return an exit status >= 0, or -errno with *err
 * set: main() then prints "berth: <err>" once and exits EXIT_CLI_ERROR. Commands
 * print only their results (and their own --help).
 */
struct berth_command {
	const char *name;
	int (*fn)(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
	const char *summary;
};

int cmd_serve(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_attach(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_container(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_container_inspect(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_create(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_exec(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_network(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_pause(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_stats(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_top(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_port(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_unpause(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_kill(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_logs(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_restart(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_start(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_stop(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_volume(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_wait(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_rename(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_info(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_version(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_commit(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_export(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_history(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_image(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_inspect(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_rmi(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_save(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_tag(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_images(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_import(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_load(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_login(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_search(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_logout(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_ps(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_pull(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_push(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_rm(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_run(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_cp(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_diff(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_update(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_system(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);
int cmd_events(int argc, char **argv, struct berth_cli *cli, struct berth_error **err);

/* inspect, of containers and images (type NULL), or of one type only ("container",
 * "image"): `berth inspect` and `berth image inspect` (inspect.c) */
int cli_inspect(int argc, char **argv, struct berth_cli *cli, const char *type,
		struct berth_error **err);

/* --- helpers (format.c) --- */

/* The image store alone (image commands), or the engine on it (--root, --cgroup-manager). */
int cli_open_store(const struct berth_cli *cli, struct berth_store **ret, struct berth_error **err);
int cli_open_engine(const struct berth_cli *cli, struct berth_engine **ret, struct berth_error **err);

/* Call fn for each argument from optind on, as docker's multi-container verbs do: every
 * one is tried, each failure printed as "berth: <error>", each success as the argument
 * itself when print_names. Returns 1 when any failed, else 0. */
int cli_for_each(int argc, char **argv, struct berth_engine *engine,
		 int (*fn)(struct berth_engine *e, const char *key, void *data,
			   struct berth_error **err),
		 void *data, bool print_names);

/* A command group (`berth image ...`, `berth volume ...`): its help, or the subcommand
 * argv[1] with argv shifted by one. */
int cli_group(int argc, char **argv, struct berth_cli *cli, const char *group, const char *summary,
	      const struct berth_command *sub, size_t n, struct berth_error **err);

/* docker's -e: "K=V" as it is, "K" with our value of K (nothing when K is unset).
 * -ENOMEM. */
int cli_env_add(char ***env, const char *arg);

/* docker's --env-file: a K=V or K per line (blank lines and # comments skipped), each
 * as -e takes it. */
int cli_env_file(char ***env, const char *path, struct berth_error **err);

/* When *err says the container's command was not found or not executable: print it,
 * free it and return docker's exit code (127, 126). Else 0, *err left alone. */
int cli_exec_failure(struct berth_error **err);

/* inspect's output: a JSON array of what fn gives for each argument from optind on,
 * each failure printed as "berth: <error>". Returns 1 when any failed, else 0. */
int cli_json_array(int argc, char **argv, struct berth_engine *engine,
		   int (*fn)(struct berth_engine *e, const char *name, char **ret_json,
			     struct berth_error **err));

/* docker's prompt before a prune: "WARNING! <warning>" and "Are you sure you want to
 * continue? [y/N] " on stdout, an answer from stdin; true for y or yes (EOF: no). */
bool cli_confirm(const char *warning);

/* "berth: debug: ..." on stderr when --debug was given. */
void cli_debug(const struct berth_cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Pull `ref` into the store for run and create (docker's --pull), its progress on
 * stderr as `berth pull` shows it. berth has it done by berth-full (no registry code
 * here); berth-full does it itself. 0, or the exit code to end with when the pull
 * failed (its error already printed), or -errno with *err. */
int cli_pull_image(struct berth_cli *cli, const char *ref, struct berth_error **err);

/* A usage error (bad flags or arguments): sets *err and cli->usage_error, returns
 * -EINVAL. */
int cli_usage_error(struct berth_cli *cli, struct berth_error **err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* getopt_long() as docker parses flags: a long flag only by its whole name (glibc takes
 * any unambiguous prefix, so `--pid` was `--pids-limit`), checked over the whole command
 * line before the first flag is returned. With an optstring starting with ":" flags may
 * come anywhere before `--` (getopt permutes: `berth logs c -f`); with "+:" they end at
 * the first operand, for the verbs whose operands end in a command of the container's
 * own (run, create, exec, top). Call with optind = 0 for a new command line. */
struct option;
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
	       int *longindex);

/* Turn a cli_getopt() '?' or ':' into a usage error (getopt runs with opterr = 0 and
 * an optstring starting with ":" or "+:"). */
int cli_getopt_error(struct berth_cli *cli, char **argv, int c, struct berth_error **err);

/* docker's units.HumanSizeWithPrecision(n, 3): decimal units, "4.26MB", "123B". */
void format_size(int64_t bytes, char *buf, size_t n);
/* docker's units.BytesSize: binary units, 4 significant digits ("23.47GiB"). */
void format_binary(uint64_t bytes, char *buf, size_t n);
/* docker's units.HumanDuration(now - then) + " ago": "2 minutes ago". */
void format_since(int64_t then, int64_t now, char *buf, size_t n);
/* `berth top`'s lines: ps(1) run with args (args[0] "ps"), its header and the lines of
 * the container's processes (a NULL-terminated strv) */
int top_lines(struct berth_engine *engine, const char *key, char **args, char ***ret,
	      struct berth_error **err);
/* docker's STATUS of a container: "Up 3 minutes (healthy)", "Exited (0) 2 hours ago" */
void format_ctr_status(const struct berth_ctr_info *c, int64_t now, char *buf, size_t n);

/* Where a command that writes a tar (save, export) writes it: FILE (-o), written as
 * FILE.tmp-<pid> and renamed by cli_output_finish() on success (removed on failure), or
 * stdout when path is NULL, which is refused on a terminal (a usage error). */
struct cli_output {
	const char *path;
	char *tmp;
	int fd;
};
int cli_output_open(struct berth_cli *cli, struct cli_output *o, const char *path,
		    struct berth_error **err);
/* r: the command's result so far; returns it, or the error of the rename. */
int cli_output_finish(struct cli_output *o, int r, struct berth_error **err);

/* The flags pull and push share: --tls-verify[=BOOL], --authfile FILE, -q, -h (prints
 * usage); with ret_all_tags (pull's) also -a/--all-tags and --platform (linux/amd64
 * only). Returns 1 when help was printed, 0 to go on, < 0 on a usage error. */
struct berth_registry_options;
int cli_registry_flags(int argc, char **argv, struct berth_cli *cli,
		       struct berth_registry_options *o, void (*usage)(FILE *), bool *ret_all_tags,
		       struct berth_error **err);

/* --format of a listing command (ps, images, volume ls, network ls), as docker's:
 * "table TEMPLATE" prints a header (TEMPLATE over the titles) and the rows aligned as
 * docker's tabwriter, any other TEMPLATE a line per row, "json" a JSON object per row;
 * `\t` and `\n` as typed stand for a tab and a newline. */
struct cli_format {
	struct tmpl *tmpl;
	bool table;
	char *out;   /* the rows so far (table: aligned at the end) */
	size_t n;
	FILE *f;
};
/* *ret_used: false for no format, "" or "table" (docker's default table: the
 * command's own output). A template Go would not parse is an error. */
int cli_format_open(const char *format, struct cli_format *f, bool *ret_used,
		    struct berth_error **err);
/* One row, its fields as docker names them (strings). */
int cli_format_row(struct cli_format *f, json_t *row, struct berth_error **err);
/* Print: the header (its fields' titles in header, an object of strings), then the rows. */
int cli_format_finish(struct cli_format *f, json_t *header, struct berth_error **err);
void cli_format_release(struct cli_format *f);

/* A --filter "key=value" added to *filters (the key trimmed and lowercased, as docker's
 * CLI does); a usage error without '='. */
int cli_filter_add(struct berth_cli *cli, char ***filters, const char *arg,
		   struct berth_error **err);

/* docker's stringutils.Ellipsis: s cut to max runes, its last one "…". malloc'd. */
char *cli_ellipsis(const char *s, size_t max);


/* "2006-01-02 15:04:05 -0700 MST", docker's CreatedAt, in local time. */
void format_created_at(int64_t t, char *buf, size_t n);

/* A text table like docker's (tabwriter: min width 10, padding 3). */
struct table;
struct table *table_new(size_t n_cols, const char *const *headers);
int table_add_row(struct table *t, const char *const *cells); /* copies */
int table_print(const struct table *t, FILE *f);
struct table *table_free(struct table *t);

/* --FLAG[=true|false|1|0]; a missing arg is true. A usage error otherwise (format.c). */
int cli_parse_bool(struct berth_cli *cli, const char *flag, const char *arg, bool *ret,
		   struct berth_error **err);

/* --- registry flags (pull.c) --- */

/* Catch SIGINT and SIGTERM into the returned flag (berth_registry_options.cancel), so
 * a transfer stops cleanly; a second signal kills as usual. */
const volatile sig_atomic_t *cli_catch_interrupts(void);
/* A berth_registry_options.progress that prints the line on stderr. */
void cli_progress(const char *line, void *data);
/* A registry layer status (berth_registry_options.layer_status): on a terminal, one line
 * per layer, rewritten in place. */
void cli_layer_status(const char *id, const char *status, void *data);
