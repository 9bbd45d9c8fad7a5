/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A container's record: <store>/containers/<id>/container.json, what `ps`, `inspect`
 * and the monitor read and write. Part of lib/monitor, linked into berth and into
 * berth-monitor (so it needs jansson and lib/core only, not the image store).
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "berth/error.h"
#include "berth/image.h" /* struct berth_healthcheck */

/* What a container is doing, as `ps` says it (paused and restarting are flags beside it). */
enum berth_ctr_state {
	BERTH_CTR_CREATED,
	BERTH_CTR_RUNNING,
	BERTH_CTR_EXITED,
	_BERTH_CTR_STATE_MAX,
};

/* <ctr>/name: the container's name after a rename (berth_engine_rename), which
 * record_read() takes over the record's own; written atomically, never by the monitor. */
#define RECORD_NAME_FILE "name"

/* <ctr>/restart-policy: the --restart policy `berth update` set ("on-failure:3"), which
 * record_read() takes over the record's own, as the name file: a running container's
 * monitor rewrites the record from its copy, and reads this again before it decides on a
 * restart (record_restart_override()). */
#define RECORD_RESTART_FILE "restart-policy"
/* A network the container is on (docker's NetworkSettings.Networks): what was asked
 * (run's --network with --ip and --network-alias, or network connect), and while it
 * runs, what it got. */
struct record_net {
	char *name;
	char *want_ip;	/* --ip: the address asked for, NULL: any */
	char *want_mac; /* --mac-address: the MAC asked for ("02:42:ac:11:00:02"), NULL:
			   docker's, from the address */
	char **aliases; /* --network-alias, --alias; NULL when none */
	char *ip;	/* while it runs: its address there, else NULL */
	char *mac;	/* likewise its MAC address */
	char *ifname;	/* likewise its interface in the container (eth0...) */
};

void record_net_clear(struct record_net *n);

struct record {
	char *id;
	char *name;
	char *image;
	char *image_id;
	char **args;
	int64_t created, started, finished; /* unix seconds */
	enum berth_ctr_state state;
	int exit_code;
	pid_t pid;                /* the container's init while it runs */
	uint64_t pid_start;       /* its start time (/proc/PID/stat), against pid reuse */
	pid_t monitor_pid;        /* the monitor (berth-monitor) while it lives */
	uint64_t monitor_start;
	bool auto_remove;         /* --rm */
	bool tty;                 /* -t: the process has a terminal */
	bool open_stdin;          /* -i */
	bool oom_killed;          /* the last run ended with an OOM kill in its cgroup */
	bool systemd_cgroup;	  /* its cgroup is a systemd scope (--cgroup-manager systemd) */
	char *stop_signal;        /* NULL: SIGTERM */
	int stop_timeout;         /* --stop-timeout seconds; -1: unset (10) */
	char *log_driver;         /* --log-driver: NULL json-file (berth's log), "local",
				     "k8s-file" (the same file), "none" (no log) */
	int64_t log_max_size;     /* --log-opt max-size: bytes, 0: unbounded */
	int log_max_file;         /* --log-opt max-file: files kept with the current; 0: 1 */
	char **labels;            /* "KEY=VALUE": the image's, then -l's; NULL when none */
	char *error;              /* why the last start failed, NULL: it did not */
	char **volumes;           /* the names of the volumes it mounts */
	char *network;            /* a network's name, "none", "host" or "container:<id>" */
	char *pid_mode;           /* --pid: NULL (its own), "host" or "container:<id>" */
	char *ipc_mode;           /* --ipc: NULL (its own, private), "shareable" (its own, which
				     others may join), "host" or "container:<id>" */
	char *ip;		 /* its address on its first network while it runs, else NULL */
	struct record_net *nets; /* the bridge networks it is on, in the order it was
				    connected (the first: network, until disconnected) */
	size_t n_nets;
	char **ports;             /* ports to publish, "[IP:]HOST:CTR/PROTO" (HOST 0: one
				     picked at each start) */
	char **published;         /* the same while it runs, as published (picked ports
				     filled in); NULL when it does not run */
	char *restart_policy;     /* NULL or "no", "always", "unless-stopped", "on-failure" */
	int restart_max;          /* on-failure:N; 0: no limit */
	bool restarting;          /* its monitor waits to start it again (--restart) */
	int restart_count;
	struct berth_healthcheck healthcheck; /* the image's merged with --health-*; test
						 NULL or ["NONE"]: none */
	bool orphaned;            /* read as running with neither monitor nor init alive
				   (not stored): what its monitor would have cleaned is
				   still there, see reap in container.c */
};

/*
 * Healthchecks: the monitor runs a container's (record.healthcheck) and keeps their state
 * in <ctr>/health.json, docker's State.Health: {"Status", "FailingStreak", "Log": the last
 * HEALTH_LOG_MAX results {"Start", "End", "ExitCode", "Output"}}, replaced atomically at
 * every change. It is there from the first start on and stays after the container
 * stopped (docker's "unhealthy" then, the log kept).
 */
#define HEALTH_FILE "health.json"
#define HEALTH_LOG_MAX 5
#define HEALTH_OUTPUT_MAX 4096 /* bytes of a check's output kept (then "...") */

enum berth_health {
	BERTH_HEALTH_NONE, /* no healthcheck, or not started yet */
	BERTH_HEALTH_STARTING,
	BERTH_HEALTH_HEALTHY,
	BERTH_HEALTH_UNHEALTHY,
	_BERTH_HEALTH_MAX,
};

