/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The engine: docker's verbs over the image store and the runtime library.
 * Containers live under <store root>/containers/<id>/:
 *
 *     container.json   the record (name, image, command, state, exit code, times)
 *     config.json      the OCI config generated for it (the bundle is this directory)
 *     upper/ work/     the overlay's copy-on-write layer
 *     rootfs/          where the overlay is mounted while the container exists
 *
 * Runtime state goes to /run/berth for the default store, <root>/run otherwise.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "berth/error.h"
#include "berth/image.h"
#include "berth/record.h"  /* enum berth_ctr_state */

struct berth_run_opts {
	const char *image;
	char **cmd;              /* NULL: the image's */
	char **entrypoint;       /* NULL: the image's */
	char **env;              /* "K=V" added to (and overriding) the image's */
	const char *name;        /* NULL: generated */
	const char *workdir;
	const char *user;        /* "uid[:gid]" */
	const char *hostname;    /* NULL: the first 12 characters of the id */
	int64_t memory;          /* bytes, 0: unlimited */
	int64_t memory_swap;     /* bytes (memory+swap), 0: unset, -1: unlimited */
	double cpus;             /* 0: unlimited */
	int64_t pids_limit;      /* 0: unlimited */
	const char *cgroup_parent;  /* NULL: "/berth" (cgroupfs), "system.slice" (systemd) */
	const char *stop_signal;   /* NULL: the image's, else SIGTERM */
	bool rm;
	bool interactive;
	bool tty;
	bool detach;               /* run: return once it runs */
	char **volumes;            /* docker's -v specs: HOST:DEST[:ro], NAME:DEST[:ro], DEST */
	const char *network;       /* NULL: "bridge"; "none", "host", "container:NAME|ID", or a
				    * network's name */
	const char *ip;		    /* --ip: its address on network (a user-defined one) */
	char **network_aliases;	    /* --network-alias: names it has there (DNS) */
	const char *mac_address;    /* --mac-address: its interface's MAC there (net_mac_parse:
				     * -EINVAL "invalid MAC address"); -EINVAL with network
				     * host or container: */
	char **publish;            /* docker's -p specs: [[IP:][HOSTPORT]:]CTRPORT[/tcp|/udp] */
	bool publish_all;          /* -P: every port the image exposes, on picked host ports */
	const char *restart;       /* --restart: no, always, unless-stopped, on-failure[:N] */
	bool read_only;            /* --read-only: the root filesystem is mounted read-only */
	char **cap_add;            /* --cap-add: "NET_ADMIN" or "CAP_NET_ADMIN", or "ALL" */
	char **cap_drop;           /* --cap-drop, likewise (drops apply before adds) */
	char **add_hosts;          /* --add-host: "NAME:IP" lines for /etc/hosts */
	char **dns;                /* --dns: the nameservers of its resolv.conf */
	char **dns_search;         /* --dns-search */
	char **dns_options;        /* --dns-option */
	char **sysctls;            /* --sysctl: "KEY=VALUE" */
	char **ulimits;            /* --ulimit: "NAME=SOFT[:HARD]" (nofile, nproc, core, ...) */
	int64_t shm_size;          /* --shm-size bytes; 0: 64 MiB */
	char **group_add;          /* --group-add: gids or group names of the image */
	const char *domainname;    /* --domainname */
	bool no_new_privileges;    /* --security-opt no-new-privileges */
	int64_t memory_reservation; /* --memory-reservation bytes, 0: none */
	uint64_t cpu_shares;       /* --cpu-shares, 0: unset */
	int64_t cpu_period;        /* --cpu-period (us), 0: unset */
	int64_t cpu_quota;         /* --cpu-quota (us), 0: unset */
	const char *cpuset_cpus;   /* --cpuset-cpus */
	const char *cpuset_mems;   /* --cpuset-mems */
	int stop_timeout;          /* --stop-timeout seconds; stop's default; 0 in opts: unset */
	bool stop_timeout_set;
	bool host_pid;             /* --pid host: the host's pid namespace */
	bool host_ipc;             /* --ipc host */
	bool host_uts;             /* --uts host */
	const char *pid_container; /* --pid container:NAME|ID: the pid namespace of that
				    * running container; -ENOENT: no such container, -EINVAL:
				    * it does not run */
	const char *ipc_container; /* --ipc container:NAME|ID: its IPC namespace, likewise;
				    * -EINVAL too when it is not shareable (docker's rule:
				    * made with --ipc shareable or host, or joining another) */
	bool ipc_shareable;        /* --ipc shareable: its own IPC namespace, others may join */
	int oom_score_adj;         /* --oom-score-adj */
	bool oom_score_adj_set;
	char **tmpfs;              /* --tmpfs DEST[:OPTIONS] */
	char **labels;             /* -l/--label "KEY=VALUE", over the image's */
	char **expose;             /* --expose PORT[/PROTO]: exposed as the image's EXPOSE (-P) */
	bool privileged;           /* --privileged: every capability and host device, no
				    * masked or read-only paths, /sys and cgroups writable */
	char **devices;            /* --device HOST[:CTR][:PERMS] */
	char **device_cgroup_rules; /* --device-cgroup-rule "c 1:3 rwm" */
	bool oom_kill_disable;     /* --oom-kill-disable */
	uint16_t blkio_weight;     /* --blkio-weight 10..1000, 0: unset */
	char **device_read_bps;    /* --device-read-bps DEVICE:RATE */
	char **device_write_bps;   /* --device-write-bps DEVICE:RATE */
	char **device_read_iops;   /* --device-read-iops DEVICE:OPS */
	char **device_write_iops;  /* --device-write-iops DEVICE:OPS */
	const char *seccomp_profile; /* --security-opt seccomp=: a profile file of docker's
				      * format, or "unconfined"; NULL: none */
	const char *log_driver;    /* --log-driver: json-file (NULL), local, k8s-file, none */
	char **log_opts;           /* --log-opt max-size=SIZE, max-file=N */
	bool init;                 /* --init: berth-init as PID 1 (at docker's /sbin/docker-init) */
	/* --health-cmd (test ["CMD-SHELL", CMD]), --health-interval, --health-timeout,
	 * --health-start-period, --health-start-interval, --health-retries: over the image's
	 * HEALTHCHECK field by field (test NULL, 0: the image's). -EINVAL for a negative
	 * one, or a duration below 1ms but 0, as docker. */
	struct berth_healthcheck health;
	bool no_healthcheck; /* --no-healthcheck: none, not even the image's (test
			      * ["NONE"]); with any of health: -EINVAL */
};

