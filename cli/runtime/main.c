/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-runtime: an OCI runtime with runc's command line. A thin front door: parse
 * flags, call lib/runtime, print once. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "berth/runtime.h"
#include "cli.h"
#include "berth/util.h"

/* --log FILE, opened (and created, as runc does) at start; --debug lines go to it, or to
 * a copy of stderr without --log. Both are high close-on-exec descriptors: the
 * container's children inherit them until execve (debug lines are written from there),
 * never beyond, and they stay clear of the fds passed on with --preserve-fds. */
static int log_fd = -1, debug_fd = -1;
static bool log_json;

static int high_fd(int fd)
{
	int h = fcntl(fd, F_DUPFD_CLOEXEC, 256);

	if (h < 0)
		return fd;
	close(fd);
	return h;
}

/* One line in logrus's text or json form (what runc writes and tools parse), written
 * with one write(2). */
static void write_line(int fd, bool json, const char *level, const char *msg)
{
	char buf[2048], ts[64];
	size_t n = 0;
	struct timespec now;
	struct tm tm;

	if (fd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%09ldZ", now.tv_nsec);
	if (json)
		n = (size_t)snprintf(buf, sizeof(buf), "{\"level\":\"%s\",\"msg\":\"", level);
	else
		n = (size_t)snprintf(buf, sizeof(buf), "time=\"%s\" level=%s msg=\"", ts, level);
	for (const char *c = msg; *c && n + 8 < sizeof(buf); c++) {
		if (*c == '"' || *c == '\\') {
			buf[n++] = '\\';
			buf[n++] = *c;
		} else if ((unsigned char)*c < 0x20) {
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\\u%04x", *c);
		} else {
			buf[n++] = *c;
		}
	}
	if (n + 100 >= sizeof(buf))
		n = sizeof(buf) - 100;
	if (json)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\",\"time\":\"%s\"}\n", ts);
	else
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\"\n");
	(void)!write(fd, buf, n);
}

static void log_line(const struct rt_cli *cli, const char *level, const char *msg)
{
	(void)cli;
	write_line(log_fd, log_json, level, msg);
}

static void print_debug(const char *msg)
{
	write_line(debug_fd, debug_fd == log_fd && log_json, "debug", msg);
}

static const struct rt_cli *warn_cli;

static void print_warning(const char *msg)
{
	fprintf(stderr, "berth-runtime: warning: %s\n", msg);
	if (warn_cli)
		log_line(warn_cli, "warning", msg);
}

int cli_fail(const struct rt_cli *cli, const char *cmd, struct berth_error *err)
{
	fprintf(stderr, "berth-runtime: %s: %s\n", cmd, berth_error_message(err));
	log_line(cli, "error", berth_error_message(err));
	berth_error_free(err);
	return 1;
}

int cli_usage_error(const struct rt_cli *cli, const char *cmd, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	fprintf(stderr, "berth-runtime: %s: %s\n", cmd, msg ? msg : "usage error");
	log_line(cli, "error", msg ? msg : "usage error");
	free(msg);
	return 1;
}

unsigned listen_fds(void)
{
	const char *pid = getenv("LISTEN_PID"), *n = getenv("LISTEN_FDS");
	uint64_t v;

	/* socket activation passed to us: the fds go on to the container (as runc does).
	 * LISTEN_PID names the process they are for; without it they are ours (crun). */
	if (!n || parse_u64(n, &v) < 0 || v > 1024 || (pid && atoi(pid) != (int)getpid()))
		return 0;
	return (unsigned)v;
}

