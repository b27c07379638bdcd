// SPDX-License-Identifier: GPL-2.0
/*
 * A multi-threaded request/response target for the thread tests.  It
 * prints "sites SITE SITE2" and "counts ADDR" (two unsigned longs: epoll_wait
 * and nanosleep rounds of its idle threads), starts an event-loop thread
 * (epoll_wait on an empty set, 2 ms timeout, round after round) and a
 * timer thread (nanosleep 1 ms, round after round), and stops itself
 * (SIGSTOP) until the test has set up its session.  Then it starts the
 * serving thread and its main thread leaves (pthread_exit).
 *
 * A second site, SITE2, is a jump the timer thread runs every round.
 *
 * The serving thread reads a request line from fd 0 one byte at a time:
 * 50 ms after its first byte (the timer thread passes SITE2 meanwhile) it
 * branches at SITE on it ('G' or not), reads the rest, waits 300 ms (the
 * idle threads wait for work meanwhile), answers on fd 1 "200 <rest>" or
 * "400 <rest>", and goes back to waiting for work: epoll_wait() for good.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "site_get.h"

static volatile unsigned long counts[2];

extern const char site_idle[];

void idle_branch(unsigned long n);

asm(".text\n"
    ".type idle_branch, @function\n"
    "idle_branch:\n\t"
    "test %edi, %edi\n"
    ".globl site_idle\n"
    "site_idle:\n\t"
    "je 1f\n"
    "1:\n\t"
    "ret\n"
    ".size idle_branch, .-idle_branch\n");

static void *event_loop(void *arg)
{
	int ep = epoll_create1(0);
	struct epoll_event e;

	(void)arg;
	for (;;) {
		epoll_wait(ep, &e, 1, 2);
		counts[0]++;
	}
	return NULL;
}

static void *timer(void *arg)
{
	struct timespec ts = { 0, 1000000 };

	(void)arg;
	for (;;) {
		nanosleep(&ts, NULL);
		idle_branch(counts[1]++);
	}
	return NULL;
}

static void *serve(void *arg)
{
	struct timespec pause = { 0, 300000000 }, first = { 0, 50000000 };
	char rest[128], out[256], c;
	struct epoll_event e;
	int get, len, ep;
	size_t n = 0;

	(void)arg;
	if (read(0, &c, 1) != 1)
		exit(1);
	nanosleep(&first, NULL);
	get = is_get(c);
	while (n < sizeof(rest) - 1 && read(0, &rest[n], 1) == 1 && rest[n] != '\n')
		n++;
	rest[n] = '\0';
	nanosleep(&pause, NULL);
	len = snprintf(out, sizeof(out), "%s %s\n", get ? "200" : "400", rest);
	if (write(1, out, len) != len)
		exit(2);
	ep = epoll_create1(0);
	for (;;)
		epoll_wait(ep, &e, 1, -1);
	return NULL;
}

int main(void)
{
	pthread_t t;

	printf("sites %p %p\ncounts %p\n", (void *)site_get, (void *)site_idle,
	       (void *)counts);
	fflush(stdout);
	if (pthread_create(&t, NULL, event_loop, NULL) ||
	    pthread_create(&t, NULL, timer, NULL))
		return 3;
	raise(SIGSTOP);
	if (pthread_create(&t, NULL, serve, NULL))
		return 4;
	pthread_exit(NULL);
}