/*
 * The engine's handle: one store (images, containers, volumes, networks, under `root`)
 * and how containers are made there. Every engine call takes it; what a call changes on
 * disk it locks there (flocks in the store), so many processes may use one store at once.
 * A handle is not shared between threads.
 */
struct berth_engine;

struct berth_engine_opts {
	const char *root;            /* the store; NULL: BERTH_STORE_DEFAULT_ROOT */
	const char *cgroup_manager;  /* "systemd" or "cgroupfs"; NULL: the host's default,
				      * berth_cgroup_manager_default() */
};

/* Open (and make, when missing) the store at o->root. -EINVAL: an unknown cgroup manager. */
int berth_engine_open(const struct berth_engine_opts *o, struct berth_engine **ret,
		      struct berth_error **err);

/* Accepts NULL; returns NULL. */
struct berth_engine *berth_engine_free(struct berth_engine *e);

/* For _cleanup_(berth_engine_freep). */
static inline void berth_engine_freep(struct berth_engine **e)
{
	berth_engine_free(*e);
}

/* The image store the engine owns, for the berth_image_* calls (image.h). */
struct berth_store *berth_engine_store(const struct berth_engine *e);

/*
 * Containers run under a monitor each (berth-monitor: lib/monitor/monitor.c), which holds
 * their stdio and log and records how they end; the CLI may come and go.
 */

/*
 * The caller's side of a container's stdio, for the verbs that relay it (run and start
 * in the foreground, attach, exec): the engine reads in (-1: nothing, as with
 * --no-stdin) and writes what the container writes to out and err (-1: dropped). It
 * never uses fds of its own process: the CLI passes 0, 1 and 2, a server its sockets.
 * With a container's terminal, in is put in raw mode while relayed when it is a
 * terminal, and the window size is read from in, else from out (and again on SIGWINCH).
 * With a terminal and in relayed, the detach keys (docker's --detach-keys; NULL or "":
 * its default "ctrl-p,ctrl-q") typed on in detach: the container runs on. The signals
 * the caller gets (INT TERM HUP QUIT USR1 USR2) are sent to the container unless
 * no_signals (docker's --sig-proxy=false: they are left to their default action).
 */
struct berth_stdio {
	int in, out, err;
	bool multiplex;  /* out and err each framed onto its fd as docker's attach stream (an
			  * 8-byte header: stream 1 or 2, 3 zeros, the length big-endian), unless
			  * the container has a terminal (then raw); a server passes its
			  * connection as both, -1 for a stream the client did not ask for */
	bool no_signals; /* signals we get are not the container's (--sig-proxy=false, a
			  * server's) */
	const char *detach_keys; /* docker's --detach-keys (NULL: ctrl-p,ctrl-q) */
};

#define BERTH_DETACH_KEYS_MAX 16

/* docker's --detach-keys: comma-separated keys, each one character ("a"), "ctrl-@",
 * "ctrl-a" ... "ctrl-z", "ctrl-[", "ctrl-\\", "ctrl-]", "ctrl-^", "ctrl-_" or "DEL", as the
 * bytes they type (*ret_n of them, at most BERTH_DETACH_KEYS_MAX). -EINVAL: docker's
 * "Invalid detach keys (KEYS) provided", the key that is wrong after it. */
int berth_detach_keys_parse(const char *keys, char ret[BERTH_DETACH_KEYS_MAX], size_t *ret_n,
			    struct berth_error **err);

/* docker's --mount "type=bind|volume|tmpfs,source=S,target=T[,readonly][,tmpfs-size=N]
 * [,tmpfs-mode=OCTAL]" as the -v spec (*ret_volume) or --tmpfs spec (*ret_tmpfs) it
 * amounts to, the other NULL. A bind's source must exist (-v would make it). -EINVAL
 * names the key or value that is wrong, -ENOENT a missing bind source. */
int berth_mount_spec(const char *csv, char **ret_volume, char **ret_tmpfs,
		     struct berth_error **err);

/* Where berth's helper programs (berth-monitor, berth-full) are: beside the running
 * binary (the build tree, or one bin directory), else in the libexec directory. */
char *berth_helper_path(const char *name);

/* `berth create`: the container's directory, record and OCI config; not started.
 * *ret_id is its id. -ENOENT for a missing image. */
