/* v8_pipe: the V8 loader's reader thread for the big integer arrays
 * (loaders/v8_priv.h). */
#include "loaders/v8_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"

/* 20-digit numbers: parses s[0..len) with an overflow check. */
static int parse_long(const char *s, size_t len, uint64_t *out)
{
	uint64_t x = 0;

	if (len > 20)
		return -1;
	for (size_t k = 0; k < len; k++) {
		unsigned d = (unsigned)(s[k] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}

static int rd_fail(struct rd *r, const char *p, const char *what)
{
	r->pos = (size_t)(p - r->buf);
	return error_set(r->err, "%s: byte %llu: %s", r->path, (unsigned long long)(r->base + r->pos), what);
}

/* Parses up to BATCH numbers of the array into b->val / b->at after the
 * slot's b->n.  Stops early only at the closing bracket (b->closed).
 * Keeps LOOKAHEAD bytes in the window at each token, so a number never
 * straddles a refill; the NUL after the window stops every inner loop.
 * Touches r, *state and b only (runs on the reader thread); on failure
 * the batch's numbers are not added. */
static int fill_batch(struct rd *r, struct batch *b, int *state_io)
{
	const char *p = r->buf + r->pos, *end = r->buf + r->len;
	uint64_t *val = b->val + b->n, *at = b->at + b->n;
	size_t n = 0;
	int state = *state_io;

	while (n < BATCH) {
		unsigned char c;
		unsigned d;
		const char *s;
		uint64_t x;

		if ((size_t)(end - p) < LOOKAHEAD && !r->eof) {
			r->pos = (size_t)(p - r->buf);
			if (v8_rd_fill(r, LOOKAHEAD) != 0)
				return -1;
			p = r->buf + r->pos;
			end = r->buf + r->len;
		}
		c = (unsigned char)*p;
		while (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			c = (unsigned char)*++p;
		if (p == end) {
			if (r->eof)
				return rd_fail(r, p, "unexpected end of file inside an array");
			continue;
		}
		if (state == A_VALUE) {
			if (c != ',') {
				if (c == ']') {
					p++;
					b->closed = 1;
					break;
				}
				return rd_fail(r, p, "expected ',' or ']' in an integer array");
			}
			c = (unsigned char)*++p;
			while (c == ' ' || c == '\n' || c == '\r' || c == '\t')
				c = (unsigned char)*++p;
			state = A_COMMA;
			if (p == end)
				continue;
		} else if (state == A_START && c == ']') {
			p++;
			b->closed = 1;
			break;
		}
		d = (unsigned)c - '0';
		if (d > 9) {
			if (c == '-')
				return rd_fail(r, p, "negative number where a count, index or size belongs");
			return rd_fail(r, p, "expected an unsigned integer");
		}
		s = p++;
		x = d;
		if (d == 0 && (unsigned)((unsigned char)*p - '0') <= 9)
			return rd_fail(r, s, "number with a leading zero");
		while ((d = (unsigned)((unsigned char)*p - '0')) <= 9) {
			x = x * 10 + d;
			p++;
		}
		if (p - s >= 20 && parse_long(s, (size_t)(p - s), &x) != 0)
			return rd_fail(r, s, "number too large for 64 bits");
		if (*p == '.' || *p == 'e' || *p == 'E')
			return rd_fail(r, s, "expected an integer, found a fraction or exponent");
		val[n] = x;
		at[n] = r->base + (size_t)(s - r->buf);
		n++;
		state = A_VALUE;
	}
	r->pos = (size_t)(p - r->buf);
	*state_io = state;
	b->n += n;
	return 0;
}

/* Fills one slot; returns whether it is the array's last. */
static int produce(struct pipe *p, struct batch *b)
{
	b->n = 0;
	b->closed = 0;
	b->failed = 0;
	while (b->n < SLOT && !b->closed && !b->failed)
		b->failed = fill_batch(p->r, b, &p->state) != 0;
	b->end = p->r->base + p->r->pos;
	return b->failed || b->closed;
}

static void *reader_main(void *arg)
{
	struct pipe *p = arg;

	for (;;) {
		struct batch *b;
		int last;

		pthread_mutex_lock(&p->mu);
		while (!p->stop && p->head - p->tail == RING) {
			p->reader_waits = 1;
			pthread_cond_wait(&p->space, &p->mu);
		}
		p->reader_waits = 0;
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		pthread_mutex_unlock(&p->mu);
		/* only this thread writes head */
		b = &p->ring[p->head % RING];
		last = produce(p, b);
		pthread_mutex_lock(&p->mu);
		p->head++;
		/* a loader that found the ring empty sleeps till it is half
		 * full (or done): a wake-up per slot costs more than the slot */
		if (p->loader_waits && (last || p->head - p->tail >= RING / 2))
			pthread_cond_signal(&p->data);
		pthread_mutex_unlock(&p->mu);
		if (last)
			break;
	}
	return NULL;
}

/* Starts reading an integer array whose '[' was just consumed: on a reader
 * thread when `threaded` (and one can be started), else on demand. */
void v8_pipe_start(struct v8 *v, struct pipe *p, int threaded)
{
	memset(p, 0, sizeof *p);
	p->r = &v->r;
	p->state = A_START;
	p->ring = mem_alloc((threaded ? RING : 1) * sizeof *p->ring);
	p->started = 1;
	v->r.err = &p->err;
	if (!threaded)
		return;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->data, NULL);
	pthread_cond_init(&p->space, NULL);
	p->threaded = worker_start(&p->reader, reader_main, p);
	if (!p->threaded) {
		pthread_cond_destroy(&p->space);
		pthread_cond_destroy(&p->data);
		pthread_mutex_destroy(&p->mu);
	}
}

/* Stops the reader (if it still runs) and joins it; the input window and
 * its error record are the loader's again. */
static void pipe_join(struct v8 *v, struct pipe *p)
{
	if (p->threaded) {
		pthread_mutex_lock(&p->mu);
		p->stop = 1;
		pthread_cond_signal(&p->space);
		pthread_mutex_unlock(&p->mu);
		worker_join(&p->reader);
		pthread_cond_destroy(&p->space);
		pthread_cond_destroy(&p->data);
		pthread_mutex_destroy(&p->mu);
		p->threaded = 0;
	}
	v->r.err = v->err;
}

/* Ends the array's reading on every path (a no-op when never started). */
void v8_pipe_fini(struct v8 *v, struct pipe *p)
{
	if (!p->started)
		return;
	pipe_join(v, p);
	free(p->ring);
	p->ring = NULL;
	p->cur = NULL;
	p->started = 0;
}

/* The array's next slot, in order.  Gives the previous one back.  A last
 * slot (closed or failed) joins the reader first: the window is the
 * loader's again. */
static struct batch *pipe_take(struct v8 *v, struct pipe *p)
{
	struct batch *b;

	if (!p->threaded) {
		b = &p->ring[0];
		produce(p, b);
	} else {
		pthread_mutex_lock(&p->mu);
		if (p->cur) {
			p->tail++;
			if (p->reader_waits && RING - (p->head - p->tail) >= RING / 2)
				pthread_cond_signal(&p->space);
		}
		while (p->head == p->tail) {
			p->loader_waits = 1;
			pthread_cond_wait(&p->data, &p->mu);
		}
		p->loader_waits = 0;
		pthread_mutex_unlock(&p->mu);
		b = &p->ring[p->tail % RING];
	}
	p->cur = b;
	p->i = 0;
	if (b->failed || b->closed)
		pipe_join(v, p);
	return b;
}

/* Raises the reader's error (its slot's numbers are used up). */
static int pipe_fail(struct v8 *v, struct pipe *p)
{
	*v->err = p->err;
	return -1;
}

/* Reads one record of nf fields, across batches: the slow path of
 * next_record. */
int v8_next_record_slow(struct v8 *v, struct pipe *p, const uint64_t **f, const uint64_t **at,
			    unsigned nf, const char *inside, const char *kind)
{
	char msg[160];
	unsigned k = 0;

	if (nf == 0)
		return 0;
	while (k < nf) {
		struct batch *b = p->cur;
		if (b && p->i < b->n) {
			p->f[k] = b->val[p->i];
			p->at[k] = b->at[p->i];
			p->i++;
			k++;
			continue;
		}
		if (b && b->closed)
			break;
		if (b && b->failed)
			return pipe_fail(v, p);
		pipe_take(v, p);
	}
	if (k == nf) {
		*f = p->f;
		*at = p->at;
		return 1;
	}
	if (k == 0)
		return 0;
	snprintf(msg, sizeof msg, "%s (its length is not a multiple of the %u %s fields)", inside, nf,
		 kind);
	return v8_fail_at(v, v8_here(v) - 1, msg);
}


/* Skips an array of unsigned integers (locations, samples, ...) at full
 * speed. */
int v8_skip_int_array(struct v8 *v)
{
	struct pipe p;
	int rc = -1;
	uint64_t n = 0;

	p.started = 0;
	if (v8_expect(v, '[', "expected an array of integers") != 0)
		goto out;
	v8_pipe_start(v, &p, 0);
	for (;;) {
		const struct batch *b = pipe_take(v, &p);
		if (b->failed) {
			pipe_fail(v, &p);
			goto out;
		}
		if ((++n & 15) == 0 && v8_tick_at(v, b->end) != 0)
			goto out;
		if (b->closed)
			break;
	}
	rc = 0;
out:
	v8_pipe_fini(v, &p);
	return rc;
}

