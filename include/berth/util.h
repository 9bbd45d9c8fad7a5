/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libc-only helpers. They never print; they return >= 0 or -errno. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static inline bool streq_ptr(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Returns the rest of s after prefix, or NULL. */
static inline const char *startswith(const char *s, const char *prefix)
{
	size_t l = strlen(prefix);
	return strncmp(s, prefix, l) == 0 ? s + l : NULL;
}

/* Whether s ends with suffix. */
static inline bool endswith(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* asprintf that returns the string or NULL. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* strv: NULL-terminated arrays of owned strings. */
char **strv_free(char **l);
size_t strv_length(char *const *l);
int strv_push(char ***l, char *s);          /* takes s, even on failure */
int strv_extend(char ***l, const char *s);  /* copies s */
char **strv_copy(char *const *l);
bool strv_contains(char *const *l, const char *s);
/* docker's label=KEY or label=KEY=VALUE filter against "key=value" labels */
bool labels_match(char *const *labels, const char *want);
char *strv_join(char *const *l, const char *sep);  /* "" for NULL or empty; NULL: ENOMEM */

/* Files. */
int read_full_file(const char *path, char **ret, size_t *ret_size);
int read_full_fd(int fd, char **ret, size_t *ret_size);
/* read_full_file() of path resolved inside root (openat2 RESOLVE_IN_ROOT): symlinks in
 * it, absolute or through "..", stay below root, as they would in a container */
int read_file_in_root(const char *root, const char *path, char **ret, size_t *ret_size);
int read_one_line_at(int dirfd, const char *path, char **ret); /* strips the newline */
int write_string_at(int dirfd, const char *path, const char *s); /* O_WRONLY, no create */
int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode);
int mkdir_p(const char *path, mode_t mode);
int rm_rf_at(int dirfd, const char *name);  /* does not cross mount points */
int rm_rf(const char *path);
bool path_exists(const char *path);

/* docker's names of containers, volumes and networks: [a-zA-Z0-9][a-zA-Z0-9_.-]*, of
 * min_len to max_len characters. */
bool object_name_valid(const char *name, size_t min_len, size_t max_len);

/* 64 random lowercase hex digits (an id), NUL-terminated. -errno of getrandom. */
int random_hex_id(char ret[65]);

/* The names of the entries of dir that hold a file `marker` and pass valid (may be
 * NULL), sorted; an empty list (not NULL) when there are none or no dir. -errno. */
int dir_list_marked(const char *dir, const char *marker, bool (*valid)(const char *name),
		    char ***ret);
/* path as it is when absolute (or base is NULL), else base/path; malloc'd, NULL on ENOMEM.
 * (A bundle's root.path, mount sources and config file are relative to the bundle.) */
char *path_under(const char *base, const char *path);
/* Find uid in a passwd(5) file, read directly (no NSS: the runtime is linked statically).
 * Returns 1 with *ret_name and *ret_home (either may be NULL; caller frees), 0 when absent,
 * -errno when the file cannot be read. */
int passwd_lookup(const char *path, uint32_t uid, char **ret_name, char **ret_home);

/* I/O loops that retry on EINTR and short transfers. */
ssize_t loop_read(int fd, void *buf, size_t n);
int loop_write(int fd, const void *buf, size_t n);

/* Numbers and sizes. */
int parse_u64(const char *s, uint64_t *ret);
int parse_i64(const char *s, int64_t *ret);
/* "512", "512k", "64m", "1g" (docker's units, base 1024). */
int parse_size(const char *s, int64_t *ret);
/* A duration as Go's time.ParseDuration reads it ("1s", "500ms", "1m30s", "1.5h", "0";
 * units ns us µs ms s m h, each number with its unit), in ns. -EINVAL, -ERANGE. */
int parse_go_duration(const char *s, int64_t *ret_ns);
/* docker's --since/--until of logs and events: a duration back from now ("10m", "1h30m",
 * "90s"), unix seconds ("1733400000", "1733400000.5"), or an RFC 3339 date or time,
 * UTC unless it has an offset ("2026-12-05", "2026-12-05T10:10:26Z",
 * "2026-12-05T11:10:26.5+01:00"). In ns since the epoch; -EINVAL. */
int parse_time_spec(const char *s, int64_t *ret);
/* And as Go's Duration.String() prints it: "1s", "500ms", "1m30s", "1h0m0s", "0s". */
#define GO_DURATION_MAX 40
void format_go_duration(int64_t ns, char buf[GO_DURATION_MAX]);

/* sendmsg(2) of `data` with `fd` attached as SCM_RIGHTS (none when fd < 0); retries on
 * EINTR, never raises SIGPIPE. */
int send_with_fd(int sock, const void *data, size_t len, int fd);

/* CLOCK_MONOTONIC in milliseconds, for deadlines of bounded waits. */
uint64_t now_ms(void);

/* fds */
int fd_set_cloexec(int fd, bool on);
int fd_set_nonblock(int fd, bool on);

/* Processes and terminals, shared by the runtime and the monitor. */
struct termios;
/* Start time of pid (field 22 of /proc/<pid>/stat), or -ESRCH when it is gone or a zombie. */
int proc_start_time(pid_t pid, uint64_t *ret);
/* exit code or 128+signal, as a shell reports it (255 for anything else) */
int exit_status(int wait_status);
/* Put terminal `fd` in raw mode, saving the old settings in *saved. */
int tty_set_raw(int fd, struct termios *saved);
/* The detach keys of a terminal relay, as docker's escape proxy reads them: the n bytes
 * typed (in) go to out (room for n + n_keys bytes; *ret_out_n of them), but for what
 * matches the start of the keys, which is held back (*held of them, kept from call to
 * call) until a byte says what it is: sent on before it, or never, when the whole keys
 * were typed: then true is returned (out has what came before them). */
bool detach_keys_filter(const char *keys, size_t n_keys, size_t *held, const char *in, size_t n,
			char *out, size_t *ret_out_n);