int berth_engine_create(struct berth_engine *e, const struct berth_run_opts *o, char **ret_id,
			struct berth_error **err);

/* `berth run`: create and start. In the foreground (not o->detach) io is relayed
 * (io->in with o->interactive, as a terminal with o->tty; io's detach keys detach from
 * a -it container: 1 is returned, *ret_status 0) and signals we get are sent to the
 * container (unless io->no_signals), until it exits: *ret_status is its exit status,
 * and with o->rm nothing is left of it when this returns. Detach keys that do not parse
 * are refused before anything is made. Detached, io is not used (may be NULL) and this
 * returns once its process runs, *ret_id its id (when ret_id is not NULL). Errors:
 * -EINVAL in the foreground without io; -ENOENT for a missing image; err->kind tells
 * when the command was not found (BERTH_ERROR_EXEC_NOT_FOUND) or not executable
 * (BERTH_ERROR_EXEC_DENIED). */
int berth_engine_run(struct berth_engine *e, const struct berth_run_opts *o,
		     const struct berth_stdio *io, char **ret_id, int *ret_status,
		     struct berth_error **err);

/* `berth start [-a]`: start a created or exited container again (its changes kept).
 * With attach (the caller's io, not NULL) as run in the foreground (1 when the user
 * detached); without, return once it runs. A running container is left as it is (and
 * attached to with attach). */
int berth_engine_start(struct berth_engine *e, const char *name_or_id,
		       const struct berth_stdio *attach, int *ret_status, struct berth_error **err);

/* `berth attach`: relay io to a running container until it exits (*ret_status) or the
 * user detaches (io's detach keys with a terminal and stdin: 1 is returned, *ret_status
 * 0). no_stdin: do not send
 * io->in. -EINVAL when it does not run. */
int berth_engine_attach(struct berth_engine *e, const char *name_or_id, bool no_stdin,
			const struct berth_stdio *io, int *ret_status, struct berth_error **err);

/* berth_engine_attach(), but a container that does not run is waited for: the relay
 * starts with its next start, from its first output (docker's attach before start). */
int berth_engine_attach_next(struct berth_engine *e, const char *name_or_id, bool no_stdin,
			     const struct berth_stdio *io, int *ret_status,
			     struct berth_error **err);

/* docker's resize: the window size of the running container's terminal (nothing without
 * one). -EINVAL when it does not run. */
int berth_engine_resize(struct berth_engine *e, const char *name_or_id, unsigned rows,
			unsigned cols, struct berth_error **err);

/* docker's wait conditions */
enum berth_wait_condition {
	BERTH_WAIT_NOT_RUNNING, /* berth_engine_wait(): now, unless it runs */
	BERTH_WAIT_NEXT_EXIT,   /* the end of its run, or of the next one if it does not run */
	BERTH_WAIT_REMOVED,     /* as next-exit (an exited one: its last code), and until it
				 * is removed (--rm, or by someone) */
};

int berth_engine_wait_condition(struct berth_engine *e, const char *name_or_id,
				enum berth_wait_condition cond, int *ret_code,
				struct berth_error **err);

/* `berth stop`: the stop signal (signal, else the container's, else SIGTERM), then
 * SIGKILL after timeout_s seconds (-1: 10); returns once the container has stopped.
 * A container that does not run is no error. */
int berth_engine_stop(struct berth_engine *e, const char *name_or_id, int timeout_s,
		      const char *signal, struct berth_error **err);

/* `berth restart`: stop as berth_engine_stop(), then start (detached). */
int berth_engine_restart(struct berth_engine *e, const char *name_or_id, int timeout_s,
			 const char *signal, struct berth_error **err);

/* `berth kill`: send sig to the container's init. -EINVAL when it does not run. */
int berth_engine_kill(struct berth_engine *e, const char *name_or_id, int sig,
		      struct berth_error **err);

/* `berth wait`: block until the container stops; *ret_code its exit code. */
int berth_engine_wait(struct berth_engine *e, const char *name_or_id, int *ret_code,
		      struct berth_error **err);

/* The streams of berth_logs_opts.write: docker's numbers (its attach and logs framing). */
enum {
	BERTH_LOGS_STDOUT = 1,
	BERTH_LOGS_STDERR = 2,
};

/* docker's frame of n bytes of a stream (BERTH_LOGS_STDOUT or _STDERR) on an attach or
 * logs stream without a terminal: this 8-byte header (the stream, three zeros, n
 * big-endian), then the bytes. */
static inline void berth_frame_header(uint8_t h[8], int stream, size_t n)
{
	h[0] = (uint8_t)stream;
	h[1] = h[2] = h[3] = 0;
	h[4] = (uint8_t)(n >> 24);
	h[5] = (uint8_t)(n >> 16);
	h[6] = (uint8_t)(n >> 8);
	h[7] = (uint8_t)n;
}

struct berth_logs_opts {
	bool follow;             /* -f: until the container stops */
	bool timestamps;         /* -t: each line prefixed with its RFC 3339 time */
	bool details;            /* --details: each line's attributes and a space before it
				  * (after the time), as dockerd's; berth's logs carry no
				  * attributes: the space */
	int64_t tail;            /* the last N lines only; -1: all */
	int64_t since_ns, until_ns; /* entries in [since, until) only; 0: unbounded */
	/* Where the output goes (required): called with each piece of it in order, stream
	 * BERTH_LOGS_STDOUT or BERTH_LOGS_STDERR for what the container wrote there. A
	 * negative errno returned ends berth_engine_logs() with that error. */
	int (*write)(int stream, const void *buf, size_t n, void *userdata);
	void *userdata;
};

