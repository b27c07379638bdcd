// SPDX-License-Identifier: GPL-2.0
/*
 * A target sharing memory with another process, for the shared-memory
 * test.  sharedmem FILE: maps FILE (created, one page) MAP_SHARED and
 * stores 1111 at its start, a MAP_SHARED|MAP_ANONYMOUS page holding
 * 2222 and a SysV shm page holding 3333 (removed at once: gone with its
 * last attach), forks an observer that only waits (it shares all three),
 * prints "sites SITE" and "maps OBSERVER FILEADDR ANONADDR SHMADDR",
 * and stops itself (SIGSTOP) until the test has set up its session.
 *
 * Then it reads one byte from fd 0 and branches at SITE: 'G' prints
 * "natural" and waits for good; anything else stores 0xbad1, 0xbad2,
 * 0xbad3 in the three pages, maps FILE again MAP_SHARED and stores
 * 0xbad4 at its second word, and prints what it reads back:
 * "probe FILE ANON SHM NEWMAP" (hex), and exits 0.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/shm.h>

#include "site_get.h"

#define RW (PROT_READ | PROT_WRITE)

int main(int argc, char **argv)
{
	volatile unsigned int *file, *anon, *shm, *again;
	pid_t observer;
	int fd, id;
	char c;

	if (argc < 2)
		return 2;
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, 4096))
		return 3;
	file = mmap(NULL, 4096, RW, MAP_SHARED, fd, 0);
	anon = mmap(NULL, 4096, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	shm = id < 0 ? (void *)-1 : shmat(id, NULL, 0);
	if (file == MAP_FAILED || anon == MAP_FAILED || shm == (void *)-1 ||
	    shmctl(id, IPC_RMID, NULL))
		return 4;
	file[0] = 1111;
	anon[0] = 2222;
	shm[0] = 3333;
	observer = fork();
	if (observer < 0)
		return 5;
	if (!observer)
		for (;;)
			pause();
	printf("sites %p\nmaps %d %p %p %p\n", (void *)site_get, observer,
	       (void *)file, (void *)anon, (void *)shm);
	fflush(stdout);
	raise(SIGSTOP);
	if (read(0, &c, 1) != 1)
		return 6;
	if (is_get(c)) {
		printf("natural\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	file[0] = 0xbad1;
	anon[0] = 0xbad2;
	shm[0] = 0xbad3;
	again = mmap(NULL, 4096, RW, MAP_SHARED, fd, 0);
	if (again == MAP_FAILED)
		return 7;
	again[1] = 0xbad4;
	printf("probe %x %x %x %x\n", file[0], anon[0], shm[0], again[1]);
	fflush(stdout);
	return 0;
}