static const struct {
	const char *name;
	int (*fn)(int, char **, const struct rt_cli *);
	const char *summary;
	const char *usage;
} commands[] = {
	{ "checkpoint", cmd_checkpoint, "checkpoint a running container with CRIU",
	  "[--image-path DIR] [--work-path DIR] [--leave-running] [--pre-dump] "
	  "[--parent-path DIR] [--lazy-pages] [--page-server ADDRESS:PORT] [--status-fd FD] "
	  "[--auto-dedup] [--empty-ns network] [--tcp-established] [--ext-unix-sk] "
	  "[--shell-job] [--file-locks] [--manage-cgroups-mode MODE] <container-id>" },
	{ "create", cmd_create, "create a container",
	  "[--bundle DIR] [--config FILE] [--pid-file FILE] [--console-socket SOCKET] "
	  "[--preserve-fds N] <container-id>" },
	{ "delete", cmd_delete, "delete a container and everything it holds",
	  "[--force] [--regex] <container-id>" },
	{ "events", cmd_events, "print stats and OOM events of a container",
	  "[--stats] [--interval DURATION] <container-id>" },
	{ "exec", cmd_exec, "run a process in a running container",
	  "[OPTIONS] <container-id> <command> [command options] | --process FILE <container-id>" },
	{ "features", cmd_features, "print the features this runtime supports (JSON)", "" },
	{ "kill", cmd_kill, "send a signal to the container's init",
	  "[--all] <container-id> [signal]" },
	{ "list", cmd_list, "list containers", "[--format table|json] [--quiet]" },
	{ "pause", cmd_pause, "freeze every process of a container", "<container-id>" },
	{ "ps", cmd_ps, "list the processes of a container",
	  "[--format table|json] <container-id> [ps options]" },
	{ "restore", cmd_restore, "restore a container from a CRIU checkpoint",
	  "[--image-path DIR] [--work-path DIR] [--bundle DIR] [--detach] [--pid-file FILE] "
	  "[--console-socket SOCKET] [--lazy-pages] [--auto-dedup] [--empty-ns network] "
	  "[--tcp-established] [--ext-unix-sk] [--shell-job] [--file-locks] "
	  "[--manage-cgroups-mode MODE] <container-id>" },
	{ "resume", cmd_resume, "thaw a paused container", "<container-id>" },
	{ "run", cmd_run, "create and start a container",
	  "[--bundle DIR] [--config FILE] [--pid-file FILE] [--console-socket SOCKET] "
	  "[--detach] [--keep] [--preserve-fds N] <container-id>" },
	{ "spec", cmd_spec, "write a default config.json", "[--bundle DIR] [--rootless]" },
	{ "start", cmd_start, "start a created container", "<container-id>" },
	{ "state", cmd_state, "print the state of a container as JSON", "<container-id>" },
	{ "update", cmd_update, "change a container's resources",
	  "[--resources FILE|-] [--memory N] [--cpu-quota N] [--pids-limit N] ... "
	  "<container-id>" },
};

/* The layout of runc's help (urfave/cli), which tools and people know. */
static void usage(FILE *f)
{
	fputs("NAME:\n   berth-runtime - Open Container Initiative runtime\n\n"
	      "USAGE:\n   berth-runtime [global options] command [command options] [arguments...]\n\n"
	      "COMMANDS:\n",
	      f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "   %-11s %s\n", commands[i].name, commands[i].summary);
	fputs("   help, h     show the help of a command\n\n"
	      "GLOBAL OPTIONS:\n"
	      "   --debug                 print debug messages (to --log if given)\n"
	      "   --log FILE              write errors, warnings and debug messages to FILE\n"
	      "   --log-format text|json  the format of --log\n"
	      "   --root DIR              state directory (default: " BERTH_RUNTIME_DEFAULT_ROOT
	      ")\n"
	      "   --systemd-cgroup        the container's cgroup is a transient systemd scope;\n"
	      "                           cgroupsPath is \"slice:prefix:name\"\n"
	      "   --cgroup-manager NAME   cgroupfs (default) or systemd (as --systemd-cgroup)\n"
	      "   --help, -h              show help\n"
	      "   --version, -v           print the version\n",
	      f);
}

static int find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (streq(commands[i].name, name))
			return (int)i;
	return -1;
}

