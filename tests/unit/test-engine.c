/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine's on-disk pieces the monitor and the CLI share: the container log
 * (logfile.c: entries written per read, parsed back, times) and the container record
 * (record.c: written and read back, found by name, id and prefix, a dead engine's
 * "running" record).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/error.h"
#include "berth/cleanup.h"
#include "berth/logfile.h"
#include "berth/record.h"
#include "runtime/state.h"
#include "test.h"
#include "berth/util.h"

DEFINE_FREEP(struct berth_error, berth_error_free)

static char *tmpdir(void)
{
	char t[] = "/tmp/berth-unit-engine.XXXXXX";

	return mkdtemp(t) ? strdup(t) : NULL;
}

/* every entry of a log file, as "stream F|P text" lines */
static char *entries(const char *path)
{
	_cleanup_free_ char *text = NULL;
	char *out = calloc(1, 4096);
	size_t n, used = 0;

	if (!out || read_full_file(path, &text, &n) < 0)
		return out;
	for (char *line = text; line < text + n;) {
		char *nl = memchr(line, '\n', (size_t)(text + n - line));
		struct log_entry e;

		if (!nl || logfile_parse(line, (size_t)(nl - line), &e) < 0)
			break;
		used += (size_t)snprintf(out + used, 4096 - used, "%s %c %.*s|",
					 e.stream == LOG_STDOUT ? "out" : "err", e.partial ? 'P' : 'F',
					 (int)e.len, e.text);
		line = nl + 1;
	}
	return out;
}

TEST(log_lines_and_partial_lines)
{
	_cleanup_free_ char *dir = tmpdir(), *path = NULL, *got = NULL;
	_cleanup_close_ int fd = -EBADF;

	ASSERT_TRUE(dir);
	path = xasprintf("%s/log", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	ASSERT_TRUE(fd >= 0);
	/* two lines and the start of a third, then its end and an empty line */
	ASSERT_EQ(logfile_write(fd, LOG_STDOUT, "a\nbb\ncc", 7), 0);
	ASSERT_EQ(logfile_write(fd, LOG_STDERR, "dd\n\n", 4), 0);
	ASSERT_EQ(logfile_write(fd, LOG_STDOUT, "", 0), 0);
	got = entries(path);
	ASSERT_STREQ(got, "out F a|out F bb|out P cc|err F dd|err F |");
	unlink(path);
	rmdir(dir);
}

TEST(log_times_round_trip)
{
	struct timespec ts;
	struct log_entry e;
	char stamp[32], line[128];
	int64_t ns;

	clock_gettime(CLOCK_REALTIME, &ts);
	ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	logfile_format_time(ns, stamp);
	ASSERT_EQ(strlen(stamp), 30);
	ASSERT_EQ(stamp[strlen(stamp) - 1], 'Z');
	snprintf(line, sizeof(line), "%s stdout F hello world", stamp);
	ASSERT_EQ(logfile_parse(line, strlen(line), &e), 0);
	ASSERT_EQ(e.time_ns, ns);
	ASSERT_EQ(e.len, 11);
	ASSERT_TRUE(!memcmp(e.text, "hello world", 11));
	/* a known instant, and fewer fraction digits */
	logfile_format_time(0, stamp);
	ASSERT_STREQ(stamp, "1970-01-01T00:00:00.000000000Z");
	strcpy(line, "2026-12-05T10:10:26.5Z stderr P x");
	ASSERT_EQ(logfile_parse(line, strlen(line), &e), 0);
	ASSERT_EQ(e.time_ns, 1796465426500000000LL);
	ASSERT_EQ(e.stream, LOG_STDERR);
	ASSERT_TRUE(e.partial);
}

TEST(log_rejects_what_is_not_an_entry)
{
	static const char *const bad[] = {
		"",
		"hello",
		"2026-12-05T10:10:26Z stdin F x",
		"2026-12-05T10:10:26Z stdout X x",
		"2026-12-05T10:10:26Z stdout Fx",
		"not-a-time-at-all-here stdout F x",
	};
	struct log_entry e;

	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		if (logfile_parse(bad[i], strlen(bad[i]), &e) != -EINVAL)
			TEST_FAIL_("accepted '%s'", bad[i]);
	/* an empty line of output */
	ASSERT_EQ(logfile_parse("2026-12-05T10:10:26Z stdout F", 29, &e), 0);
	ASSERT_EQ(e.len, 0);
}

static int write_record(const char *cdir, const char *id, const char *name, bool running,
			pid_t pid)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", cdir, id);
	struct record r = {
		.id = (char *)id,
		.name = (char *)name,
		.image = (char *)"bb",
		.image_id = (char *)"sha256:00",
		.state = running ? BERTH_CTR_RUNNING : BERTH_CTR_EXITED,
		.pid = pid,
		.stop_signal = (char *)"SIGUSR1",
		.tty = true,
		.exit_code = 3,
	};

	if (!dir || mkdir(dir, 0700) < 0)
		return -errno;
	if (running)
		(void)proc_start_time(pid, &r.pid_start);
	return record_write(dir, &r, NULL);
}