/* `berth logs`: what the container wrote, each stream through o->write, as it wrote it.
 * -EINVAL without o->write. */
int berth_engine_logs(struct berth_engine *e, const char *name_or_id,
		      const struct berth_logs_opts *o, struct berth_error **err);

struct berth_engine_exec_opts {
	char **cmd;              /* required */
	char **env;              /* "K=V" added to the container's */
	const char *user;        /* docker's -u; NULL: the container's */
	const char *workdir;     /* NULL: the container's */
	bool tty, interactive, detach;
	bool privileged;         /* --privileged: every capability (the container's seccomp
				  * filter and no-new-privileges stay, as docker's) */
};

/* `berth exec`: run a command in the running container (every namespace and its
 * cgroup; in-process, not through the monitor), its stdio io's (stdin only with
 * o->interactive; with o->tty its terminal proxied to io->in and io->out). *ret_status
 * is its exit status (0 when detached: io is not used then, and may be NULL). With
 * io->multiplex or io->no_signals (a server's connection) the engine relays the
 * process's stdio itself, through pipes or its terminal, and forwards no signal.
 * With o->tty and o->interactive, io's detach keys detach: the command runs on, 1 is
 * returned (*ret_status 0). -EINVAL when the container does not run or io is missing,
 * or for detach keys that do not parse (docker's "Invalid escape keys"), -EBUSY when it
 * is paused;
 * err->kind tells a command not found or not executable apart, as for run. */
int berth_engine_exec(struct berth_engine *e, const char *name_or_id,
		      const struct berth_engine_exec_opts *o, const struct berth_stdio *io,
		      int *ret_status, struct berth_error **err);

/*
 * docker's exec instances (the Engine API's POST /containers/{id}/exec, then
 * /exec/{id}/start and /exec/{id}/json, each maybe from another process): a record each
 * in the container's directory, gone with the container.
 */
struct berth_exec_instance {
	char *id; /* 64 hex digits */
	char *container_id;
	struct berth_engine_exec_opts opts; /* interactive: docker's AttachStdin; detach: of
					     * its start */
	bool attach_stdout, attach_stderr;
	unsigned console_h, console_w; /* its terminal's first size; 0: none given */
	char *detach_keys;	       /* docker's DetachKeys: its start's (NULL: the
				        * starter's, else ctrl-p,ctrl-q) */
	bool started;		       /* its start came (it runs only once) */
	bool running;		       /* its process runs */
	bool exited; /* exit_code is its process's (not detached: a detached one's end
		      * is not seen) */
	int exit_code;
	pid_t pid; /* once started */
};
void berth_exec_instance_clear(struct berth_exec_instance *x);

/* A new exec instance of the running container from o's opts, attach_*, console_*,
 * detach_keys (the rest is ignored); *ret_id its id. -ENOENT: no such container; -EBUSY:
 * it does not run (docker's 409); -EINVAL: no command, or detach keys that do not parse
 * (docker's "Invalid escape keys (KEYS) provided"). */
int berth_exec_create(struct berth_engine *e, const char *name_or_id,
		      const struct berth_exec_instance *o, char **ret_id, struct berth_error **err);

/* The exec instance id: -ENOENT "No such exec instance: ID". */
int berth_exec_get(struct berth_engine *e, const char *id, struct berth_exec_instance *ret,
		   struct berth_error **err);

/* Run it as berth_engine_exec() runs a command (io relayed; io->multiplex and
 * io->no_signals honoured; its detach_keys, when it has them, rather than io's),
 * recording its pid while it runs and its exit code (*ret_status) before this returns;
 * detached, return once it runs. Detached by the keys: 1, the process runs on (and is
 * recorded running). -EBUSY: it was
 * started already ("is already running", "has already run"); the errors of
 * berth_engine_exec() otherwise (the exit code recorded then: 127 for a command not
 * found, else 126). */
int berth_exec_start(struct berth_engine *e, const char *id, bool detach,
		     const struct berth_stdio *io, int *ret_status, struct berth_error **err);

/* The size of its terminal (none: no error). -EBUSY: it does not run. */
int berth_exec_resize(struct berth_engine *e, const char *id, unsigned h, unsigned w,
		      struct berth_error **err);

/* `berth rename`: the container's new name (running or not), unique as at create:
 * -EEXIST with docker's Conflict message when another container has it, -EINVAL when it
 * is its name already or not a valid name. */
int berth_engine_rename(struct berth_engine *e, const char *name_or_id, const char *new_name,
			struct berth_error **err);

/* `berth update`: what changes; a field at its zero value (NULL, false) is left as it is. */
struct berth_update_opts {
	int64_t memory;		    /* -m bytes */
	int64_t memory_swap;	    /* memory+swap bytes, -1: unlimited */
	int64_t memory_reservation; /* bytes */
	double cpus;		    /* --cpus: quota over a 100 ms period */
	uint64_t cpu_shares;
	int64_t cpu_period, cpu_quota; /* us; quota -1: unlimited */
	const char *cpuset_cpus, *cpuset_mems;
	int64_t pids_limit; /* with pids_limit_set; <= 0: unlimited */
	bool pids_limit_set;
	uint16_t blkio_weight; /* 10 to 1000 */
	const char *restart;   /* no, always, unless-stopped, on-failure[:N] */
};

