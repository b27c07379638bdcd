// SPDX-License-Identifier: GPL-2.0
/*
 * A target sharing memory with another process, for the shared-memory
 * test.  sharedmem FILE: maps FILE (created, one page) MAP_SHARED and
 * stores 1111 at its start, a MAP_SHARED|MAP_ANONYMOUS page holding
 * 2222 and a SysV shm page holding 3333 (removed at once: gone with its
 * last attach), forks an observer that only waits (it shares all three),
 * prints "sites SITE" and "maps OBSERVER FILEADDR ANONADDR SHMADDR DEV",
 * and stops itself (SIGSTOP) until the test has set up its session.
 * With a second argument "devmem" it also maps a page of device memory
 * (/dev/mem at 0xa0000, the legacy VGA window) MAP_SHARED: DEV is 1 when
 * that worked, else 0.
 *
 * Then it reads one byte from fd 0 and branches at SITE: 'G' prints
 * "natural" and waits for good; anything else stores 0xbad1, 0xbad2,
 * 0xbad3 in the three pages, maps FILE again MAP_SHARED and stores
 * 0xbad4 at its second word, makes the read-only page writable
 * (mprotect) and stores 0xbad5 there, and prints what it reads back:
 * "probe FILE ANON SHM NEWMAP RO" (hex), and exits 0.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/shm.h>

#include "site_get.h"

#define RW (PROT_READ | PROT_WRITE)

int main(int argc, char **argv)
{
	volatile unsigned int *file, *anon, *shm, *again, *ro;
	int fd, id, dev = 0;
	pid_t observer;
	char c;

	if (argc < 2)
		return 2;
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, 8192))
		return 3;
	file = mmap(NULL, 4096, RW, MAP_SHARED, fd, 0);
	ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096);
	anon = mmap(NULL, 4096, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	shm = id < 0 ? (void *)-1 : shmat(id, NULL, 0);
	if (file == MAP_FAILED || ro == MAP_FAILED || anon == MAP_FAILED || shm == (void *)-1 ||
	    shmctl(id, IPC_RMID, NULL))
		return 4;
	if (argc > 2 && !strcmp(argv[2], "devmem")) {
		int mem = open("/dev/mem", O_RDWR | O_SYNC);

		dev = mem >= 0 && mmap(NULL, 4096, RW, MAP_SHARED, mem, 0xa0000) != MAP_FAILED;
	}
	file[0] = 1111;
	anon[0] = 2222;
	shm[0] = 3333;
	observer = fork();
	if (observer < 0)
		return 5;
	if (!observer)
		for (;;)
			pause();
	printf("sites %p\nmaps %d %p %p %p %d\n", (void *)site_get, observer,
	       (void *)file, (void *)anon, (void *)shm, dev);
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
	if (mprotect((void *)ro, 4096, RW))
		return 8;
	ro[0] = 0xbad5;
	printf("probe %x %x %x %x %x\n", file[0], anon[0], shm[0], again[1], ro[0]);
	fflush(stdout);
	return 0;
}