TEST(record_round_trip_and_find)
{
	_cleanup_free_ char *root = tmpdir(), *cdir = NULL, *dir = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	struct record r = { 0 };

	ASSERT_TRUE(root);
	cdir = record_containers_dir(root);
	ASSERT_EQ(mkdir(cdir, 0700), 0);
	ASSERT_EQ(write_record(cdir, "abc111", "first", false, 0), 0);
	ASSERT_EQ(write_record(cdir, "abc222", "second", true, getpid()), 0);
	/* by name, by id, by a unique prefix */
	ASSERT_EQ(record_find(root, "first", &dir, &r, &err), 0);
	ASSERT_STREQ(r.id, "abc111");
	ASSERT_STREQ(r.stop_signal, "SIGUSR1");
	ASSERT_TRUE(r.tty);
	ASSERT_EQ(r.exit_code, 3);
	ASSERT_EQ(r.state, BERTH_CTR_EXITED);
	record_clear(&r);
	free(TAKE_PTR(dir));
	ASSERT_EQ(record_find(root, "abc2", &dir, &r, &err), 0);
	ASSERT_STREQ(r.name, "second");
	/* we are alive: running stays running */
	ASSERT_EQ(r.state, BERTH_CTR_RUNNING);
	record_clear(&r);
	free(TAKE_PTR(dir));
	ASSERT_EQ(record_find(root, "abc", &dir, &r, &err), -EINVAL);
	ASSERT_CONTAINS(err->msg, "ambiguous");
	err = berth_error_free(err);
	ASSERT_EQ(record_find(root, "nosuch", &dir, &r, &err), -ENOENT);
	ASSERT_CONTAINS(err->msg, "no such container: nosuch");
	ASSERT_EQ(rm_rf(root), 0);
}

