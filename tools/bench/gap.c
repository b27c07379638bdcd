// SPDX-License-Identifier: GPL-2.0
/*
 * gap FILE SECONDS: watch FILE grow (a VM's serial output, written back
 * to back by the guest) for SECONDS and print the longest time in ms it
 * did not grow (the longest pause a client of that VM saw) and the bytes
 * it grew by a second (the VM's throughput).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	double start, last, gap = 0;
	off_t size = -1, first = -1;
	struct stat st;

	if (argc != 3) {
		fprintf(stderr, "usage: gap FILE SECONDS\n");
		return 2;
	}
	start = last = now_ms();
	while (now_ms() - start < atof(argv[2]) * 1e3) {
		if (!stat(argv[1], &st) && st.st_size != size) {
			if (size >= 0 && now_ms() - last > gap)
				gap = now_ms() - last;
			if (first < 0)
				first = st.st_size;
			size = st.st_size;
			last = now_ms();
		}
		usleep(200);
	}
	if (now_ms() - last > gap)
		gap = now_ms() - last;
	printf("%.1f %.0f\n", gap, first < 0 ? 0 : (size - first) / atof(argv[2]));
	return 0;
}