/*
 * `berth update`: a container's resources and restart policy. A running (or paused)
 * container's cgroup is changed at once (through the runtime, with either cgroup
 * driver); every change is kept in its config.json and record, so its next start has
 * them and inspect shows them. Errors, before anything changes: -EINVAL for values
 * docker refuses (a memory limit above the memory+swap one, --cpus out of range, a
 * restart policy with --rm), -EOPNOTSUPP for a block I/O weight this host's cgroups
 * cannot take; when the kernel refuses a limit (a memory limit below what the container
 * uses, on cgroup v1: -EBUSY) nothing is changed either.
 */
int berth_engine_update(struct berth_engine *e, const char *name_or_id,
			const struct berth_update_opts *o, struct berth_error **err);

/* The checks of berth_engine_update() that need no container (values, this host's
 * support), for a front door to refuse bad values once before it updates several. */
int berth_engine_update_check(const struct berth_update_opts *o, struct berth_error **err);

/* `berth system df`: what the store's images, containers and volumes take on disk, as
 * docker counts it. */
struct berth_df_image {
	char *id;
	char *ref; /* its first ref, familiar form; NULL when untagged */
	int64_t created;
	int64_t size;	     /* its layers' content */
	int64_t shared_size; /* of that, in layers other images have too */
	size_t containers;   /* the containers made from it */
};
struct berth_df_container {
	struct berth_ctr_info *info;
	int64_t size; /* its writable layer (upper directory) */
};
struct berth_df_volume {
	char *name;
	size_t links; /* the containers that mount it */
	int64_t size; /* its _data */
};
struct berth_df {
	struct berth_df_image *images;
	size_t n_images;
	struct berth_df_container *containers;
	size_t n_containers;
	struct berth_df_volume *volumes;
	size_t n_volumes;
	/* docker's summary: TOTAL, ACTIVE (images containers use, running containers,
	 * volumes mounted), SIZE (images: each layer once) and RECLAIMABLE (images: what is
	 * not unique to an image in use; containers: those that do not run; volumes: those
	 * no container mounts) */
	size_t images_active, containers_active, volumes_active;
	int64_t images_size, containers_size, volumes_size;
	int64_t images_reclaimable, containers_reclaimable, volumes_reclaimable;
};
int berth_engine_df(struct berth_engine *e, struct berth_df *ret, struct berth_error **err);
void berth_df_clear(struct berth_df *d);

/* `berth system prune`: container prune, image prune (dangling ones, all unused with
 * all), with volumes volume prune (anonymous ones), each as its own verb does it. filters:
 * "until=TIME" (unix seconds, RFC 3339, or a duration before now such as 24h: what was
 * made before), "label=K[=V]", "label!=K[=V]" for containers and images; -EINVAL
 * "invalid filter 'KEY'" for others (and for until with volumes, as docker). */
struct berth_system_prune_report {
	char **containers;  /* the ids removed */
	char **images;	    /* the image ids deleted */
	char **volumes;	    /* the volume names removed */
	char **networks;    /* the network names removed */
	uint64_t reclaimed; /* bytes */
};
int berth_engine_system_prune(struct berth_engine *e, bool all, bool volumes, char *const *filters,
			      struct berth_system_prune_report *ret, struct berth_error **err);
void berth_system_prune_report_clear(struct berth_system_prune_report *r);
/*
 * `berth events`: the store's event log (include/berth/events.h), read back. Each
 * event is handed over as it was logged; its strings live until the callback returns.
 */
struct berth_event {
	const char *type;   /* "container", "image", "volume", "network" */
	const char *action; /* "create", "die", "exec_start: sh -c ...", ... */
	const char *id;	    /* the actor's */
	const char *scope;  /* "local" */
	int64_t time_ns;
	const char *const *attrs; /* the actor's attributes: key, value, key, value, ...,
				   * NULL; sorted by key */
	const char *json;	  /* docker's message, the log's line (no newline) */
};

struct berth_events_opts {
	/* Events at since_ns and after, at until_ns and before (ns since the epoch; 0: no
	 * bound). As docker: without either, only events from now on; with either, the
	 * logged ones first. Then, unless until_ns has passed, new ones as they come until
	 * until_ns passes, stop_fd is readable (a server's hung-up client, a pipe the
	 * caller writes to) or the callback says stop. */
	int64_t since_ns, until_ns;
	/* docker's --filter "key=value" (NULL-terminated, may be NULL): type, event (an
	 * action; "exec_start" also matches "exec_start: CMD"), container, image, volume,
	 * network (an id or a name, id and name prefixes for container, volume and
	 * network), label ("KEY" or "KEY=VALUE" among the attributes), scope. Values of one
	 * key are OR'ed, keys AND'ed. */
	char *const *filters;
	int stop_fd; /* -1: none */
	/* Called for each event that passes (required): 0 to go on, > 0 to stop (0 is
	 * returned), < 0 to stop with that error. */
	int (*event)(const struct berth_event *ev, void *userdata);
	void *userdata;
};

/* -EINVAL "invalid filter 'KEY'" for a key it does not know, or a bad value. */
int berth_engine_events(struct berth_engine *e, const struct berth_events_opts *o,
			struct berth_error **err);