/* the healthcheck in the record, and the monitor's state of it (health.json) */
TEST(record_healthcheck_and_health_state_round_trip)
{
	_cleanup_free_ char *root = tmpdir();
	struct record r = {
	    .id = (char *)"hc01",
	    .name = (char *)"hc",
	    .image = (char *)"bb",
	    .image_id = (char *)"sha256:00",
	    .state = BERTH_CTR_EXITED,
	};
	char *test[] = {(char *)"CMD", (char *)"true", NULL};
	struct health_state h = {.status = BERTH_HEALTH_UNHEALTHY, .failing_streak = 4};
	struct record got;
	enum berth_health e;

	ASSERT_TRUE(root);
	r.healthcheck =
	    (struct berth_healthcheck){.test = test, .interval = 2000000000LL, .retries = 5};
	ASSERT_EQ(record_write(root, &r, NULL), 0);
	ASSERT_EQ(record_read(root, &got, NULL), 0);
	ASSERT_TRUE(record_has_healthcheck(&got));
	ASSERT_STREQ(got.healthcheck.test[1], "true");
	ASSERT_EQ(got.healthcheck.interval, 2000000000LL);
	ASSERT_EQ(got.healthcheck.timeout, 0);
	ASSERT_EQ(got.healthcheck.retries, 5);
	record_clear(&got);

	/* none before the monitor wrote it */
	ASSERT_EQ(health_read(root, &h), -ENOENT);
	h.n_log = 2;
	h.log[0] = (struct health_result){.start = 1700000000123456789LL,
					  .end = 1700000001000000000LL,
					  .exit_code = -1,
					  .output = (char *)"Health check exceeded timeout (1s)"};
	h.log[1] = (struct health_result){.start = 1700000002LL * 1000000000,
					  .end = 1700000002LL * 1000000000,
					  .exit_code = 1,
					  .output = (char *)"bad\n"};
	ASSERT_EQ(health_write(root, &h), 0);
	h = (struct health_state){0};
	ASSERT_EQ(health_read(root, &h), 0);
	ASSERT_EQ(h.status, BERTH_HEALTH_UNHEALTHY);
	ASSERT_EQ(h.failing_streak, 4);
	ASSERT_EQ(h.n_log, 2);
	ASSERT_EQ(h.log[0].start, 1700000000123456789LL);
	ASSERT_EQ(h.log[0].exit_code, -1);
	ASSERT_STREQ(h.log[1].output, "bad\n");
	health_state_clear(&h);

	ASSERT_EQ(berth_health_from_name("starting", &e), 0);
	ASSERT_EQ(e, BERTH_HEALTH_STARTING);
	ASSERT_EQ(berth_health_from_name("sick", &e), -EINVAL);
	ASSERT_STREQ(berth_health_name(BERTH_HEALTH_NONE), "none");
	ASSERT_EQ(rm_rf(root), 0);
}

TEST(record_networks_round_trip_and_an_old_record_has_its_one)
{
	_cleanup_free_ char *root = tmpdir(), *dir = NULL, *path = NULL;
	char *aliases[] = {(char *)"db", (char *)"store", NULL};
	struct record r = {
	    .id = (char *)"net111",
	    .name = (char *)"n",
	    .image = (char *)"bb",
	    .image_id = (char *)"sha256:00",
	    .network = (char *)"appnet",
	};
	struct record back = {0};
	static const char old[] = "{\"id\": \"old1\", \"name\": \"o\", \"image\": \"bb\", "
				  "\"network\": \"appnet\", \"ip\": \"10.1.0.2\", "
				  "\"state\": \"running\"}";

	ASSERT_TRUE(root);
	dir = xasprintf("%s/c", root);
	ASSERT_EQ(mkdir(dir, 0700), 0);
	ASSERT_EQ(record_net_add(&r, "appnet", "10.1.0.9", aliases), 0);
	ASSERT_EQ(record_net_add(&r, "other", NULL, NULL), 0);
	r.nets[1].ip = strdup("10.2.0.3");
	r.nets[1].mac = strdup("02:42:0a:02:00:03");
	r.nets[1].ifname = strdup("eth1");
	ASSERT_EQ(record_net_find(&r, "other"), 1);
	ASSERT_EQ(record_net_find(&r, "nosuch"), -1);
	ASSERT_EQ(record_write(dir, &r, NULL), 0);
	for (size_t i = 0; i < r.n_nets; i++)
		record_net_clear(&r.nets[i]);
	free(r.nets);
	ASSERT_EQ(record_read(dir, &back, NULL), 0);
	ASSERT_EQ(back.n_nets, 2);
	ASSERT_STREQ(back.nets[0].name, "appnet");
	ASSERT_STREQ(back.nets[0].want_ip, "10.1.0.9");
	ASSERT_TRUE(strv_contains(back.nets[0].aliases, "store"));
	ASSERT_TRUE(back.nets[0].ip == NULL);
	ASSERT_STREQ(back.nets[1].ip, "10.2.0.3");
	ASSERT_STREQ(back.nets[1].mac, "02:42:0a:02:00:03");
	ASSERT_STREQ(back.nets[1].ifname, "eth1");
	/* disconnected from the first: the second stays, in its place */
	record_net_remove(&back, 0);
	ASSERT_EQ(back.n_nets, 1);
	ASSERT_STREQ(back.nets[0].name, "other");
	record_clear(&back);
	/* a record written before containers had several networks: its one */
	path = xasprintf("%s/container.json", dir);
	ASSERT_EQ(write_file_atomic(path, old, strlen(old), 0600), 0);
	ASSERT_EQ(record_read(dir, &back, NULL), 0);
	ASSERT_EQ(back.n_nets, 1);
	ASSERT_STREQ(back.nets[0].name, "appnet");
	ASSERT_STREQ(back.nets[0].ip, "10.1.0.2");
	record_clear(&back);
	ASSERT_EQ(rm_rf(root), 0);
}