/* "none", "starting", "healthy", "unhealthy"; and back (-EINVAL) */
const char *berth_health_name(enum berth_health h);
int berth_health_from_name(const char *s, enum berth_health *ret);

struct health_result {
	int64_t start, end; /* unix ns */
	int exit_code;	    /* -1: it could not run, or timed out */
	char *output;
};

struct health_state {
	enum berth_health status;
	int failing_streak;
	struct health_result log[HEALTH_LOG_MAX]; /* oldest first */
	size_t n_log;
};

void health_state_clear(struct health_state *h);
/* The healthcheck it has: not NULL, not empty, not ["NONE"]. */
bool record_has_healthcheck(const struct record *r);
/* dir/health.json. -ENOENT when there is none (no healthcheck, never started). */
int health_read(const char *dir, struct health_state *ret);
int health_write(const char *dir, const struct health_state *h);
/* The state as docker's State.Health object (jansson's json_t), NULL without memory. */
struct json_t;
struct json_t *health_to_json(const struct health_state *h);

/* In a container's directory while the user has stopped it (stop, kill, rm -f): its
 * monitor does not restart it (--restart). start removes it. */
#define MANUAL_STOP "manual-stop"

/* Parse --restart: "no", "always", "unless-stopped", "on-failure[:N]". -EINVAL. */
int restart_policy_parse(const char *s, char **ret_policy, int *ret_max);

void record_clear(struct record *r);

/* The restart policy of dir's RECORD_RESTART_FILE, when there is one, into r
 * (restart_policy, restart_max). 0 when there is none; -EINVAL for a bad one, -ENOMEM. */
int record_restart_override(const char *dir, struct record *r);
/* The index of network name in r->nets, or -1. */
int record_net_find(const struct record *r, const char *name);

/* Append a network (copies of the strings); -ENOMEM. */
int record_net_add(struct record *r, const char *name, const char *want_ip, char *const *aliases);

/* Remove r->nets[i]. */
void record_net_remove(struct record *r, size_t i);

/* <store>/containers, and the runtime root of the store's containers: /run/berth for
 * the system store (tmpfs), <store>/run otherwise. malloc'd. */
char *record_containers_dir(const char *store_root);
char *record_runtime_root(const char *store_root);

int record_write(const char *dir, const struct record *r, struct berth_error **err);

/* Read dir/container.json. A record that says running while neither its monitor nor
 * its init lives any more (their engine died) reads as exited with code 255, and
 * orphaned. */
int record_read(const char *dir, struct record *ret, struct berth_error **err);

/* Call fn for every readable record of the store (dir: its directory). fn returns < 0 to
 * stop with that error, > 0 to stop, 0 to go on; it may take fields of r (leaving NULL
 * behind), the rest is cleared after it. Returns fn's last result, or -errno. */
int record_each(const char *store_root,
		int (*fn)(const char *dir, struct record *r, void *data), void *data,
		struct berth_error **err);

/* Find a record by exact id, exact name, or unique id prefix: *ret_dir (and *ret_rec
 * when not NULL). -ENOENT "no such container", -EINVAL for an ambiguous prefix. */
int record_find(const char *store_root, const char *key, char **ret_dir, struct record *ret_rec,
		struct berth_error **err);

/* Every change to a container's directory after it was created happens under a flock of
 * the directory: the monitor finishing and a concurrent `berth rm -f` must not
 * interleave. -ENOENT when the container is gone (or going). */
int record_lock(const char *dir, int *ret_fd);

/* A container is built under <containers>/.new-<id> and published by renaming it to
 * <id>; it is removed by renaming it to .rm-<id> first. Readers see a container whole
 * or not at all, and what a killed process left has a name that says so. */
#define RECORD_NEW_PREFIX ".new-"
#define RECORD_RM_PREFIX ".rm-"

/* The lock of a store's set of containers (<store>/containers.lock, exclusive): held
 * while a container is published (its name claimed, its image checked) and while an
 * image is removed, so that names stay unique and no image goes under a new container.
 * Released by closing *ret_fd. */
int record_store_lock(const char *store_root, int *ret_fd, struct berth_error **err);

/* The same for another lock file of the store (<store>/NAME, made when missing), e.g.
 * volumes.lock. */
int record_store_lock_file(const char *store_root, const char *name, int *ret_fd,
			   struct berth_error **err);

/* Whether a container (any state) has this name; *ret_id (if not NULL): its id. */
bool record_name_taken(const char *store_root, const char *name, char **ret_id);

/* Remove a container's directory (its rootfs unmounted by the caller): renamed to
 * .rm-<id>, then deleted. */
int record_remove_dir(const char *dir);

/* Append the container's event `action` to the store's log (events.h): docker's
 * attributes, image, name and its labels, then extra's (n_extra of them, which win over
 * a label of the same key). Best effort: -errno, which callers may ignore. */
struct berth_event_attr;
int record_event(const char *store_root, const struct record *r, const char *action,
		 const struct berth_event_attr *extra, size_t n_extra);

/* Whether pid is still the process that started at start_time (not a reused pid). */
bool record_pid_alive(pid_t pid, uint64_t start_time);

/* The monitor of a running container, as a pidfd (-ESRCH when it is gone). */
int record_monitor_pidfd(const struct record *r, int *ret_fd);

/* A container as the verbs find it: its directory, its record and the runtime root of
 * its store. */
struct ctr {
	char *dir;
	char *rtroot;
	struct record rec;
};

/* record_find() plus the runtime root; ctr_release() undoes it (also of a zeroed one). */
int ctr_find(const char *store_root, const char *key, struct ctr *ret, struct berth_error **err);
void ctr_release(struct ctr *c);