/* `berth info` / `berth version`: what docker's show of the engine and its host. */
struct berth_info {
	size_t containers, running, paused, stopped;
	size_t images;
	const char *version;     /* berth's (static) */
	char *root;              /* the store */
	char *cgroup_driver;     /* "systemd" or "cgroupfs" */
	int cgroup_version;      /* 2 on a unified (cgroup2-only) host, else 1 */
	char *kernel;            /* uname -r */
	char *os;                /* /etc/os-release PRETTY_NAME */
	char *arch;              /* uname -m */
	char *hostname;
	long cpus;               /* online */
	uint64_t mem_total;      /* bytes */
	char **security_options; /* docker's "name=seccomp,profile=builtin", ... */
};

int berth_engine_info(struct berth_engine *e, struct berth_info *ret, struct berth_error **err);
void berth_info_clear(struct berth_info *i);

/* `berth pause` (freeze every process of the container) and `unpause` (pause false). */
int berth_engine_pause(struct berth_engine *e, const char *name_or_id, bool pause,
		       struct berth_error **err);

/* `berth port`: the container's published ports while it runs, each as
 * "CTRPORT/PROTO\tHOSTIP:HOSTPORT" (a NULL-terminated strv, empty when it does not run
 * or publishes nothing). */
int berth_engine_ports(struct berth_engine *e, const char *name_or_id, char ***ret,
		       struct berth_error **err);

/* `berth top`: the pids of the running container (malloc'd). */
int berth_engine_pids(struct berth_engine *e, const char *name_or_id, pid_t **ret, size_t *ret_n,
		      struct berth_error **err);

/* One reading of `berth stats`. */
struct berth_engine_stats {
	uint64_t read_ns;        /* CLOCK_MONOTONIC when read */
	uint64_t cpu_ns;         /* CPU time used, all processes */
	uint64_t memory_usage, memory_limit;
	uint64_t pids;
	uint64_t net_rx, net_tx; /* bytes, every interface of its network namespace but lo */
	uint64_t io_read, io_write; /* bytes, block devices (its cgroup's blkio or io) */
};
int berth_engine_stats(struct berth_engine *e, const char *name_or_id,
		       struct berth_engine_stats *ret, struct berth_error **err);

/* `berth inspect CONTAINER`: docker's container object (Id, State, Config, HostConfig,
 * GraphDriver, the paths) as JSON text, malloc'd; with size (docker's inspect -s) also
 * its SizeRw and SizeRootFs (berth_engine_ctr_size()). -ENOENT: no such container. */
int berth_engine_inspect(struct berth_engine *e, const char *name_or_id, bool size, char **ret_json,
			 struct berth_error **err);

/* docker's container sizes (`ps -s`, `inspect -s`): *ret_rw the bytes of its writable
 * layer (its upper directory, counted as `system df` does: regular files and symlinks,
 * directories not), *ret_rootfs those and its image's layers' (docker's SizeRootFs, the
 * "virtual" size; the upper alone when its image is gone). -ENOENT: no such container. */
int berth_engine_ctr_size(struct berth_engine *e, const char *name_or_id, int64_t *ret_rw,
			  int64_t *ret_rootfs, struct berth_error **err);

/* `berth volume`: the store's named volumes, <store>/volumes/<name>/_data. */
int berth_volume_list(struct berth_engine *e, char ***ret_names, struct berth_error **err);
void berth_volume_list_free(char **names);
/* docker's `volume ls --filter` ("key=value") on *names (replaced by those that pass):
 * name (a regular expression), dangling=true|false (no container mounts it), driver
 * (local), label (berth's volumes have none: no volume passes); values of one key OR'ed,
 * keys AND'ed. -EINVAL "invalid filter 'KEY'" for a key it does not know, or a bad
 * value. */
int berth_volume_filter(struct berth_engine *e, char ***names, char *const *filters,
			struct berth_error **err);
/* name NULL: a random one, anonymous (as a container's: volume prune removes it);
 * *ret_name the volume's name. Creating one that exists is no error (docker's behaviour). */
int berth_volume_create(struct berth_engine *e, const char *name, char *const *labels,
			char **ret_name, struct berth_error **err);
/* docker's volume object as JSON text. -ENOENT: no such volume. */
int berth_volume_inspect(struct berth_engine *e, const char *name, char **ret_json,
			 struct berth_error **err);
/* -EBUSY while a container (running or not) mounts it, -ENOENT when there is none. */
int berth_volume_remove(struct berth_engine *e, const char *name, bool force,
			struct berth_error **err);
/* Remove the volumes no container mounts: anonymous ones, with all every one; with
 * filters (docker's "label=KEY[=VALUE]", every one of which a volume must have, and
 * "label!=KEY[=VALUE]", none of which it may have) only those they pass. *ret_removed:
 * their names. -EINVAL "invalid filter 'KEY'" for any other filter. */
int berth_volume_prune(struct berth_engine *e, bool all, char *const *filters,
		       char ***ret_removed, struct berth_error **err);

/* `berth network`: bridge networks (lib/net, include/berth/net.h); "bridge" is the default one. */
struct berth_network_info {
	char *name, *id, *subnet, *gateway, *bridge;
	int64_t created;
	bool internal;
	char **labels; /* "KEY=VALUE", NULL when none */
};
int berth_network_list(struct berth_engine *e, struct berth_network_info ***ret, size_t *ret_n,
		       struct berth_error **err);
