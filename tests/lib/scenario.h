/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One scenario, many tests, each stating one behaviour.
 *
 * The kselftest harness forks a child for every test, so a fixture's setup
 * runs again for each test.  On the TCG guest a scenario that starts a
 * target, forks probes and reaps them costs up to seconds: too much to
 * repeat for every behaviour it shows.  So a scenario fills a record in
 * memory shared with the harness (mapped by a constructor, before any test
 * is forked): the first test whose setup needs it plays it, the following
 * tests find it played and each checks one behaviour in the record.
 *
 * The ASSERTs that gate the scenario's progress stay in the scenario: when
 * one fails, that test fails and the record stays "playing", which makes
 * every later test of the same scenario fail too (never pass on a record
 * that was not filled).
 */
#ifndef INSIGHT_TEST_SCENARIO_H
#define INSIGHT_TEST_SCENARIO_H

#include <stddef.h>
#include <sys/mman.h>

enum { SCENARIO_UNPLAYED, SCENARIO_PLAYING, SCENARIO_PLAYED };

/*
 * A shared, zeroed record @name of type @type (whose first member is
 * `int state`), mapped before main().
 */
#define SCENARIO(name, type)						\
	static type *name;						\
	static void __attribute__((constructor)) name##_map(void)	\
	{								\
		void *p = mmap(NULL, sizeof(type), PROT_READ | PROT_WRITE, \
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);	\
		name = p == MAP_FAILED ? NULL : p;			\
	}

/*
 * In a FIXTURE_SETUP: play @play(_metadata, @rec) unless an earlier test
 * did; fail if an earlier test started it and did not finish.
 */
#define SCENARIO_PLAY(rec, play) do {					\
	ASSERT_NE(NULL, (rec)) TH_LOG("no shared record");		\
	ASSERT_NE(SCENARIO_PLAYING, (rec)->state)			\
		TH_LOG("the scenario failed in an earlier test");	\
	if ((rec)->state == SCENARIO_UNPLAYED) {			\
		(rec)->state = SCENARIO_PLAYING;			\
		play(_metadata, (rec));					\
		(rec)->state = SCENARIO_PLAYED;				\
	}								\
} while (0)

#endif /* INSIGHT_TEST_SCENARIO_H */
