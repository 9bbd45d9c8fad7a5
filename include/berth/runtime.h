/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The OCI runtime as a library: what berth-runtime's verbs do, callable in-process
 * (the engine uses it this way). State lives under `root` (default /run/berth-runtime),
 * one directory per container.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "berth/error.h"

#define BERTH_RUNTIME_DEFAULT_ROOT "/run/berth-runtime"

enum berth_status {
	BERTH_STATUS_CREATING,
	BERTH_STATUS_CREATED,
	BERTH_STATUS_RUNNING,
	BERTH_STATUS_PAUSED,
	BERTH_STATUS_STOPPED,
	_BERTH_STATUS_MAX,
};

const char *berth_status_name(enum berth_status s);

struct berth_create_opts {
	const char *bundle;          /* directory holding config.json */
	const char *config;          /* NULL: "config.json"; relative to the bundle unless
				      * absolute (crun's --config) */
	unsigned listen_fds;         /* fds 3 .. 3+N-1 (counted in preserve_fds) are
				      * socket-activation fds: the process gets LISTEN_FDS=N
				      * and LISTEN_PID=1 unless its env sets them */
	const char *pid_file;        /* NULL: none */
	const char *console_socket;  /* NULL: none; with terminal, the pty master goes there */
	int stdio[3];		     /* fds for the container's stdio; -1: it inherits ours.
				      * With a terminal in the foreground (run, restore), the
				      * pty is proxied from stdio[0] (-1: nothing read; raw,
				      * and its window size, when a terminal) to stdio[1] (-1:
				      * dropped): the CLI passes 0, 1 and 2 */
	bool no_pivot;               /* enter the rootfs with MS_MOVE + chroot, not pivot_root
				      * (a rootfs on ramfs/initramfs cannot be pivoted) */
	unsigned preserve_fds;       /* fds 3 .. 3+N-1 of ours are passed to the container */
	/* For run in the foreground: keep the pty master instead of sending it anywhere.
	 * Filled in by berth_container_create() when the process has a terminal. */
	int *ret_pty_master;
	/* Called once the container is created, before it may start (the place of the
	 * createRuntime hooks): the engine brings up networking here. A failure undoes
	 * the create. */
	int (*on_created)(pid_t pid, void *userdata, struct berth_error **err);
	void *userdata;
	bool systemd_cgroup;	     /* the systemd cgroup driver: cgroupsPath is
				      * "slice:prefix:name", the cgroup a transient scope */
	bool keep;                   /* run: leave the stopped container (state, cgroup) for
				      * a later delete instead of deleting it on exit */
};

/* The cgroup driver a host runs containers with by default, as docker and podman choose:
 * "systemd" where systemd is the init system and cgroups are unified (v2 only),
 * "cgroupfs" elsewhere. */
const char *berth_cgroup_manager_default(void);

/* Whether this host's cgroups take a block I/O weight (linux.resources.blockIO.weight):
 * v1 with CFQ's blkio.weight or BFQ's blkio.bfq.weight, v2 with the io controller. */
bool berth_cgroup_blkio_weight_supported(void);

/* Create the container: namespaces, cgroup, rootfs, stopped before the user's
 * process is executed. On failure nothing is left (cgroup, state dir, processes).
 * A process with a terminal needs opts->console_socket or opts->ret_pty_master:
 * -EINVAL without either, before anything is made. */
int berth_container_create(const char *root, const char *id, const struct berth_create_opts *opts,
			   struct berth_error **err);

/* Let a created container exec its process. */
int berth_container_start(const char *root, const char *id, struct berth_error **err);

struct berth_state {
	char *id;
	enum berth_status status;
	pid_t pid;                   /* 0 when stopped */
	char *bundle;
	char *rootfs;
	char *created;               /* RFC 3339 */
	char *cgroup_path;
	char **annotations;          /* key, value, key, value, ... NULL */
};

int berth_container_state(const char *root, const char *id, struct berth_state *ret,
			  struct berth_error **err);
void berth_state_clear(struct berth_state *s);

