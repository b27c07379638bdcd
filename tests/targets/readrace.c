// SPDX-License-Identifier: GPL-2.0
/*
 * Threads reading one input fd at once, for the replay race test.
 * readrace NTHREADS LEN: prints "sites" (none), then "recs ADDR LEN
 * FINISHED_ADDR" and stops itself (SIGSTOP) until the test has set up
 * its session.  Then NTHREADS threads read fd 0 at once, small reads of
 * 1 to 4 bytes each into a fresh page (the copy faults), half of them
 * with read(), half with readv() of two iovecs, until a read returns 0
 * or fails.  Each keeps the bytes it got, in order, in its record
 * (struct rec below, NTHREADS of them at ADDR), and counts itself in
 * FINISHED when done; the test reads both through /proc/PID/mem.
 *
 * readrace NTHREADS LEN fault: thread 0 first reads 4 bytes into a page
 * it cannot write (EFAULT is what it expects: else its record's err is
 * EPROTO), then 4 bytes of which only the first 2 can land (2 expected),
 * keeping those 2; the bytes that could not land must come again.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/uio.h>

#define MAX_THREADS 8
#define MAX_LEN 256

struct rec {
	int len;		/* bytes got */
	int err;		/* errno of a failed read, or E2BIG */
	int reads;		/* reads that returned bytes */
	unsigned char got[MAX_LEN];
};

static struct rec recs[MAX_THREADS];
static int finished;
static int len;
static int fault;

/* The faulting reads of thread 0 (see above); 0 or an errno. */
static int faulting_reads(struct rec *r)
{
	char *area = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (area == MAP_FAILED || mprotect(area + 4096, 4096, PROT_NONE))
		return errno;
	if (read(0, area + 4096, 4) != -1 || errno != EFAULT)
		return EPROTO;
	if (read(0, area + 4094, 4) != 2)
		return EPROTO;
	memcpy(r->got, area + 4094, 2);
	r->len = 2;
	r->reads = 1;
	return 0;
}

static ssize_t read_some(int t, char *buf, size_t k)
{
	struct iovec iov[2] = {
		{ .iov_base = buf, .iov_len = 1 },
		{ .iov_base = buf + 2048, .iov_len = k - 1 },
	};

	return t % 2 ? read(0, buf, k) : readv(0, iov, 2);
}

static void *reader(void *arg)
{
	int t = (long)arg, i;
	struct rec *r = &recs[t];
	char *area;
	ssize_t n;

	area = mmap(NULL, (size_t)(len + 2) * 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		r->err = errno;
		goto out;
	}
	if (fault && !t) {
		r->err = faulting_reads(r);
		if (r->err)
			goto out;
	}
	for (i = 0; i <= len; i++) {
		char *buf = area + (size_t)i * 4096;

		n = read_some(t, buf, 1 + (i + t) % 4);
		if (n < 0) {
			r->err = errno;
			break;
		}
		if (!n)
			break;
		if (r->len + n > len) {
			r->err = E2BIG;
			break;
		}
		/* readv put the first byte alone, the rest 2048 bytes on */
		r->got[r->len] = buf[0];
		if (n > 1)
			memcpy(&r->got[r->len + 1], t % 2 ? buf + 1 : buf + 2048, n - 1);
		r->len += n;
		r->reads++;
	}
out:
	__atomic_add_fetch(&finished, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[MAX_THREADS];
	int n = argc > 1 ? atoi(argv[1]) : 2, t;

	len = argc > 2 ? atoi(argv[2]) : 64;
	fault = argc > 3 && !strcmp(argv[3], "fault");
	if (n < 1 || n > MAX_THREADS || len < 1 || len > MAX_LEN)
		return 2;
	printf("sites\nrecs %p %zu %p\n", (void *)recs, sizeof(struct rec),
	       (void *)&finished);
	fflush(stdout);
	raise(SIGSTOP);
	for (t = 0; t < n; t++)
		if (pthread_create(&th[t], NULL, reader, (void *)(long)t))
			return 3;
	for (t = 0; t < n; t++)
		pthread_join(th[t], NULL);
	pause();	/* the test reads the records, then kills it */
	return 0;
}
