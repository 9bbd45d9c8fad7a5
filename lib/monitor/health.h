/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The monitor's healthcheck runner (health.c): docker's healthchecks without a daemon.
 * Between health_begin() and health_end() (one run of the container) it runs the
 * check every interval as `berth exec` does (berth_container_exec: every namespace of
 * the container and its cgroup, its user and env), its stdout and stderr on a pipe the
 * monitor polls, killed (its process group) at its timeout; each result goes to the
 * state in <ctr>/health.json (record.h). The monitor makes one only for a container
 * whose record has a healthcheck: the others pay nothing.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "berth/record.h"

struct health;

/* A runner for the container id (its directory dir, the runtime root rtroot; both kept,
 * not copied: the monitor's) with the healthcheck hc. NULL without memory. */
struct health *health_new(const char *dir, const char *rtroot, const char *id,
			  const struct berth_healthcheck *hc);
/* Accepts NULL; returns NULL. */
struct health *health_free(struct health *h);

/* A run of the container began: "starting", the failing streak 0, the log of earlier
 * runs kept; the first check one interval (or start interval) from now. */
void health_begin(struct health *h);

/* The fd for the monitor to poll (POLLIN) while a check runs, else -1, and how long the
 * monitor may sleep before health_run() has something to do (ms; -1: until a child is
 * reaped or the fd is ready). */
int health_fd(const struct health *h);
int health_timeout(const struct health *h);

/* A child the monitor reaped: true (and its status taken) when it was the check. */
bool health_reaped(struct health *h, pid_t pid, int wait_status);

/* After every poll of the monitor: the check's output read, a check started when its
 * time came, killed past its timeout, its result recorded once it was reaped. */
void health_run(struct health *h);

/* The run is over: a running check killed and waited for, its result dropped; the status
 * "unhealthy" (docker's, for a stopped container), the log kept. */
void health_end(struct health *h);