TEST(record_of_a_dead_engine_reads_exited)
{
	_cleanup_free_ char *root = tmpdir(), *cdir = NULL, *dir = NULL;
	struct record r = {0};
	pid_t child = fork();

	if (child == 0)
		_exit(0);
	ASSERT_TRUE(child > 0);
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	ASSERT_TRUE(root);
	cdir = record_containers_dir(root);
	ASSERT_EQ(mkdir(cdir, 0700), 0);
	/* "running", with a pid that is gone and no monitor */
	ASSERT_EQ(write_record(cdir, "dead01", "dead", true, child), 0);
	ASSERT_EQ(record_find(root, "dead", &dir, &r, NULL), 0);
	ASSERT_EQ(r.state, BERTH_CTR_EXITED);
	ASSERT_EQ(r.exit_code, 255);
	record_clear(&r);
	ASSERT_EQ(rm_rf(root), 0);
}

/* The monitor writes the end, then exits. A reader that read the file before the
 * write and checked the monitor after its exit once reported 255 ("the engine died
 * under it") for a container that exited with its own code: `berth wait` right after
 * `berth kill` printed 255 now and then. A reader spins while a monitor-like child
 * writes the end and is reaped at once, many times over. */
TEST(record_read_racing_the_monitors_end_never_reads_255)
{
	_cleanup_free_ char *root = tmpdir(), *cdir = NULL, *dir = NULL;
	int bad = 0;

	ASSERT_TRUE(root);
	cdir = record_containers_dir(root);
	dir = xasprintf("%s/race01", cdir);
	ASSERT_EQ(mkdir(cdir, 0700), 0);
	ASSERT_EQ(mkdir(dir, 0700), 0);
	for (int i = 0; i < 1000; i++) {
		struct record r = {
			.id = (char *)"race01", .name = (char *)"race", .image = (char *)"bb",
			.image_id = (char *)"sha256:00", .state = BERTH_CTR_RUNNING,
		};
		int go[2], st = 0;
		pid_t mon, reader;

		ASSERT_EQ(pipe(go), 0);
		mon = fork();
		ASSERT_TRUE(mon >= 0);
		if (mon == 0) {
			char c;

			close(go[1]);
			if (read(go[0], &c, 1) != 1)
				_exit(2);
			r.state = BERTH_CTR_EXITED;
			r.exit_code = 7;
			_exit(record_write(dir, &r, NULL) < 0 ? 3 : 0);
		}
		close(go[0]);
		r.monitor_pid = mon;
		ASSERT_EQ(proc_start_time(mon, &r.monitor_start), 0);
		ASSERT_EQ(record_write(dir, &r, NULL), 0);
		reader = fork();
		ASSERT_TRUE(reader >= 0);
		if (reader == 0) {
			for (;;) {
				struct record got;

				if (record_read(dir, &got, NULL) < 0)
					_exit(4);
				if (got.state != BERTH_CTR_RUNNING)
					_exit(got.exit_code == 7 ? 0 : 1);
				record_clear(&got);
			}
		}
		ASSERT_EQ(write(go[1], "x", 1), 1);
		close(go[1]);
		ASSERT_EQ(waitpid(mon, &st, 0), mon);
		ASSERT_EQ(st, 0);
		ASSERT_EQ(waitpid(reader, &st, 0), reader);
		ASSERT_TRUE(WIFEXITED(st));
		ASSERT_TRUE(WEXITSTATUS(st) <= 1);
		bad += WEXITSTATUS(st);
	}
	ASSERT_EQ(bad, 0);
	ASSERT_EQ(rm_rf(root), 0);
}