/* The state as the OCI spec's JSON (what `state` prints). malloc'd. */
char *berth_state_to_json(const struct berth_state *s);

/* A signal by number ("9") or name, with or without "SIG", any case ("TERM", "sigkill",
 * "RTMIN+3"). 0 is valid (kill checks liveness). -EINVAL for anything else. */
int berth_signal_parse(const char *s);

int berth_container_kill(const char *root, const char *id, int sig, bool all,
			 struct berth_error **err);

/* Remove a stopped container (or any, with force: it is killed first). */
int berth_container_delete(const char *root, const char *id, bool force,
			   struct berth_error **err);

/* Ids of every container under root, sorted. */
int berth_container_list(const char *root, char ***ret_ids, struct berth_error **err);

/* Wait for the container's init (must be our child) and return its exit status as a
 * shell would report it: the code, or 128+signal. */
int berth_container_wait(const char *root, const char *id, int *ret_status,
			 struct berth_error **err);

/* Create and start the container in one step (no exec fifo), returning once its process
 * has been executed, poststart hooks run: *ret_pid is its init, our child, for the caller
 * to wait for and then delete. With a terminal and no console socket the pty master goes
 * to *opts->ret_pty_master. On failure nothing is left, as with create. */
int berth_container_launch(const char *root, const char *id, const struct berth_create_opts *opts,
			   pid_t *ret_pid, struct berth_error **err);

/* Create, start, wait and delete: the container in the foreground, like `runc run`.
 * With process.terminal (and no console socket) opts->stdio[0] and [1] are proxied to
 * and from the pty, stdio[0] in raw mode when it is a terminal. INT TERM HUP QUIT USR1
 * USR2 are forwarded to the container's init. *ret_status gets the exit code, or 128+N
 * for signal N. */
int berth_container_run(const char *root, const char *id, const struct berth_create_opts *opts,
			int *ret_status, struct berth_error **err);

struct berth_exec_opts {
	char **args;                 /* the command (required unless process_path) */
	const char *process_path;    /* a process.json used as it is, instead of args and
				      * the overrides below */
	const char *process_json;    /* or its text, process_json_len bytes, which the
				      * caller read (`exec --process -`: from its stdin);
				      * process_path then only names it in messages */
	size_t process_json_len;
	bool tty;
	bool detach;                 /* return once it runs; no wait, no proxy */
	pid_t *ret_pid;		     /* detached, not NULL: its pid (our child, for the
				      * caller to wait for) */
	int *ret_pty;		     /* detached with tty, not NULL and no console_socket:
				      * the terminal's master, the caller's to proxy */
	const char *console_socket;
	const char *pid_file;
	const char *cwd;             /* NULL: the container's process.cwd */
	char **env;                  /* "K=V" added to (overriding) the container's env */
	bool has_user;
	uint32_t uid, gid;           /* with has_user */
	uint64_t add_caps;           /* capability bits added to every set but inheritable */
	bool all_caps;               /* every capability of our bounding set, in every set but
				      * inheritable and ambient (docker's exec --privileged;
				      * the container's seccomp and no_new_privs stay) */
	bool no_new_privs;
	int stdio[3];		     /* -1: it inherits ours; with tty, the pty is proxied as
				      * berth_create_opts.stdio says */
	unsigned preserve_fds;       /* fds 3 .. 3+N-1 of ours are passed to the process */
	bool ignore_paused;          /* exec into a paused container (the process stays frozen
				      * until it is resumed) instead of refusing */
	const uint32_t *additional_gids; /* replace the supplementary groups (n > 0) */
	size_t n_additional_gids;
	/* Existing sub-cgroups of the container's to run the process in, as runc's
	 * --cgroup: "PATH" (every hierarchy) or "CONTROLLER[,CONTROLLER]:PATH". */
	const char *const *sub_cgroups;
	/* With tty in the foreground: these bytes typed on stdio[0] detach (docker's
	 * --detach-keys): the process runs on, its pty held open by a process of ours. */
	const char *detach_keys;
	size_t n_detach_keys;        /* 0: nothing detaches (at most 64) */
};

