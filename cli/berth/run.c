/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/net.h"
#include "berth/runtime.h"
#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

/* the engine relays our own stdio: a front door's to give */
static const struct berth_stdio our_stdio = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO};

static void usage(FILE *f, bool create)
{
	fprintf(f,
		"Usage:  berth %s [OPTIONS] IMAGE [COMMAND] [ARG...]\n"
		"\n"
		"%s\n"
		"\n"
		"Options:\n"
		"      --cgroup-parent PATH  Cgroup under which the container's cgroup is made\n"
		"      --cpus N              Number of CPUs (fractions allowed)\n"
		"%s",
		create ? "create" : "run",
		create ? "Create a new container from an image, without starting it"
		       : "Create and run a new container from an image",
		create ? ""
		       : "  -d, --detach              Run in the background and print its id\n"
			 "      --detach-keys KEYS    Keys that detach (default \"ctrl-p,ctrl-q\")\n"
			 "      --sig-proxy[=BOOL]    Send the signals we get to the container\n"
			 "                            (default true)\n");
	fprintf(f,
		"      --entrypoint CMD      Overwrite the image's entrypoint\n"
		"  -e, --env K=V             Set an environment variable\n"
		"  -h, --hostname NAME       Container host name\n"
		"  -i, --interactive         Keep STDIN open\n"
		"      --init                Run an init inside the container that forwards\n"
		"                            signals and reaps processes\n"
		"  -m, --memory SIZE         Memory limit (e.g. 512m, 1g)\n"
		"      --memory-swap SIZE    Memory plus swap limit, -1 for unlimited swap\n"
		"      --name NAME           Name the container\n"
		"      --network NET         bridge (default), none, host, container:NAME, or\n"
		"                            a network made with `berth network create`\n"
		"      --ip IP               Its IPv4 address on --network (a made network)\n"
		"      --network-alias NAME  A name it has on --network's DNS (repeatable)\n"
		"      --mac-address MAC     Its MAC address on --network (02:42:ac:11:00:02)\n"
		"  -p, --publish SPEC        Publish a port: [[IP:][HOSTPORT]:]CTRPORT[/tcp|/udp]\n"
		"                            (ports may be ranges, 8000-8001:80-81)\n"
		"                            (no HOSTPORT: a free one, see `berth port`)\n"
		"  -P, --publish-all         Publish every port the image exposes on free ports\n"
		"      --pids-limit N        Limit the number of processes\n"
		"      --add-host NAME:IP    Add a line to /etc/hosts\n"
		"      --cap-add CAP         Add a capability (or ALL)\n"
		"      --cap-drop CAP        Drop a capability (or ALL)\n"
		"  -c, --cpu-shares N        CPU shares (relative weight)\n"
		"      --cpu-period US       CFS period\n"
		"      --cpu-quota US        CFS quota\n"
		"      --cpuset-cpus LIST    CPUs in which to allow execution (0-3, 0,1)\n"
		"      --cpuset-mems LIST    Memory nodes in which to allow execution\n"
		"      --dns IP              Set custom DNS servers\n"
		"      --dns-option OPT      Set DNS options\n"
		"      --dns-search DOMAIN   Set custom DNS search domains\n"
		"      --domainname NAME     Container NIS domain name\n"
		"      --env-file FILE       Read in a file of environment variables\n"
		"      --group-add GROUP     Add additional groups to join\n"
		"      --health-cmd CMD      Command to run to check health (by /bin/sh -c)\n"
		"      --health-interval D   Time between running the check (default 30s)\n"
		"      --health-retries N    Consecutive failures needed to report unhealthy\n"
		"                            (default 3)\n"
		"      --health-start-interval D  Time between checks during the start\n"
		"                            period (default 5s)\n"
		"      --health-start-period D  Start period for the container to initialize\n"
		"                            before failures count (default 0s)\n"
		"      --health-timeout D    Maximum time to allow one check to run (default\n"
		"                            30s)\n"
		"      --no-healthcheck      Disable any container-specified HEALTHCHECK\n"
		"      --memory-reservation SIZE  Memory soft limit\n"
		"      --cidfile FILE        Write the container ID to the file\n"
		"      --expose PORT[/PROTO] Expose a port (published by -P)\n"
		"      --ipc MODE            private (default), shareable, host, or\n"
		"                            container:NAME (a shareable one's)\n"
		"  -l, --label K=V           Set metadata on the container\n"
		"      --label-file FILE     Read in a line delimited file of labels\n"
		"      --oom-score-adj N     Tune the host's OOM preferences (-1000 to 1000)\n"
		"      --pid MODE            private (default), host, or container:NAME\n"
		"      --platform P          linux/amd64 (the only one berth runs)\n"
		"      --read-only           Mount the container's root filesystem read-only\n"
		"      --stop-timeout N      Seconds to wait before killing it on stop\n"
		"      --tmpfs DEST[:OPTS]   Mount a tmpfs\n"
		"      --uts MODE            host, or private (default)\n"
		"      --security-opt OPT    no-new-privileges, seccomp=PROFILE|unconfined\n"
		"                            (others are refused)\n"
		"      --privileged          Give extended privileges to this container\n"
		"      --device HOST[:CTR][:PERMS]  Add a host device to the container\n"
		"      --device-cgroup-rule RULE    Add a rule to the cgroup allowed devices list\n"
		"      --device-read-bps DEV:RATE   Limit read rate (bytes per second) from a device\n"
		"      --device-write-bps DEV:RATE  Limit write rate (bytes per second) to a device\n"
		"      --device-read-iops DEV:N     Limit read rate (IO per second) from a device\n"
		"      --device-write-iops DEV:N    Limit write rate (IO per second) to a device\n"
		"      --blkio-weight N      Block IO weight (10 to 1000, 0 to disable)\n"
		"      --oom-kill-disable    Disable the OOM killer\n"
		"      --mount SPEC          Attach a filesystem mount to the container:\n"
		"                            type=bind|volume|tmpfs,source=...,target=...[,readonly]\n"
		"      --userns MODE         host (the only one berth runs)\n"
		"  -a, --attach STREAM       Attach to STDIN, STDOUT or STDERR\n"
		"      --log-driver DRIVER   json-file (default), local, k8s-file or none\n"
		"      --log-opt OPT         max-size=SIZE, max-file=N (rotation of the log)\n"
		"      --shm-size SIZE       Size of /dev/shm (default 64m)\n"
		"      --sysctl K=V          Sysctl options\n"
		"      --ulimit NAME=S[:H]   Ulimit options (nofile, nproc, core, ...)\n"
		"      --pull string         Pull image before running (\"always\", \"missing\",\n"
		"                            \"never\") (default \"missing\")\n"
		"      --restart POLICY      no, always, unless-stopped, on-failure[:N]\n"
		"      --rm                  Remove the container when it exits\n"
		"      --stop-signal SIGNAL  Signal that stops the container (default SIGTERM)\n"
		"  -t, --tty                 Allocate a pseudo-TTY\n"
		"  -u, --user USER[:GROUP]   User name or uid, and group\n"
		"  -v, --volume SPEC         Bind mount HOST:DEST[:ro], volume NAME:DEST[:ro],\n"
		"                            or an anonymous volume at DEST\n"
		"  -w, --workdir DIR         Working directory inside the container\n"
		"      --help                Print this help\n");
}

