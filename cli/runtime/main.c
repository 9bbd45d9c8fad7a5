/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-runtime: an OCI runtime with runc's command line. A thin front door: parse
 * flags, call lib/runtime, print once. */
#include <errno.h>
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
#include "util.h"

static void log_line(const struct rt_cli *cli, const char *level, const char *msg)
{
	FILE *f;

	if (!cli->log_path)
		return;
	f = fopen(cli->log_path, "ae");
	if (!f)
		return;
	if (cli->log_json) {
		char ts[64];
		time_t t = time(NULL);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fputs("{\"level\":\"", f);
		fputs(level, f);
		fputs("\",\"msg\":\"", f);
		for (const char *s = msg; *s; s++) {
			if (*s == '"' || *s == '\\')
				fprintf(f, "\\%c", *s);
			else if ((unsigned char)*s < 0x20)
				fprintf(f, "\\u%04x", *s);
			else
				fputc(*s, f);
		}
		fprintf(f, "\",\"time\":\"%s\"}\n", ts);
	} else {
		fprintf(f, "level=%s msg=\"%s\"\n", level, msg);
	}
	fclose(f);
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

static const struct {
	const char *name;
	int sig;
} signames[] = {
	{ "HUP", SIGHUP },   { "INT", SIGINT },     { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT },   { "IOT", SIGIOT },   { "BUS", SIGBUS },
	{ "FPE", SIGFPE },   { "KILL", SIGKILL },   { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },   { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },   { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },   { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO },     { "PWR", SIGPWR },   { "SYS", SIGSYS },
};

unsigned listen_fds(void)
{
	const char *pid = getenv("LISTEN_PID"), *n = getenv("LISTEN_FDS");
	uint64_t v;

	/* socket activation passed to us: the fds go on to the container (as runc does) */
	if (!pid || !n || parse_u64(n, &v) < 0 || v > 1024 || atoi(pid) != (int)getpid())
		return 0;
	return (unsigned)v;
}

int parse_signal(const char *s)
{
	int64_t v;
	const char *n;

	/* 0 is a valid "signal": it checks the process exists (runc accepts it too) */
	if (parse_i64(s, &v) == 0)
		return v >= 0 && v < 65 ? (int)v : -EINVAL;
	n = startswith(s, "SIG") ? s + 3 : s;
	for (size_t i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
		if (strcasecmp(n, signames[i].name) == 0)
			return signames[i].sig;
	if (startswith(n, "RTMIN+") && parse_i64(n + 6, &v) == 0 && SIGRTMIN + v <= SIGRTMAX)
		return SIGRTMIN + (int)v;
	return -EINVAL;
}

static const struct {
	const char *name;
	int (*fn)(int, char **, const struct rt_cli *);
	const char *summary;
} commands[] = {
	{ "create", cmd_create, "create a container" },
	{ "start", cmd_start, "start a created container" },
	{ "state", cmd_state, "print the state of a container as JSON" },
	{ "kill", cmd_kill, "send a signal to the container's init" },
	{ "delete", cmd_delete, "delete a container and everything it holds" },
	{ "run", cmd_run, "create and start a container" },
	{ "spec", cmd_spec, "write a default config.json" },
	{ "list", cmd_list, "list containers" },
	{ "exec", cmd_exec, "run a process in a running container" },
	{ "pause", cmd_pause, "freeze every process of a container" },
	{ "resume", cmd_resume, "thaw a paused container" },
	{ "ps", cmd_ps, "list the processes of a container" },
	{ "update", cmd_update, "change a container's resources" },
	{ "events", cmd_events, "print stats and OOM events of a container" },
	{ "checkpoint", cmd_checkpoint, "checkpoint a running container with CRIU" },
	{ "restore", cmd_restore, "restore a container from a CRIU checkpoint" },
	{ "features", cmd_features, "print the features this runtime supports (JSON)" },
};

static void usage(FILE *f)
{
	fputs("usage: berth-runtime [--root DIR] [--log FILE] [--log-format text|json] [--debug] "
	      "COMMAND [ARGS]\n\ncommands:\n",
	      f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].fn)
			fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
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
			return cli_usage_error(&cli, "--systemd-cgroup",
					       "the systemd cgroup driver needs systemd running as "
					       "PID 1, and it is not (use the default cgroupfs driver)");
		case 'c':
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
	warn_cli = &cli;
	berth_set_warning_handler(print_warning);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!streq(commands[i].name, argv[optind]) || !commands[i].fn)
			continue;
		optind++;
		argc -= optind - 1;
		argv += optind - 1;
		optind = 0;
		return commands[i].fn(argc, argv, &cli);
	}
	return cli_usage_error(&cli, argv[optind], "unknown command");
}