/* `berth update --restart`: the policy file wins over the record's own (which a
 * running container's monitor rewrites from its copy); a bad file changes nothing. */
TEST(record_restart_policy_file_wins_over_the_record)
{
	_cleanup_free_ char *root = tmpdir(), *dir = NULL, *file = NULL;
	struct record w = {
	    .id = (char *)"rp01",
	    .name = (char *)"rp",
	    .image = (char *)"bb",
	    .image_id = (char *)"sha256:00",
	    .state = BERTH_CTR_EXITED,
	    .restart_policy = (char *)"always",
	};
	struct record r;

	ASSERT_TRUE(root);
	dir = xasprintf("%s/rp01", root);
	file = xasprintf("%s/" RECORD_RESTART_FILE, dir);
	ASSERT_EQ(mkdir(dir, 0700), 0);
	ASSERT_EQ(record_write(dir, &w, NULL), 0);
	ASSERT_EQ(record_read(dir, &r, NULL), 0);
	ASSERT_STREQ(r.restart_policy, "always");
	ASSERT_EQ(write_file_atomic(file, "on-failure:3", 12, 0600), 0);
	record_clear(&r);
	ASSERT_EQ(record_read(dir, &r, NULL), 0);
	ASSERT_STREQ(r.restart_policy, "on-failure");
	ASSERT_EQ(r.restart_max, 3);
	ASSERT_EQ(write_file_atomic(file, "sometimes", 9, 0600), 0);
	ASSERT_EQ(record_restart_override(dir, &r), -EINVAL);
	ASSERT_STREQ(r.restart_policy, "on-failure");
	ASSERT_EQ(r.restart_max, 3);
	record_clear(&r);
	ASSERT_EQ(rm_rf(root), 0);
}

/* the values `berth update` refuses before it touches any container */
TEST(update_check_refuses_bad_values)
{
	struct berth_update_opts o = {0};
	_cleanup_(berth_error_freep) struct berth_error *e = NULL;

	ASSERT_EQ(berth_engine_update_check(&o, NULL), 0);
	o.memory = 64 << 20;
	o.memory_swap = 32 << 20;
	ASSERT_EQ(berth_engine_update_check(&o, &e), -EINVAL);
	ASSERT_TRUE(strstr(berth_error_message(e), "Minimum memoryswap limit"));
	o.memory_swap = -1;
	ASSERT_EQ(berth_engine_update_check(&o, NULL), 0);
	o.cpus = 0.5;
	o.cpu_period = 50000;
	ASSERT_EQ(berth_engine_update_check(&o, NULL), -EINVAL);
	o.cpu_period = 0;
	o.cpus = 100000;
	ASSERT_EQ(berth_engine_update_check(&o, NULL), -EINVAL);
	o.cpus = 0;
	o.blkio_weight = 5;
	ASSERT_EQ(berth_engine_update_check(&o, NULL), -EINVAL);
	o.blkio_weight = 0;
	o.restart = "on-failure:x";
	ASSERT_EQ(berth_engine_update_check(&o, NULL), -EINVAL);
	o.restart = "on-failure:2";
	ASSERT_EQ(berth_engine_update_check(&o, NULL), 0);
}

/* berth_engine_logs() writes nowhere of its own: each stream goes through the callback,
 * here to pipes of the test's, byte for byte as the container wrote it. */
static int to_pipes(int stream, const void *buf, size_t n, void *userdata)
{
	const int *fds = userdata;

	return loop_write(fds[stream == BERTH_LOGS_STDERR], buf, n);
}

static int refuse(int stream, const void *buf, size_t n, void *userdata)
{
	(void)stream, (void)buf, (void)n;
	++*(int *)userdata;
	return -EPIPE;
}

static char *drain(int fd)
{
	char *text = NULL;
	size_t n;

	return read_full_fd(fd, &text, &n) < 0 ? NULL : text;
}