/* Run an extra process in a running container: it joins every namespace the container
 * has and its cgroup, with the container's user, capabilities (inheritable left empty,
 * CVE-2022-29162), env and cwd unless overridden. Without detach, waits for it (signals
 * forwarded, pty proxied) and sets *ret_status; 1 is returned, *ret_status not set,
 * when the user detached (detach_keys). */
int berth_container_exec(const char *root, const char *id, const struct berth_exec_opts *o,
			 int *ret_status, struct berth_error **err);

/* Freeze (pause) or thaw (resume) every process of the container (cgroup freezer). */
int berth_container_pause(const char *root, const char *id, struct berth_error **err);
int berth_container_resume(const char *root, const char *id, struct berth_error **err);

/* The pids in the container's cgroup (malloc'd array). */
int berth_container_pids(const char *root, const char *id, pid_t **ret, size_t *ret_n,
			 struct berth_error **err);

struct berth_stats {
	uint64_t memory_usage, memory_limit, memory_max_usage, oom_kills;
	uint64_t cpu_usage_ns;
	uint64_t pids_current, pids_limit;
	uint64_t io_read, io_write; /* bytes read and written on block devices (blkio, io) */
};

int berth_container_stats(const char *root, const char *id, struct berth_stats *ret,
			  struct berth_error **err);

/* The container's cgroup v2 memory.events, opened for poll(2) (POLLPRI: it changed, an
 * OOM kill among what changes it), for a caller that must see OOM kills in a cgroup that
 * goes away with the container's last process, as the systemd driver's scope does.
 * -ENOENT where the cgroup has no such file (cgroup v1). berth_oom_watch_read() reads
 * the oom_kill count from it (-ENODEV once the cgroup is gone). */
int berth_container_oom_watch(const char *root, const char *id, int *ret_fd,
			      struct berth_error **err);
int berth_oom_watch_read(int fd, uint64_t *ret);

/* The OOM kills counted in the container's cgroup, of a stopped container too (until it
 * is deleted): how the engine learns that its process was OOM-killed. */
int berth_container_oom_kills(const char *root, const char *id, uint64_t *ret,
			      struct berth_error **err);

/* Change the resources of a running container. Fields left at their "unset" value
 * (see berth_update_init) are not touched. */
struct berth_update {
	int64_t memory_limit, memory_reservation, memory_swap; /* INT64_MIN: unset */
	uint64_t cpu_shares, cpu_period;                          /* 0: unset */
	int64_t cpu_quota;                                        /* INT64_MIN: unset */
	const char *cpuset_cpus, *cpuset_mems;                    /* NULL: unset */
	int64_t pids_limit;                                       /* INT64_MIN: unset */
	bool has_cpu_rt_period, has_cpu_rt_runtime;               /* v1 realtime (us) */
	uint64_t cpu_rt_period;
	int64_t cpu_rt_runtime;
	uint16_t blkio_weight;                                    /* 0: unset */
};
void berth_update_init(struct berth_update *u);

/* Apply a linux.resources JSON object (as `update --resources FILE`). */
int berth_container_update_json(const char *root, const char *id, const char *json, size_t len,
				const char *name, struct berth_error **err);
int berth_container_update(const char *root, const char *id, const struct berth_update *u,
			   struct berth_error **err);

/* What checkpoint and restore both tell criu (runc's flags of the same names). criu is
 * spoken to over its RPC (`criu swrk`). */
struct berth_criu_opts {
	const char *binary;          /* criu; NULL: "criu", found in PATH (the global --criu) */
	const char *image_path;      /* the images: written by checkpoint, read by restore
				      * (required) */
	const char *work_path;       /* criu's logs (dump.log, restore.log); NULL: image_path */
	const char *manage_cgroups_mode; /* NULL: criu's default; "soft", "full", "strict",
					  * "ignore" (runc's --manage-cgroups-mode) */
	bool tcp_established, ext_unix_sk, shell_job, file_locks, auto_dedup;
	bool lazy_pages;             /* memory served later by a page server / lazy-pages
				      * daemon (userfaultfd) */
	unsigned empty_ns;           /* CLONE_NEWNET: criu makes the namespace, does not fill
				      * it (runc's --empty-ns network) */
};

