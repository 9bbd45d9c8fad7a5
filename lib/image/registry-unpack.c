/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unpacking pulled layers while the other downloads go on.
 *
 * As soon as a layer blob is downloaded and its digest checked, two tasks are queued for
 * a small pool of threads: the diff id (the sha256 of the uncompressed stream, which must
 * be the config's) and the unpack itself (store_layer_prepare() into a temp layer dir;
 * no lock needed). Each task reads the blob through its own open file, so both run at
 * once on two cores and the slower of the two sets the pace, not their sum.
 *
 * Nothing becomes visible here: the temp dirs are named .tmp-<pid>-..., and only
 * reg_unpacker_finish() hands them over, after every task succeeded, to image_commit(),
 * which renames them into place under the lock. Any failure (a diff id that is not the
 * config's included) discards them all. A task queued after a failure or an interrupt is
 * skipped; a task already running finishes (an unpack cannot be stopped half way
 * without leaving a temp dir to remove, which is done then).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "layer.h"
#include "registry.h"
#include "store.h"
#include "berth/util.h"

#define UNPACK_MAX_THREADS 4

struct ulayer {
	bool queued;
	struct blob_writer *w;
	struct layer_record rec; /* strings owned */
	char *name;
	unsigned tasks_left;
	char *tmp; /* the prepared dir */
	struct berth_error *diff_err, *unpack_err;
};

struct ujob {
	size_t layer;
	bool diff; /* the diff id check, else the unpack */
};

struct reg_unpacker {
	struct berth_store *s;
	const volatile sig_atomic_t *cancel;
	void (*state)(size_t i, enum reg_unpack_state st, void *data);
	void *data;

	pthread_mutex_t mu;
	pthread_cond_t cv; /* a job queued, or closing */
	struct ulayer *layers;
	size_t n;
	struct ujob *queue; /* 2 per layer at most: a ring is not needed */
	size_t q_head, q_tail;
	bool closing, failed;

	pthread_t threads[UNPACK_MAX_THREADS];
	size_t n_threads;
};

static void ulayer_release(struct berth_store *s, struct ulayer *l)
{
	free(l->rec.chain_id);
	free(l->rec.diff_id);
	free(l->rec.parent);
	free(l->rec.blob);
	free(l->rec.media_type);
	free(l->name);
	if (l->tmp)
		store_layer_discard(s, l->tmp);
	free(l->tmp);
	berth_error_free(l->diff_err);
	berth_error_free(l->unpack_err);
	*l = (struct ulayer){0};
}

static int check_diff_id(struct reg_unpacker *u, struct ulayer *l, struct berth_error **err)
{
	enum layer_compression comp = LAYER_COMPRESSION_NONE;
	const char *want = digest_hex(l->rec.diff_id);
	_cleanup_close_ int fd = -EBADF;
	char hex[SHA256_HEX_SIZE];
	int r;

	/* Our own open file: the unpack reads w->fd at the same time. */
	fd = openat(u->s->blobs_fd, l->w->tmp_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return berth_error_set(err, errno, "layer '%s': open blob", l->name);
	r = layer_diff_id(fd, NULL, hex, &comp, err);
	if (r < 0)
		return berth_error_wrap(err, "layer '%s'", l->name);
	if (comp == LAYER_COMPRESSION_NONE)
		memcpy(hex, l->w->hex, sizeof(hex));
	if (!want || !streq(want, hex))
		return berth_error_new(
		    err, EINVAL, "layer '%s': content hashes to sha256:%s, the config says '%s'",
		    l->name, hex, l->rec.diff_id);
	return 0;
}

static int unpack(struct reg_unpacker *u, struct ulayer *l, char **ret_tmp,
		  struct berth_error **err)
{
	struct layer_record rec = l->rec;
	int r;

	if (u->state)
		u->state((size_t)(l - u->layers), REG_UNPACK_EXTRACTING, u->data);
	r = store_layer_prepare(u->s, l->w->fd, &rec, ret_tmp, err);
	if (r < 0)
		return berth_error_wrap(err, "layer '%s'", l->name);
	return 0;
}

static void *worker(void *arg)
{
	struct reg_unpacker *u = arg;

	pthread_mutex_lock(&u->mu);
	for (;;) {
		struct berth_error *e = NULL;
		struct ulayer *l;
		char *tmp = NULL;
		struct ujob job;
		bool skip, done;
		int r;

		while (u->q_head == u->q_tail && !u->closing)
			pthread_cond_wait(&u->cv, &u->mu);
		if (u->q_head == u->q_tail)
			break;
		job = u->queue[u->q_head++];
		l = &u->layers[job.layer];
		skip = u->failed || (u->cancel && *u->cancel);
		pthread_mutex_unlock(&u->mu);

		if (skip)
			r = u->failed ? -ECANCELED : berth_error_new(&e, EINTR, "interrupted");
		else if (job.diff)
			r = check_diff_id(u, l, &e);
		else
			r = unpack(u, l, &tmp, &e);

		pthread_mutex_lock(&u->mu);
		if (r < 0 && r != -ECANCELED)
			u->failed = true;
		if (job.diff)
			l->diff_err = e;
		else
			l->unpack_err = e;
		l->tmp = l->tmp ? l->tmp : tmp;
		done = --l->tasks_left == 0 && !l->diff_err && !l->unpack_err && r >= 0;
		pthread_mutex_unlock(&u->mu);
		if (done && u->state)
			u->state(job.layer, REG_UNPACK_DONE, u->data);
		pthread_mutex_lock(&u->mu);
	}
	pthread_mutex_unlock(&u->mu);
	return NULL;
}

int reg_unpacker_new(struct berth_store *s, size_t n_layers, const volatile sig_atomic_t *cancel,
		     void (*state)(size_t i, enum reg_unpack_state st, void *data), void *data,
		     struct reg_unpacker **ret, struct berth_error **err)
{
	struct reg_unpacker *u = calloc(1, sizeof(*u));
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t want;

	if (!u)
		return berth_error_set(err, ENOMEM, "unpack");
	u->s = s;
	u->cancel = cancel;
	u->state = state;
	u->data = data;
	u->n = n_layers;
	u->layers = calloc(n_layers + 1, sizeof(*u->layers));
	u->queue = calloc(2 * n_layers + 1, sizeof(*u->queue));
	if (!u->layers || !u->queue) {
		free(u->layers);
		free(u->queue);
		free(u);
		return berth_error_set(err, ENOMEM, "unpack");
	}
	pthread_mutex_init(&u->mu, NULL);
	pthread_cond_init(&u->cv, NULL);
	/* Two at least: a layer's diff id and its unpack side by side. */
	want = cpus < 2 ? 2 : cpus > UNPACK_MAX_THREADS ? UNPACK_MAX_THREADS : (size_t)cpus;
	if (want > 2 * n_layers)
		want = 2 * n_layers;
	for (; u->n_threads < want; u->n_threads++) {
		int r = pthread_create(&u->threads[u->n_threads], NULL, worker, u);

		if (r != 0) {
			if (u->n_threads > 0)
				break; /* fewer threads are still correct */
			reg_unpacker_free(u);
			return berth_error_set(err, r, "unpack: start a thread");
		}
	}
	*ret = u;
	return 0;
}

int reg_unpacker_add(struct reg_unpacker *u, size_t i, struct blob_writer *w,
		     const struct layer_record *rec, const char *name, struct berth_error **err)
{
	struct ulayer *l;

	if (i >= u->n || u->layers[i].queued)
		return berth_error_new(err, EINVAL, "unpack: layer %zu queued twice", i);
	l = &u->layers[i];
	l->rec = (struct layer_record){
	    .chain_id = strdup(rec->chain_id),
	    .diff_id = strdup(rec->diff_id),
	    .parent = rec->parent ? strdup(rec->parent) : NULL,
	    .blob = strdup(rec->blob),
	    .media_type = rec->media_type ? strdup(rec->media_type) : NULL,
	    .blob_size = rec->blob_size,
	};
	l->name = strdup(name);
	if (!l->rec.chain_id || !l->rec.diff_id || (rec->parent && !l->rec.parent) ||
	    !l->rec.blob || (rec->media_type && !l->rec.media_type) || !l->name) {
		ulayer_release(u->s, l);
		return berth_error_set(err, ENOMEM, "unpack");
	}
	l->w = w;
	l->tasks_left = 2;
	pthread_mutex_lock(&u->mu);
	l->queued = true;
	u->queue[u->q_tail++] = (struct ujob){.layer = i, .diff = false};
	u->queue[u->q_tail++] = (struct ujob){.layer = i, .diff = true};
	pthread_cond_broadcast(&u->cv);
	pthread_mutex_unlock(&u->mu);
	return 0;
}

static void join(struct reg_unpacker *u)
{
	pthread_mutex_lock(&u->mu);
	u->closing = true;
	pthread_cond_broadcast(&u->cv);
	pthread_mutex_unlock(&u->mu);
	for (size_t t = 0; t < u->n_threads; t++)
		pthread_join(u->threads[t], NULL);
	u->n_threads = 0;
}

int reg_unpacker_finish(struct reg_unpacker *u, char **ret_tmps, struct berth_error **err)
{
	join(u);
	/* The first failure bottom up; for one layer, its diff id's before its unpack's. */
	for (size_t i = 0; i < u->n; i++) {
		struct ulayer *l = &u->layers[i];
		struct berth_error **e = l->diff_err ? &l->diff_err : &l->unpack_err;

		if (!*e)
			continue;
		if (err) {
			berth_error_free(*err);
			*err = TAKE_PTR(*e);
			return -(*err)->errnum;
		}
		return -EIO;
	}
	for (size_t i = 0; i < u->n; i++)
		ret_tmps[i] = TAKE_PTR(u->layers[i].tmp);
	return 0;
}

struct reg_unpacker *reg_unpacker_free(struct reg_unpacker *u)
{
	if (!u)
		return NULL;
	pthread_mutex_lock(&u->mu);
	u->failed = true; /* what is still queued is not wanted any more */
	pthread_mutex_unlock(&u->mu);
	join(u);
	for (size_t i = 0; i < u->n; i++)
		ulayer_release(u->s, &u->layers[i]);
	pthread_mutex_destroy(&u->mu);
	pthread_cond_destroy(&u->cv);
	free(u->layers);
	free(u->queue);
	free(u);
	return NULL;
}