void berth_network_info_list_free(struct berth_network_info **l, size_t n);
/*
 * docker's `network ls --filter`: berth_network_list() narrowed by filters ("key=value",
 * NULL-terminated, may be NULL; several values of one key are OR'ed, different keys
 * AND'ed), as docker's daemon: name, id (the value itself, or a regular expression
 * matching in it), driver (bridge), scope (local), type=custom|builtin (builtin: the
 * predefined "bridge"), label=KEY or label=KEY=VALUE (several must all match),
 * dangling=true|false (1|0; true: the user-defined networks no container is on, false
 * the others). -EINVAL for a key it does not know ("invalid filter 'KEY'") or a bad
 * value (docker's messages), before anything is listed.
 */
int berth_network_ls(struct berth_engine *e, char *const *filters, struct berth_network_info ***ret,
		     size_t *ret_n, struct berth_error **err);

struct berth_network_opts {
	const char *subnet;  /* "a.b.c.d/N", NULL: the next free /16 */
	const char *gateway; /* NULL: the subnet's first address */
	bool internal;	     /* --internal: no NAT, no route out */
	char **labels;	     /* --label "KEY=VALUE" */
	char **options;	     /* -o "KEY=VALUE": com.docker.network.bridge.name,
				com.docker.network.bridge.enable_ip_masquerade */
};
/* *ret_id the new network's id. -EEXIST: the name (or the bridge's) is taken; -EINVAL: a
 * bad or overlapping subnet, an unknown option. */
int berth_network_create(struct berth_engine *e, const char *name,
			 const struct berth_network_opts *o, char **ret_id,
			 struct berth_error **err);
/* -EBUSY while a container is connected to it; "bridge" cannot be removed. */
int berth_network_remove(struct berth_engine *e, const char *name, struct berth_error **err);
/* docker's network object (IPAM, Containers with their addresses, Labels, Internal,
 * Options) as JSON text. */
int berth_network_inspect(struct berth_engine *e, const char *name, char **ret_json,
			  struct berth_error **err);
/* Connect a container (any state) to a network: a running one gets its interface at
 * once, a created or stopped one at its next start. ip: the address it asks for (NULL:
 * any); aliases: names it has there. -ENOENT: no such network or container; -EEXIST:
 * already connected; -EINVAL: an address outside the subnet, a container sharing
 * another's network namespace or the host's. */
int berth_network_connect(struct berth_engine *e, const char *network, const char *key,
			  const char *ip, char *const *aliases, struct berth_error **err);
/* Disconnect it: a running one loses the interface, and the address is given back.
 * -ENOENT: not connected (no error with force), or no such network or container. */
int berth_network_disconnect(struct berth_engine *e, const char *network, const char *key,
			     bool force, struct berth_error **err);
/* Remove the networks no container is connected to ("bridge" stays), those matching
 * every filter ("label=KEY", "label=KEY=VALUE", "label!=..."): *ret_removed their
 * names. -EINVAL: a filter it does not know. */
int berth_network_prune(struct berth_engine *e, char *const *filters, char ***ret_removed,
			struct berth_error **err);

struct berth_ctr_info {
	char *id;
	char *name;
	char *image;
	char *image_id;          /* "sha256:..." of the image it was created from */
	char *command;           /* args joined with spaces */
	int64_t created;         /* unix seconds */
	int64_t started;         /* unix seconds, 0 before it first ran */
	int64_t finished;        /* unix seconds, 0 while running */
	enum berth_ctr_state state;
	bool paused;             /* running, but frozen */
	bool restarting;         /* between two runs of --restart */
	char *ports;             /* its published ports while it runs, docker's way:
				  * "0.0.0.0:8080->80/tcp, ..."; "" for none */
	int exit_code;
	pid_t pid;
	char **volumes;	   /* the names of the volumes it mounts; never NULL */
	char *network;	   /* the networks it is on ("a,b"), or "none", "host"...; NULL: none */
	char **port_specs; /* its -p, "[IP:]HOST:CTR/PROTO" (HOST 0: picked at start) */
	char **published;  /* the same as published while it runs, else NULL */
	char **labels;	   /* "KEY=VALUE", the image's and its own; never NULL */
	enum berth_health health; /* its healthcheck's status (the last, once it stopped);
				     BERTH_HEALTH_NONE: none, or never started */
};

/* Containers of the store, newest first; with all == false only running ones. */
int berth_engine_list(struct berth_engine *e, bool all, struct berth_ctr_info ***ret, size_t *ret_n,
		      struct berth_error **err);
void berth_ctr_info_list_free(struct berth_ctr_info **l, size_t n);
void berth_ctr_info_free(struct berth_ctr_info *c);

/*
 * docker's `ps --filter`: berth_engine_list() narrowed by filters ("key=value",
 * NULL-terminated, may be NULL; several values of one key are OR'ed, different keys
 * AND'ed): id, name (regular expressions, as docker's), status (created, running,
 * paused, exited, restarting, dead; any status filter lists every container, as -a),
 * exited=CODE, ancestor=IMAGE (ref or id), before=CTR, since=CTR (created before/after
 * it), volume=NAME|DESTINATION, network=NAME|ID, publish=PORT[/PROTO] (a host port it
 * publishes while it runs), expose=PORT[/PROTO] (a container port of its -p); ports
 * may be ranges, 8000-8080/tcp, label=KEY or label=KEY=VALUE (several must all match,
 * as docker's), health=starting|healthy|unhealthy|none. -EINVAL "invalid filter 'KEY'"
 * for a key it does not know, or a bad value; -ENOENT for a before/since container
 * that does not exist.
 */