struct berth_checkpoint_opts {
	struct berth_criu_opts criu;
	bool leave_running;
	bool pre_dump;               /* memory only, the container keeps running */
	const char *parent_path;     /* an earlier (pre-)dump, relative to image_path: only
				      * the pages changed since then are written */
	const char *page_server_address; /* send the pages to criu's page server there */
	int page_server_port;
	int status_fd;               /* with lazy_pages: "\0" written here once criu serves
				      * the pages; -1: none */
};

/* Checkpoint a running container with CRIU. Unless leave_running or pre_dump, the
 * container is gone afterwards, as with runc: its processes are killed by the dump, then
 * its state and cgroup are removed (poststop hooks run), so that `restore` can bring it
 * back under the same id. Fails clearly before touching anything: -ENOENT without criu,
 * -EOPNOTSUPP when `criu check` does not pass, for a namespace criu cannot take over joined
 * by path, or for pre_dump / lazy_pages this criu cannot do; -EINVAL for an absolute
 * parent_path, -ENOENT or -ENOTDIR when it is not a directory below image_path. A terminal is a pty criu dumps itself (the master
 * is outside: orphan_pts_master), so a shell with /dev/tty open can be dumped. The init's
 * stdio is recorded in <images>/descriptors.json for restore. When the dump fails the
 * container keeps running and the error quotes the first error criu logged. */
int berth_container_checkpoint(const char *root, const char *id,
			       const struct berth_checkpoint_opts *o, struct berth_error **err);

struct berth_restore_opts {
	struct berth_criu_opts criu;
	bool detach;                 /* return once it runs; else wait for it and delete it
				      * when it exits, as run does (*ret_status likewise) */
};

/* Bring a checkpoint back as the container `id`, which must not exist: the same state
 * directory, cgroup (co->bundle's config as create reads it) and bundle as the container
 * had, running the restored processes, its init a child of the caller. Of co only bundle,
 * pid_file, console_socket and stdio count: the init's stdin, stdout and stderr that were
 * pipes or files outside the container are reconnected to co->stdio (-1: ours). A
 * terminal (process.terminal) is restored by criu on a new pty of the container's devpts,
 * whose master goes to co->console_socket, or in the foreground is copied to and from
 * co->stdio[0] and [1]; detached without a console socket: -EINVAL, before anything is made. The
 * prestart and createRuntime hooks run once criu has made the namespaces (status
 * "created", the restored init's pid), as runc runs them; poststop runs on delete.
 * Same errors as checkpoint when criu is missing or unusable; on any failure nothing is
 * left: no state directory, cgroup, mount or process. */
int berth_container_restore(const char *root, const char *id, const struct berth_create_opts *co,
			    const struct berth_restore_opts *o, int *ret_status,
			    struct berth_error **err);

/* Debug messages (each one line, no newline) go to this handler; NULL (the default):
 * dropped. It is also called in the runtime's child processes until they execve the
 * container's program: write each line with one write(2) to a descriptor opened before. */
typedef void (*berth_debug_handler)(const char *msg);
void berth_set_debug_handler(berth_debug_handler h);

/* Capabilities by name, as config.json spells them: "CAP_SYS_ADMIN" -> 21, -EINVAL when
 * unknown; berth_cap_to_name(21) -> "CAP_SYS_ADMIN", NULL when unknown. */
int berth_cap_from_name(const char *name);
const char *berth_cap_to_name(int cap);

/* The config.json `spec` writes (runc's default, or its rootless variant): malloc'ed
 * JSON text, NULL when out of memory. */
char *berth_runtime_default_spec(bool rootless);

/* The OCI features document (runtime-spec features.md) of what this build of the
 * runtime implements, probed where it depends on the kernel (idmapped mounts, the rdma
 * controller): malloc'ed JSON text, NULL when out of memory. */
char *berth_runtime_features(void);