static void command_help(int i)
{
	printf("NAME:\n   berth-runtime %s - %s\n\nUSAGE:\n   berth-runtime %s %s\n",
	       commands[i].name, commands[i].summary, commands[i].name, commands[i].usage);
}

/* `help [COMMAND]`, `COMMAND -h`: 0, or 3 with urfave/cli's words for an unknown one. */
static int help_for(const char *name)
{
	int i;

	if (!name) {
		usage(stdout);
		return 0;
	}
	i = find_command(name);
	if (i < 0) {
		fprintf(stderr, "No help topic for '%s'\n", name);
		return 3;
	}
	command_help(i);
	return 0;
}

/* -h or --help among a command's options, before its first argument (what follows that
 * belongs to the container's process, as in `exec ID sh -h`). */
static bool wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (streq(argv[i], "--"))
			return false;
		if (streq(argv[i], "-h") || streq(argv[i], "--help"))
			return true;
		if (argv[i][0] != '-')
			return false;
	}
	return false;
}

int main(int argc, char **argv)
{
	struct rt_cli cli = { .root = BERTH_RUNTIME_DEFAULT_ROOT };
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "log", required_argument, NULL, 'l' },
		{ "log-format", required_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "systemd-cgroup", no_argument, NULL, 's' },
		{ "cgroup-manager", required_argument, NULL, 'm' },
		{ "criu", required_argument, NULL, 'c' },
		{ "rootless", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{},
	};
	int c;

	/* '+': stop at the first non-option, the command */
	while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			cli.root = optarg;
			break;
		case 'l':
			cli.log_path = optarg;
			break;
		case 'f':
			if (!streq(optarg, "text") && !streq(optarg, "json"))
				return cli_usage_error(&cli, "--log-format",
						       "unknown format '%s' (text or json)", optarg);
			cli.log_json = streq(optarg, "json");
			break;
		case 'd':
			cli.debug = true;
			break;
		case 's':
			cli.systemd_cgroup = true;
			break;
		case 'm': /* crun's spelling */
			if (streq(optarg, "systemd") || streq(optarg, "cgroupfs")) {
				cli.systemd_cgroup = streq(optarg, "systemd");
				break;
			}
			if (streq(optarg, "disabled"))
				return cli_usage_error(&cli, "--cgroup-manager",
						       "'disabled' is not supported: berth-runtime "
						       "always places the container in a cgroup "
						       "(use cgroupfs)");
			if (!streq(optarg, "cgroupfs"))
				return cli_usage_error(&cli, "--cgroup-manager",
						       "unknown cgroup manager '%s' (cgroupfs or "
						       "systemd)",
						       optarg);
			break;
		case 'c':
			cli.criu = optarg;
			break;
		case 'R':
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'v':
			printf("berth-runtime version 0.1.0\nspec: 1.2.0\n");
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	log_json = cli.log_json;
	if (cli.log_path) {
		log_fd = open(cli.log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (log_fd < 0) {
			fprintf(stderr, "berth-runtime: --log '%s': %s\n", cli.log_path,
				strerror(errno));
			return 1;
		}
		log_fd = high_fd(log_fd);
	}
	if (cli.debug) {
		debug_fd = log_fd >= 0 ? log_fd : high_fd(fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3));
		berth_set_debug_handler(print_debug);
	}
	warn_cli = &cli;
	berth_set_warning_handler(print_warning);
	if (streq(argv[optind], "help") || streq(argv[optind], "h"))
		return help_for(optind + 1 < argc ? argv[optind + 1] : NULL);
	{
		int i = find_command(argv[optind]);

		if (i < 0) {
			if (wants_help(argc - optind - 1, argv + optind + 1))
				return help_for(argv[optind]);
			return cli_usage_error(&cli, argv[optind], "unknown command");
		}
		if (wants_help(argc - optind - 1, argv + optind + 1)) {
			command_help(i);
			return 0;
		}
		optind++;
		argc -= optind - 1;
		argv += optind - 1;
		optind = 0;
		return commands[i].fn(argc, argv, &cli);
	}
}