int berth_engine_ps(struct berth_engine *e, bool all, char *const *filters,
		    struct berth_ctr_info ***ret, size_t *ret_n, struct berth_error **err);

/* Remove a container by name, id or unique id prefix: refused while it runs unless
 * force (then it is killed). Unmounts, deletes runtime state, cgroup, and files; with
 * volumes, its anonymous volumes too (docker's rm -v). */
int berth_engine_remove(struct berth_engine *e, const char *name_or_id, bool force,
			bool volumes, struct berth_error **err);

/* `berth container prune`: remove every container that does not run. *ret_removed:
 * their ids. */
int berth_engine_prune(struct berth_engine *e, char ***ret_removed, struct berth_error **err);

/*
 * `berth rmi`: untag ref_or_id; when that leaves the image without refs (or it is named
 * by id), delete it. An image that a container uses is not deleted: -EBUSY naming the
 * container, unless force and the container is not running (a running container's
 * image can never go). With force, an id that several refs name loses them all.
 * *ret_untagged (familiar refs removed) and *ret_deleted (whether the image went) are
 * filled on success.
 */
int berth_engine_image_remove(struct berth_engine *e, const char *ref_or_id, bool force,
			      char ***ret_untagged, bool *ret_deleted, struct berth_error **err);

/*
 * `berth image prune`: delete untagged images (with all, every image) that no
 * container uses, then garbage-collect unreferenced layers and blobs. *ret_deleted:
 * the ids deleted (NULL-terminated); *ret_reclaimed: bytes freed.
 */
int berth_engine_image_prune(struct berth_engine *e, bool all, char ***ret_deleted,
			     uint64_t *ret_reclaimed, struct berth_error **err);

/* berth_engine_image_prune() of the images that pass filters as system prune takes them
 * ("until=TIME", "label=K[=V]", "label!=K[=V]"; NULL: all of them); -EINVAL "invalid
 * filter 'KEY'" for others. */
int berth_engine_image_prune_filtered(struct berth_engine *e, bool all, char *const *filters,
				      char ***ret_deleted, uint64_t *ret_reclaimed,
				      struct berth_error **err);

/* `berth commit`: the container's changes (its upper directory, less the engine's own
 * mount targets) as a new image on top of its image; o->created_by defaults to the
 * container's command. *ret_id is the new image's id. */
int berth_engine_commit(struct berth_engine *e, const char *name_or_id,
			const struct berth_commit_opts *o, char **ret_id, struct berth_error **err);

/* `berth export`: the container's whole filesystem (image layers plus its changes) as
 * a tar on out_fd. A stopped container's overlay is mounted read-only in a private
 * mount namespace of a child process, so nothing stays mounted. */
int berth_engine_export(struct berth_engine *e, const char *name_or_id, int out_fd,
			struct berth_error **err);

/* `berth cp`. Paths in the container are resolved inside its root (openat2
 * RESOLVE_IN_ROOT from an fd of it: a running container's root as its processes see
 * it, volumes included; a stopped one's overlay and volumes, mounted in a child's
 * private mount namespace), so nothing the container does to its files makes the copy read or write
 * outside it. docker's rules: SRC/. copies the contents of SRC; an existing directory
 * DEST receives SRC under its own name, else DEST is made (its parent must exist); a
 * trailing "/" asserts a directory. Errors are docker's: "Could not find the file PATH
 * in container NAME" (-ENOENT), "cannot copy directory" (a directory onto a file),
 * "no such directory" (a file to a missing DEST/), "not a directory". */
struct berth_cp_opts {
	bool archive;     /* -a: the source's uid/gid, else the receiving side's user */
	bool follow_link; /* -L: a symlink SRC is copied as what it points to */
	/* berth_engine_cp_from() to out_fd: called with what SRC is (its name in the tar, its
	 * lstat, a symlink's target or NULL) before the tar is written (a server's header);
	 * > 0: stop there, without the tar (0 is returned); < 0: that error. May be NULL. */
	int (*on_source)(const char *name, const struct stat *st, const char *link_target,
			 void *userdata);
	void *userdata;
};

/* Container to host: src in the container to the host path dest, or, with dest NULL,
 * as a tar on out_fd (docker's "-"). */
int berth_engine_cp_from(struct berth_engine *e, const char *name_or_id, const char *src,
			 const char *dest, int out_fd, const struct berth_cp_opts *o,
			 struct berth_error **err);

/* Host to container: the host path src to dest in the container, or, with src NULL, the
 * tar read from in_fd unpacked into the directory dest ("must be a directory"). */
int berth_engine_cp_to(struct berth_engine *e, const char *name_or_id, const char *src,
		       int in_fd, const char *dest, const struct berth_cp_opts *o,
		       struct berth_error **err);

/* `berth diff`: the container's changes from its upper layer, as docker prints them:
 * "A /path" (added), "C /path" (changed), "D /path" (deleted: a whiteout, or an opaque
 * directory), in docker's order (a directory before what is in it, names sorted). The
 * engine's own mount targets (/etc/hostname, /etc/hosts, /etc/resolv.conf made empty
 * for its binds) are not the container's changes. *ret: a NULL-terminated strv. */
int berth_engine_diff(struct berth_engine *e, const char *name_or_id, char ***ret,
		      struct berth_error **err);