/* run and create: the same flags (create has no --detach) */
/* --cidfile: the new container's id, as docker writes it (no newline) */
static int write_cidfile(const char *path, const char *id, struct berth_error **err)
{
	int r;

	if (!path)
		return 0;
	r = write_file_atomic(path, id, strlen(id), 0644);
	if (r < 0)
		return berth_error_set(err, -r, "failed to create the container ID file '%s'", path);
	return 0;
}

static int run_or_create(int argc, char **argv, struct berth_cli *cli, bool create,
			 struct berth_error **err)
{
	enum {
		OPT_RM = 0x100,
		OPT_NAME,
		OPT_CPUS,
		OPT_PIDS,
		OPT_CGROUP_PARENT,
		OPT_ENTRYPOINT,
		OPT_SWAP,
		OPT_HELP,
		OPT_STOP_SIGNAL,
		OPT_READ_ONLY,
		OPT_NETWORK,
		OPT_IP,
		OPT_NETWORK_ALIAS,
		OPT_RESTART,
		OPT_PULL,
		OPT_CAP_ADD,
		OPT_CAP_DROP,
		OPT_ADD_HOST,
		OPT_DNS,
		OPT_DNS_SEARCH,
		OPT_DNS_OPTION,
		OPT_SYSCTL,
		OPT_ULIMIT,
		OPT_GROUP_ADD,
		OPT_SHM_SIZE,
		OPT_DOMAINNAME,
		OPT_SECURITY_OPT,
		OPT_MEMORY_RESERVATION,
		OPT_CPU_PERIOD,
		OPT_CPU_QUOTA,
		OPT_CPUSET_CPUS,
		OPT_CPUSET_MEMS,
		OPT_ENV_FILE,
		OPT_STOP_TIMEOUT,
		OPT_PID,
		OPT_IPC,
		OPT_UTS,
		OPT_OOM_SCORE_ADJ,
		OPT_CIDFILE,
		OPT_PLATFORM,
		OPT_TMPFS,
		OPT_LABEL_FILE,
		OPT_EXPOSE,
		OPT_PRIVILEGED,
		OPT_DEVICE,
		OPT_DEVICE_CGROUP_RULE,
		OPT_OOM_KILL_DISABLE,
		OPT_BLKIO_WEIGHT,
		OPT_DEVICE_READ_BPS,
		OPT_DEVICE_WRITE_BPS,
		OPT_DEVICE_READ_IOPS,
		OPT_DEVICE_WRITE_IOPS,
		OPT_MOUNT,
		OPT_USERNS,
		OPT_LOG_DRIVER,
		OPT_LOG_OPT,
		OPT_INIT,
		OPT_HEALTH_CMD,
		OPT_HEALTH_INTERVAL,
		OPT_HEALTH_TIMEOUT,
		OPT_HEALTH_START_PERIOD,
		OPT_HEALTH_START_INTERVAL,
		OPT_HEALTH_RETRIES,
		OPT_NO_HEALTHCHECK,
		OPT_MAC_ADDRESS,
		OPT_DETACH_KEYS,
		OPT_SIG_PROXY,
	};
	static const struct option options[] = {
		{ "rm", no_argument, NULL, OPT_RM },
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "detach", no_argument, NULL, 'd' },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'u' },
		{ "hostname", required_argument, NULL, 'h' },
		{ "memory", required_argument, NULL, 'm' },
		{ "memory-swap", required_argument, NULL, OPT_SWAP },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "pids-limit", required_argument, NULL, OPT_PIDS },
		{ "cgroup-parent", required_argument, NULL, OPT_CGROUP_PARENT },
		{ "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
		{ "stop-signal", required_argument, NULL, OPT_STOP_SIGNAL },
		{ "volume", required_argument, NULL, 'v' },
		{ "network", required_argument, NULL, OPT_NETWORK },
		{ "net", required_argument, NULL, OPT_NETWORK },
	    {"ip", required_argument, NULL, OPT_IP},
	    {"network-alias", required_argument, NULL, OPT_NETWORK_ALIAS},
	    {"net-alias", required_argument, NULL, OPT_NETWORK_ALIAS},
		{ "publish", required_argument, NULL, 'p' },
		{ "publish-all", no_argument, NULL, 'P' },
		{ "restart", required_argument, NULL, OPT_RESTART },
		{ "read-only", no_argument, NULL, OPT_READ_ONLY },
		{ "pull", required_argument, NULL, OPT_PULL },
		{ "cap-add", required_argument, NULL, OPT_CAP_ADD },
		{ "cap-drop", required_argument, NULL, OPT_CAP_DROP },
		{ "add-host", required_argument, NULL, OPT_ADD_HOST },
		{ "dns", required_argument, NULL, OPT_DNS },
		{ "dns-search", required_argument, NULL, OPT_DNS_SEARCH },
		{ "dns-option", required_argument, NULL, OPT_DNS_OPTION },
		{ "sysctl", required_argument, NULL, OPT_SYSCTL },
		{ "ulimit", required_argument, NULL, OPT_ULIMIT },
		{ "group-add", required_argument, NULL, OPT_GROUP_ADD },
		{ "shm-size", required_argument, NULL, OPT_SHM_SIZE },
		{ "domainname", required_argument, NULL, OPT_DOMAINNAME },
		{ "security-opt", required_argument, NULL, OPT_SECURITY_OPT },
		{ "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
		{ "cpu-shares", required_argument, NULL, 'c' },
		{ "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
		{ "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
		{ "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
		{ "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
		{ "env-file", required_argument, NULL, OPT_ENV_FILE },
		{ "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "ipc", required_argument, NULL, OPT_IPC },
		{ "uts", required_argument, NULL, OPT_UTS },
		{ "oom-score-adj", required_argument, NULL, OPT_OOM_SCORE_ADJ },
		{ "cidfile", required_argument, NULL, OPT_CIDFILE },
		{ "platform", required_argument, NULL, OPT_PLATFORM },
		{ "tmpfs", required_argument, NULL, OPT_TMPFS },
		{ "label", required_argument, NULL, 'l' },
		{ "label-file", required_argument, NULL, OPT_LABEL_FILE },
		{ "expose", required_argument, NULL, OPT_EXPOSE },
		{ "privileged", no_argument, NULL, OPT_PRIVILEGED },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "device-cgroup-rule", required_argument, NULL, OPT_DEVICE_CGROUP_RULE },
		{ "oom-kill-disable", no_argument, NULL, OPT_OOM_KILL_DISABLE },
		{ "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
		{ "device-read-bps", required_argument, NULL, OPT_DEVICE_READ_BPS },
		{ "device-write-bps", required_argument, NULL, OPT_DEVICE_WRITE_BPS },
		{ "device-read-iops", required_argument, NULL, OPT_DEVICE_READ_IOPS },
		{ "device-write-iops", required_argument, NULL, OPT_DEVICE_WRITE_IOPS },
		{ "mount", required_argument, NULL, OPT_MOUNT },
		{ "userns", required_argument, NULL, OPT_USERNS },
		{ "attach", required_argument, NULL, 'a' },
		{ "log-driver", required_argument, NULL, OPT_LOG_DRIVER },
		{ "log-opt", required_argument, NULL, OPT_LOG_OPT },
		{ "init", no_argument, NULL, OPT_INIT },
		{ "health-cmd", required_argument, NULL, OPT_HEALTH_CMD },
		{ "health-interval", required_argument, NULL, OPT_HEALTH_INTERVAL },
		{ "health-timeout", required_argument, NULL, OPT_HEALTH_TIMEOUT },
		{ "health-start-period", required_argument, NULL, OPT_HEALTH_START_PERIOD },
		{ "health-start-interval", required_argument, NULL, OPT_HEALTH_START_INTERVAL },
		{ "health-retries", required_argument, NULL, OPT_HEALTH_RETRIES },
		{ "no-healthcheck", no_argument, NULL, OPT_NO_HEALTHCHECK },
		{ "mac-address", required_argument, NULL, OPT_MAC_ADDRESS },
		{ "detach-keys", required_argument, NULL, OPT_DETACH_KEYS },
		{ "sig-proxy", optional_argument, NULL, OPT_SIG_PROXY },
		{ "help", no_argument, NULL, OPT_HELP },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	_cleanup_strv_free_ char **env = NULL, **entrypoint = NULL, **cmd = NULL, **volumes = NULL,
				   **publish = NULL, **cap_add = NULL, **cap_drop = NULL,
				   **add_hosts = NULL, **dns = NULL, **dns_search = NULL,
				   **dns_options = NULL, **sysctls = NULL, **ulimits = NULL,
				   **group_add = NULL, **env_from_files = NULL, **tmpfs = NULL,
				   **labels = NULL, **expose = NULL, **devices = NULL,
				   **cgroup_rules = NULL, **read_bps = NULL, **write_bps = NULL,
				   **read_iops = NULL, **write_iops = NULL, **log_opts = NULL,
				   **health_test = NULL, **aliases = NULL;
	_cleanup_free_ char *id = NULL, *image_id = NULL;
	struct berth_run_opts o = { 0 };
	const char *pull = "missing", *cidfile = NULL;
	/* -a/--attach: the streams relayed (none given: all of them) */
	bool attach_given = false, attach[3] = { false, false, false };
	struct berth_stdio stdio = our_stdio;
	bool sig_proxy = true;
	char keys[BERTH_DETACH_KEYS_MAX];
	size_t n_keys;
	int c, r, code, status = 0;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, "+:ite:w:u:h:m:dv:p:Pc:l:a:", options, NULL)) >= 0) {
		switch (c) {
		case OPT_RM:
			o.rm = true;
			break;
		case 'i':
			o.interactive = true;
			break;
		case 't':
			o.tty = true;
			break;
		case 'd':
			if (create)
				return cli_usage_error(cli, err, "unknown shorthand flag: 'd' in -d");
			o.detach = true;
			break;
		case 'v':
			if (strv_extend(&volumes, optarg) < 0)
				return berth_error_set(err, ENOMEM, "%s: -v '%s'", cli->command,
						       optarg);
			break;
		case 'p':
			/* docker's ranges (8000-8001:80-81) as one spec per port */
			r = port_expand(optarg, &publish, err);
			if (r < 0)
				return r;
			break;
		case 'P':
			o.publish_all = true;
			break;
		case OPT_NETWORK:
			o.network = optarg;
			break;
		case OPT_IP:
			o.ip = optarg;
			break;
		case OPT_MAC_ADDRESS:
			o.mac_address = optarg;
			break;
		case OPT_NETWORK_ALIAS:
			if (strv_extend(&aliases, optarg) < 0)
				return berth_error_set(err, ENOMEM, "%s: --network-alias '%s'",
						       cli->command, optarg);
			break;
		case OPT_RESTART:
			o.restart = optarg;
			break;
		case OPT_PULL:
			if (!streq(optarg, "always") && !streq(optarg, "missing") &&
			    !streq(optarg, "never"))
				return cli_usage_error(cli, err,
						       "invalid pull option: '%s': must be one of "
						       "\"always\", \"missing\" or \"never\"",
						       optarg);
			pull = optarg;
			break;
		case OPT_READ_ONLY:
			o.read_only = true;
			break;
		case OPT_STOP_SIGNAL:
			if (berth_signal_parse(optarg) <= 0)
				return cli_usage_error(cli, err, "invalid stop signal '%s'", optarg);
			o.stop_signal = optarg;
			break;
		case OPT_NAME:
			o.name = optarg;
			break;
		case 'e':
			if (cli_env_add(&env, optarg) < 0)
				return berth_error_set(err, ENOMEM, "%s: -e '%s'", cli->command,
						       optarg);
			break;
		case 'w':
			if (optarg[0] != '/')
				return cli_usage_error(cli, err,
						       "the working directory '%s' is not absolute",
						       optarg);
			o.workdir = optarg;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'h':
			o.hostname = optarg;
			break;
		case 'm':
			if (parse_size(optarg, &o.memory) < 0 || o.memory <= 0)
				return cli_usage_error(cli, err, "invalid memory size '%s'", optarg);
			if (o.memory < 6 * 1024 * 1024)
				return cli_usage_error(cli, err,
						       "minimum memory limit allowed is 6MB, got '%s'",
						       optarg);
			break;
		case OPT_SWAP:
			if (streq(optarg, "-1"))
				o.memory_swap = -1;
			else if (parse_size(optarg, &o.memory_swap) < 0 || o.memory_swap <= 0)
				return cli_usage_error(cli, err, "invalid memory-swap size '%s'",
						       optarg);
			break;
		case OPT_CPUS: {
			char *end;

			o.cpus = strtod(optarg, &end);
			if (*end || end == optarg || o.cpus <= 0 || o.cpus > 1024)
				return cli_usage_error(cli, err, "invalid --cpus value '%s'", optarg);
			break;
		}
		case OPT_PIDS: {
			int64_t v;

			if (parse_i64(optarg, &v) < 0)
				return cli_usage_error(cli, err, "invalid --pids-limit value '%s'",
						       optarg);
			o.pids_limit = v > 0 ? v : 0;
			break;
		}
		case OPT_CGROUP_PARENT:
			o.cgroup_parent = optarg;
			break;
		case OPT_ENTRYPOINT:
			if (strv_extend(&entrypoint, optarg) < 0)
				return berth_error_set(err, ENOMEM, "%s: --entrypoint '%s'",
						       cli->command, optarg);
			break;
		case OPT_CAP_ADD:
		case OPT_CAP_DROP:
		case OPT_ADD_HOST:
		case OPT_DNS:
		case OPT_DNS_SEARCH:
		case OPT_DNS_OPTION:
		case OPT_SYSCTL:
		case OPT_ULIMIT:
		case OPT_GROUP_ADD:
		case OPT_DEVICE:
		case OPT_DEVICE_CGROUP_RULE:
		case OPT_DEVICE_READ_BPS:
		case OPT_DEVICE_WRITE_BPS:
		case OPT_DEVICE_READ_IOPS:
		case OPT_DEVICE_WRITE_IOPS: {
			/* lists the engine checks, naming the flag */
			char ***l = c == OPT_CAP_ADD	 ? &cap_add
				    : c == OPT_CAP_DROP	 ? &cap_drop
				    : c == OPT_ADD_HOST	 ? &add_hosts
				    : c == OPT_DNS	 ? &dns
				    : c == OPT_DNS_SEARCH ? &dns_search
				    : c == OPT_DNS_OPTION ? &dns_options
				    : c == OPT_SYSCTL	 ? &sysctls
				    : c == OPT_ULIMIT	 ? &ulimits
				    : c == OPT_GROUP_ADD ? &group_add
				    : c == OPT_DEVICE	 ? &devices
				    : c == OPT_DEVICE_CGROUP_RULE ? &cgroup_rules
				    : c == OPT_DEVICE_READ_BPS	  ? &read_bps
				    : c == OPT_DEVICE_WRITE_BPS	  ? &write_bps
				    : c == OPT_DEVICE_READ_IOPS	  ? &read_iops
								  : &write_iops;

			if (strv_extend(l, optarg) < 0)
				return berth_error_set(err, ENOMEM, "%s: '%s'", cli->command, optarg);
			break;
		}
		case OPT_SHM_SIZE:
			if (parse_size(optarg, &o.shm_size) < 0 || o.shm_size <= 0)
				return cli_usage_error(cli, err, "invalid --shm-size value '%s'", optarg);
			break;
		case OPT_MEMORY_RESERVATION:
			if (parse_size(optarg, &o.memory_reservation) < 0 || o.memory_reservation <= 0)
				return cli_usage_error(cli, err, "invalid --memory-reservation value '%s'",
						       optarg);
			break;
		case 'c':
		case OPT_CPU_PERIOD:
		case OPT_CPU_QUOTA: {
			int64_t v;

			if (parse_i64(optarg, &v) < 0 || (c != OPT_CPU_QUOTA && v < 0))
				return cli_usage_error(cli, err, "invalid %s value '%s'",
						       c == 'c'		? "--cpu-shares"
						       : c == OPT_CPU_PERIOD ? "--cpu-period"
									     : "--cpu-quota",
						       optarg);
			if (c == 'c')
				o.cpu_shares = (uint64_t)v;
			else if (c == OPT_CPU_PERIOD)
				o.cpu_period = v;
			else
				o.cpu_quota = v;
			break;
		}
		case OPT_CPUSET_CPUS:
			o.cpuset_cpus = optarg;
			break;
		case OPT_CPUSET_MEMS:
			o.cpuset_mems = optarg;
			break;
		case OPT_DOMAINNAME:
			o.domainname = optarg;
			break;
		case OPT_SECURITY_OPT:
			/* what berth applies; every other option is refused by name */
			if (startswith(optarg, "seccomp=") || startswith(optarg, "seccomp:"))
				o.seccomp_profile = optarg + strlen("seccomp=");
			else if (streq(optarg, "no-new-privileges") ||
			    streq(optarg, "no-new-privileges:true") ||
			    streq(optarg, "no-new-privileges=true"))
				o.no_new_privileges = true;
			else if (streq(optarg, "no-new-privileges:false") ||
				 streq(optarg, "no-new-privileges=false"))
				o.no_new_privileges = false;
			else
				return cli_usage_error(cli, err,
						       "--security-opt '%s': not supported by berth "
						       "(only no-new-privileges and seccomp=)",
						       optarg);
			break;
		case OPT_STOP_TIMEOUT: {
			int64_t v;

			if (parse_i64(optarg, &v) < 0 || v < -1 || v > INT32_MAX)
				return cli_usage_error(cli, err, "invalid --stop-timeout value '%s'",
						       optarg);
			o.stop_timeout = (int)v;
			o.stop_timeout_set = v >= 0;
			break;
		}
		case OPT_PID:
		case OPT_IPC:
		case OPT_UTS: {
			const char *flag = c == OPT_PID ? "pid" : c == OPT_IPC ? "ipc" : "uts";
			const char *other = startswith(optarg, "container:");
			bool host = streq(optarg, "host");
			bool shareable = c == OPT_IPC && streq(optarg, "shareable");

			/* host, the container's own (docker's "private"; "" for uts), another
			 * container's (--pid, --ipc), or its own that others may join (--ipc
			 * shareable); the last one given wins */
			if (!host && !shareable && !streq(optarg, "private") && !streq(optarg, "") &&
			    !(c != OPT_UTS && other && *other))
				return cli_usage_error(cli, err,
						       "--%s '%s': berth supports %s", flag, optarg,
						       c == OPT_PID ? "host, private and container:NAME"
						       : c == OPT_IPC
							   ? "host, private, shareable and container:NAME"
							   : "host and private");
			if (c == OPT_PID) {
				o.host_pid = host;
				o.pid_container = other;
			} else if (c == OPT_IPC) {
				o.host_ipc = host;
				o.ipc_container = other;
				o.ipc_shareable = shareable;
			} else {
				o.host_uts = host;
			}
			break;
		}
		case OPT_OOM_SCORE_ADJ: {
			int64_t v;

			if (parse_i64(optarg, &v) < 0 || v < -1000 || v > 1000)
				return cli_usage_error(cli, err,
						       "invalid value %s, range for oom score adj is "
						       "[-1000, 1000]",
						       optarg);
			o.oom_score_adj = (int)v;
			o.oom_score_adj_set = true;
			break;
		}
		case OPT_CIDFILE:
			cidfile = optarg;
			break;
		case OPT_PLATFORM:
			/* one platform: the host's */
			if (!streq(optarg, "linux/amd64") && !streq(optarg, "linux") &&
			    !streq(optarg, "amd64"))
				return cli_usage_error(cli, err,
						       "--platform '%s': berth runs linux/amd64 images "
						       "only",
						       optarg);
			break;
		case 'l': {
			/* docker: "KEY=VALUE", or "KEY" with an empty value */
			_cleanup_free_ char *kv = strchr(optarg, '=') ? strdup(optarg)
								      : xasprintf("%s=", optarg);

			if (!kv || strv_push(&labels, TAKE_PTR(kv)) < 0)
				return berth_error_set(err, ENOMEM, "%s: --label", cli->command);
			break;
		}
		case OPT_LABEL_FILE: {
			_cleanup_strv_free_ char **more = NULL;

			/* the --env-file format: KEY=VALUE lines, blanks and # comments skipped */
			r = cli_env_file(&more, optarg, err);
			if (r < 0)
				return r;
			for (char **m = more; m && *m; m++) {
				_cleanup_free_ char *kv = strchr(*m, '=') ? strdup(*m)
									  : xasprintf("%s=", *m);

				if (!kv || strv_push(&labels, TAKE_PTR(kv)) < 0)
					return berth_error_set(err, ENOMEM, "%s: --label-file",
							       cli->command);
			}
			break;
		}
		case OPT_EXPOSE: {
			/* PORT[/tcp|/udp], as the image's EXPOSE */
			const char *slash = strchr(optarg, '/');
			_cleanup_free_ char *port = slash ? strndup(optarg, (size_t)(slash - optarg))
							  : strdup(optarg);
			uint64_t v;

			if (!port)
				return berth_error_set(err, ENOMEM, "%s: --expose", cli->command);
			if (parse_u64(port, &v) < 0 || v == 0 || v > 65535 ||
			    (slash && !streq(slash, "/tcp") && !streq(slash, "/udp")))
				return cli_usage_error(cli, err, "invalid --expose value '%s': "
							       "PORT[/tcp|/udp]", optarg);
			if (strv_extend(&expose, optarg) < 0)
				return berth_error_set(err, ENOMEM, "%s: --expose", cli->command);
			break;
		}
		case OPT_INIT:
			o.init = true;
			break;
		case OPT_HEALTH_CMD:
			/* docker: run by the container's shell; "" leaves the image's */
			health_test = strv_free(health_test);
			if (*optarg && (strv_extend(&health_test, "CMD-SHELL") < 0 ||
					strv_extend(&health_test, optarg) < 0))
				return berth_error_set(err, ENOMEM, "%s: --health-cmd",
						       cli->command);
			break;
		case OPT_HEALTH_INTERVAL:
		case OPT_HEALTH_TIMEOUT:
		case OPT_HEALTH_START_PERIOD:
		case OPT_HEALTH_START_INTERVAL: {
			const char *flag = c == OPT_HEALTH_INTERVAL  ? "--health-interval"
					   : c == OPT_HEALTH_TIMEOUT ? "--health-timeout"
					   : c == OPT_HEALTH_START_PERIOD
					       ? "--health-start-period"
					       : "--health-start-interval";
			int64_t *v = c == OPT_HEALTH_INTERVAL	    ? &o.health.interval
				     : c == OPT_HEALTH_TIMEOUT	    ? &o.health.timeout
				     : c == OPT_HEALTH_START_PERIOD ? &o.health.start_period
								    : &o.health.start_interval;

			/* Go's durations, as docker's flags: 1s, 500ms, 1m30s */
			if (parse_go_duration(optarg, v) < 0)
				return cli_usage_error(cli, err,
						       "invalid argument \"%s\" for \"%s\" flag: "
						       "invalid duration \"%s\" (e.g. 30s, 500ms, "
						       "1m30s)",
						       optarg, flag, optarg);
			if (*v < 0)
				return cli_usage_error(cli, err, "%s cannot be negative", flag);
			break;
		}
		case OPT_HEALTH_RETRIES: {
			int64_t v;

			if (parse_i64(optarg, &v) < 0 || v > INT32_MAX || v < INT32_MIN)
				return cli_usage_error(cli, err,
						       "invalid argument \"%s\" for "
						       "\"--health-retries\" flag: not an integer",
						       optarg);
			if (v < 0)
				return cli_usage_error(cli, err,
						       "--health-retries cannot be negative");
			o.health.retries = (int)v;
			break;
		}
		case OPT_NO_HEALTHCHECK:
			o.no_healthcheck = true;
			break;
		case OPT_DETACH_KEYS:
		case OPT_SIG_PROXY:
			/* run's own: docker's create has neither */
			if (create)
				return cli_usage_error(cli, err, "unknown flag '--%s'",
						       c == OPT_DETACH_KEYS ? "detach-keys"
									    : "sig-proxy");
			if (c == OPT_DETACH_KEYS) {
				stdio.detach_keys = optarg;
				break;
			}
			r = cli_parse_bool(cli, "sig-proxy", optarg, &sig_proxy, err);
			if (r < 0)
				return r;
			break;
		case OPT_TMPFS:
			if (strv_extend(&tmpfs, optarg) < 0)
				return berth_error_set(err, ENOMEM, "%s: --tmpfs", cli->command);
			break;
		case OPT_MOUNT: {
			/* docker's --mount, as the -v or --tmpfs it amounts to */
			_cleanup_free_ char *vol = NULL, *tmp = NULL;

			r = berth_mount_spec(optarg, &vol, &tmp, err);
			if (r < 0)
				return cli_usage_error(cli, err,
						       "invalid argument \"%s\" for \"--mount\" flag: %s",
						       optarg, berth_error_message(*err));
			if ((vol && strv_push(&volumes, TAKE_PTR(vol)) < 0) ||
			    (tmp && strv_push(&tmpfs, TAKE_PTR(tmp)) < 0))
				return berth_error_set(err, ENOMEM, "%s: --mount", cli->command);
			break;
		}
		case OPT_LOG_DRIVER:
			o.log_driver = optarg;
			break;
		case OPT_LOG_OPT:
			if (strv_extend(&log_opts, optarg) < 0)
				return berth_error_set(err, ENOMEM, "%s: --log-opt", cli->command);
			break;
		case OPT_PRIVILEGED:
			o.privileged = true;
			break;
		case OPT_OOM_KILL_DISABLE:
			o.oom_kill_disable = true;
			break;
		case OPT_BLKIO_WEIGHT: {
			uint64_t v;

			/* docker: 10 to 1000, 0 to leave it */
			if (parse_u64(optarg, &v) < 0 || (v != 0 && (v < 10 || v > 1000)))
				return cli_usage_error(cli, err,
						       "invalid --blkio-weight '%s': a number from 10 "
						       "to 1000",
						       optarg);
			o.blkio_weight = (uint16_t)v;
			break;
		}
		case OPT_USERNS:
			/* berth maps no user namespace of its own: host is what it has */
			if (!streq(optarg, "host") && *optarg)
				return cli_usage_error(cli, err,
						       "--userns '%s': not supported by berth (only "
						       "host)",
						       optarg);
			break;
		case 'a': {
			static const char *const names[] = { "stdin", "stdout", "stderr" };
			size_t k;

			for (k = 0; k < 3 && strcasecmp(optarg, names[k]); k++)
				;
			if (k == 3)
				return cli_usage_error(cli, err,
						       "invalid argument \"%s\" for \"-a, --attach\" "
						       "flag: valid streams are STDIN, STDOUT and STDERR",
						       optarg);
			attach[k] = attach_given = true;
			break;
		}
		case OPT_ENV_FILE:
			/* docker: the files first, -e over them whatever the order */
			r = cli_env_file(&env_from_files, optarg, err);
			if (r < 0)
				return r;
			break;
		case OPT_HELP:
			usage(stdout, create);
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, err, "\"berth %s\" requires at least 1 argument",
				       create ? "create" : "run");
	if (o.memory_swap > 0 && o.memory > 0 && o.memory_swap < o.memory)
		return cli_usage_error(cli, err,
				       "minimum memoryswap limit should be larger than memory limit");
	/* docker's check: -it in the foreground proxies our stdin to the container's pty in
	 * raw mode; from a pipe that echoes and then hangs for ever. Refused as docker does
	 * (its words, its exit code 1), before anything is made. */
	if (!create && !o.detach && o.interactive && o.tty && !isatty(STDIN_FILENO)) {
		fprintf(stderr, "berth: the input device is not a TTY\n");
		return 1;
	}
	o.image = argv[optind++];
	for (int i = optind; i < argc; i++)
		if (strv_extend(&cmd, argv[i]) < 0)
			return berth_error_set(err, ENOMEM, "%s: the command", cli->command);
	o.cmd = cmd;
	for (char **e = env; e && *e; e++)
		if (strv_extend(&env_from_files, *e) < 0)
			return berth_error_set(err, ENOMEM, "%s: -e '%s'", cli->command, *e);
	o.env = env_from_files ? env_from_files : env;
	o.entrypoint = entrypoint;
	o.volumes = volumes;
	o.publish = publish;
	o.cap_add = cap_add;
	o.cap_drop = cap_drop;
	o.add_hosts = add_hosts;
	o.dns = dns;
	o.dns_search = dns_search;
	o.dns_options = dns_options;
	o.sysctls = sysctls;
	o.ulimits = ulimits;
	o.group_add = group_add;
	o.tmpfs = tmpfs;
	o.labels = labels;
	o.expose = expose;
	o.devices = devices;
	o.log_opts = log_opts;
	o.device_cgroup_rules = cgroup_rules;
	o.device_read_bps = read_bps;
	o.device_write_bps = write_bps;
	o.device_read_iops = read_iops;
	o.device_write_iops = write_iops;
	if (attach_given) {
		if (o.detach)
			return cli_usage_error(cli, err, "Conflicting options: -a and -d");
		/* docker: what is not attached is not relayed (stdin only with -i too) */
		if (!attach[0])
			stdio.in = -1;
		if (!attach[1])
			stdio.out = -1;
		if (!attach[2])
			stdio.err = -1;
	}
	stdio.no_signals = !sig_proxy;
	/* refused before anything is made, as docker's attach refuses them before start */
	if (!o.detach && stdio.detach_keys && *stdio.detach_keys) {
		r = berth_detach_keys_parse(stdio.detach_keys, keys, &n_keys, err);
		if (r < 0)
			return r;
	}
	o.health.test = health_test;
	o.network_aliases = aliases;
	if (o.host_uts && o.hostname)
		return cli_usage_error(cli, err,
				       "Conflicting options: hostname and the network mode");
	if (o.cpus > 0 && (o.cpu_period || o.cpu_quota))
		return cli_usage_error(cli, err, "Conflicting options: Nano CPUs and CPU Period "
				       "(or Quota) cannot both be set");

	if (cidfile && access(cidfile, F_OK) == 0)
		return cli_usage_error(cli, err,
				       "container ID file found, make sure the other container isn't "
				       "running or delete %s",
				       cidfile);
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	/* docker's --pull: missing (the default) pulls an image the store lacks, always
	 * pulls it anyway, never leaves it to the engine's "unable to find image" */
	if (streq(pull, "always") ||
	    (streq(pull, "missing") &&
	     berth_image_resolve(berth_engine_store(engine), o.image, &image_id, NULL, NULL,
				 NULL) == -ENOENT)) {
		if (!streq(pull, "always"))
			fprintf(stderr, "Unable to find image '%s' locally\n", o.image);
		r = cli_pull_image(cli, o.image, err);
		if (r != 0)
			return r;
	}
	if (create) {
		r = berth_engine_create(engine, &o, &id, err);
		if (r < 0)
			return r;
		r = write_cidfile(cidfile, id, err);
		if (r < 0)
			return r;
		puts(id);
		return 0;
	}
	if (cidfile) {
		/* docker writes the file once the container exists, before it runs: create,
		 * then start as run would (attached in the foreground) */
		r = berth_engine_create(engine, &o, &id, err);
		if (r < 0)
			return r;
		r = write_cidfile(cidfile, id, err);
		if (r < 0)
			return r;
		r = berth_engine_start(engine, id, o.detach ? NULL : &stdio, &status, err);
	} else {
		r = berth_engine_run(engine, &o, &stdio, &id, &status, err);
	}
	if (r < 0 && (code = cli_exec_failure(err)) > 0)
		return code;
	if (r < 0)
		return r;
	if (o.detach) {
		puts(id);
		return 0;
	}
	return status;
}

int cmd_run(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	return run_or_create(argc, argv, cli, false, err);
}

int cmd_create(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	return run_or_create(argc, argv, cli, true, err);
}