TEST(logs_go_to_the_callers_fds)
{
	_cleanup_free_ char *root = tmpdir(), *cdir = NULL, *log = NULL, *out = NULL, *errs = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	struct berth_engine_opts eo = { 0 };
	struct berth_engine *engine = NULL;
	struct berth_logs_opts o = {.tail = -1, .write = to_pipes};
	int po[2], pe[2], fds[2], calls = 0, r;
	_cleanup_close_ int fd = -EBADF;

	ASSERT_TRUE(root);
	eo.root = root;
	ASSERT_EQ(berth_engine_open(&eo, &engine, &err), 0);
	cdir = record_containers_dir(root);
	(void)mkdir(cdir, 0700);
	ASSERT_EQ(write_record(cdir, "log001", "talker", false, 0), 0);
	log = xasprintf("%s/log001/" LOG_FILE, cdir);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(logfile_write(fd, LOG_STDOUT, "one\ntw", 6), 0);
	ASSERT_EQ(logfile_write(fd, LOG_STDERR, "oops\n", 5), 0);
	ASSERT_EQ(logfile_write(fd, LOG_STDOUT, "o\nthree\n", 8), 0);

	ASSERT_EQ(pipe2(po, O_CLOEXEC), 0);
	ASSERT_EQ(pipe2(pe, O_CLOEXEC), 0);
	fds[0] = po[1];
	fds[1] = pe[1];
	o.userdata = fds;
	r = berth_engine_logs(engine, "talker", &o, &err);
	close(po[1]);
	close(pe[1]);
	if (r < 0)
		TEST_FAIL_("logs: %s", berth_error_message(err));
	out = drain(po[0]);
	errs = drain(pe[0]);
	close(po[0]);
	close(pe[0]);
	ASSERT_STREQ(out, "one\ntwo\nthree\n");
	ASSERT_STREQ(errs, "oops\n");

	/* a writer that fails ends it with its error, at the first piece */
	o.write = refuse;
	o.userdata = &calls;
	ASSERT_EQ(berth_engine_logs(engine, "talker", &o, &err), -EPIPE);
	ASSERT_EQ(calls, 1);
	err = berth_error_free(err);
	/* and none at all is refused */
	o.write = NULL;
	ASSERT_EQ(berth_engine_logs(engine, "talker", &o, &err), -EINVAL);
	berth_engine_free(engine);
	ASSERT_EQ(rm_rf(root), 0);
}

TEST_MAIN()

/* docker's --detach-keys (moby/term's ToBytes) and its error */
TEST(detach_keys_parse_as_docker)
{
	char k[BERTH_DETACH_KEYS_MAX];
	size_t n = 0;
	struct berth_error *err = NULL;

	ASSERT_EQ(berth_detach_keys_parse("ctrl-p,ctrl-q", k, &n, NULL), 0);
	ASSERT_EQ(n, 2);
	ASSERT_TRUE(k[0] == 0x10 && k[1] == 0x11);
	ASSERT_EQ(berth_detach_keys_parse("a", k, &n, NULL), 0);
	ASSERT_TRUE(n == 1 && k[0] == 'a');
	ASSERT_EQ(berth_detach_keys_parse("ctrl-@,ctrl-\\,ctrl-_,DEL,,", k, &n, &err) == -EINVAL,
		  1);
	ASSERT_STREQ(berth_error_message(err),
		     "Invalid detach keys (ctrl-@,ctrl-\\,ctrl-_,DEL,,) provided");
	err = berth_error_free(err);
	ASSERT_EQ(berth_detach_keys_parse("ctrl-@,ctrl-\\,ctrl-_,DEL,x", k, &n, NULL), 0);
	ASSERT_EQ(n, 5);
	ASSERT_TRUE(k[0] == 0 && k[1] == 28 && k[2] == 31 && k[3] == 127 && k[4] == 'x');
	/* names are lower case, one key a character */
	ASSERT_EQ(berth_detach_keys_parse("ctrl-A", k, &n, NULL), -EINVAL);
	ASSERT_EQ(berth_detach_keys_parse("ab", k, &n, NULL), -EINVAL);
	ASSERT_EQ(berth_detach_keys_parse("", k, &n, NULL), -EINVAL);
	ASSERT_EQ(berth_detach_keys_parse("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", k, &n, NULL),
		  -EINVAL);
}
