// SPDX-License-Identifier: GPL-2.0
/*
 * The f-map (user/campaign/fmap.c, fmap_out.c) from outcomes written
 * here: its edges (no edge into the component a fault was injected
 * into, none from a run that could not inject), a class's map, the
 * saved file read back (a campaign resumes from it), the DOT form, and
 * the comparison with a stack's configured edges.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "campaign/advise.h"
#include "campaign/fmap.h"
#include "campaign/stack.h"

#define DIR_ "/tmp/insight-fmap-test"

FIXTURE(fmap) {
	struct stack s;
	struct fmap m;
};

FIXTURE_SETUP(fmap)
{
	static char *names[] = { "redis", "app", "nginx" };
	int i;

	memset(&self->s, 0, sizeof(self->s));
	memset(&self->m, 0, sizeof(self->m));
	for (i = 0; i < 3; i++)
		self->s.c[i].name = names[i];
	self->s.n = 3;
	mkdir(DIR_, 0755);
}

FIXTURE_TEARDOWN(fmap)
{
	fmap_free(&self->m);
	system("rm -rf " DIR_);
}

/* An outcome: fault @id in component @comp, class @class, @failed bits. */
static struct outcome run(const char *id, int comp, const char *class, uint32_t failed)
{
	struct outcome o = { .comp = { comp }, .ncomp = 1, .injected = 1, .failed = failed };

	snprintf(o.fault, sizeof(o.fault), "%s", id);
	snprintf(o.class, sizeof(o.class), "%s", class);
	return o;
}

#define BIT(n) (1u << (n))
#define CLIENT BIT(FMAP_CLIENT)

/* redis's crash reaches app, nginx, the client; app's EIO is handled. */
static void fill(struct fmap *m)
{
	struct outcome o;

	o = run("redis/read/crash", 0, "crash", BIT(0) | BIT(1) | BIT(2) | CLIENT);
	fmap_add(m, &o);
	o = run("redis/accept4@socket/EMFILE", 0, "network", BIT(2) | CLIENT);
	fmap_add(m, &o);
	o = run("app/read@file/EIO", 1, "disk", BIT(1));	/* only itself */
	fmap_add(m, &o);
	o = run("app/mmap/ENOMEM", 1, "memory", BIT(2));
	o.injected = 0;	/* never made the call: no edge */
	fmap_add(m, &o);
	o = run("nginx/connect@socket/EPERM", 2, "network", CLIENT);
	snprintf(o.error, sizeof(o.error), "cannot inject");
	fmap_add(m, &o);
}

TEST_F(fmap, an_edge_goes_from_the_faulty_component_to_each_other_that_failed)
{
	int e[FMAP_NODES][FMAP_NODES];

	fill(&self->m);
	fmap_edges(&self->m, NULL, e);
	EXPECT_EQ(1, e[0][1]);			/* redis -> app */
	EXPECT_EQ(2, e[0][2]);			/* redis -> nginx: twice */
	EXPECT_EQ(2, e[0][FMAP_CLIENT]);
	EXPECT_EQ(0, e[0][0]);			/* not into itself */
	EXPECT_EQ(0, e[1][1]);			/* handled: nothing else failed */
	EXPECT_EQ(0, e[1][2]);			/* not injected */
	EXPECT_EQ(0, e[2][FMAP_CLIENT]);	/* could not run */
}

TEST_F(fmap, a_fault_class_has_its_own_map)
{
	int e[FMAP_NODES][FMAP_NODES];

	fill(&self->m);
	fmap_edges(&self->m, "network", e);
	EXPECT_EQ(0, e[0][1]);		/* the crash is not a network fault */
	EXPECT_EQ(1, e[0][2]);
	EXPECT_EQ(1, e[0][FMAP_CLIENT]);
}

TEST_F(fmap, the_saved_map_is_read_back_whole)
{
	struct fmap back = { 0 };
	const struct outcome *o;
	int a[FMAP_NODES][FMAP_NODES], b[FMAP_NODES][FMAP_NODES];

	fill(&self->m);
	snprintf(self->m.o[0].evidence[1], sizeof(self->m.o[0].evidence[1]), "visit: refused");
	ASSERT_EQ(0, fmap_save(&self->m, &self->s, DIR_ "/fmap.json"));
	ASSERT_EQ(0, fmap_load(&back, &self->s, DIR_ "/fmap.json"));
	ASSERT_EQ(self->m.n, back.n);
	fmap_edges(&self->m, NULL, a);
	fmap_edges(&back, NULL, b);
	EXPECT_EQ(0, memcmp(a, b, sizeof(a)));
	o = fmap_find(&back, "redis/read/crash");
	ASSERT_NE(NULL, o);
	EXPECT_STREQ("visit: refused", o->evidence[1]);
	EXPECT_STREQ("crash", o->class);
	o = fmap_find(&back, "nginx/connect@socket/EPERM");
	ASSERT_NE(NULL, o);
	EXPECT_STREQ("cannot inject", o->error);
	fmap_free(&back);
}

TEST_F(fmap, a_saved_map_of_another_stack_is_refused)
{
	struct fmap back = { 0 };
	char *name = "memcached";

	fill(&self->m);
	ASSERT_EQ(0, fmap_save(&self->m, &self->s, DIR_ "/fmap.json"));
	self->s.c[0].name = name;
	EXPECT_EQ(-EINVAL, fmap_load(&back, &self->s, DIR_ "/fmap.json"));
	fmap_free(&back);
	EXPECT_EQ(-ENOENT, fmap_load(&back, &self->s, DIR_ "/none.json"));
}

TEST_F(fmap, the_dot_form_has_each_edge_with_its_count)
{
	char buf[4096] = "";
	size_t n;
	FILE *f;

	fill(&self->m);
	ASSERT_EQ(0, fmap_write(&self->m, &self->s, NULL, NULL, DIR_ "/fmap.dot", NULL));
	f = fopen(DIR_ "/fmap.dot", "r");
	ASSERT_NE(NULL, f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	EXPECT_NE(NULL, strstr(buf, "\"redis\" -> \"nginx\" [label=\"2\"];")) TH_LOG("%s", buf);
	EXPECT_NE(NULL, strstr(buf, "\"redis\" -> \"client\" [label=\"2\"];"));
	EXPECT_EQ(NULL, strstr(buf, "\"app\" ->"));
}

TEST_F(fmap, the_comparison_names_edges_found_and_edges_never_seen)
{
	char buf[4096] = "";
	FILE *f = fopen(DIR_ "/expected", "w");
	int saved = dup(1);
	size_t n;

	ASSERT_NE(NULL, f);
	fputs("# configured\nredis -> app\napp -> nginx\n", f);
	fclose(f);
	fill(&self->m);
	fflush(stdout);
	ASSERT_NE(NULL, freopen(DIR_ "/out", "w", stdout));
	EXPECT_EQ(0, fmap_compare(&self->m, &self->s, DIR_ "/expected"));
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	f = fopen(DIR_ "/out", "r");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	EXPECT_NE(NULL, strstr(buf, "found, not in " DIR_ "/expected:\n  redis -> nginx (2)\n"))
		TH_LOG("%s", buf);
	EXPECT_NE(NULL, strstr(buf, "never seen:\n  app -> nginx\n")) TH_LOG("%s", buf);
}

TEST_F(fmap, a_bad_expected_line_is_refused)
{
	FILE *f = fopen(DIR_ "/expected", "w");

	ASSERT_NE(NULL, f);
	fputs("redis -> memcached\n", f);
	fclose(f);
	EXPECT_EQ(-EINVAL, fmap_compare(&self->m, &self->s, DIR_ "/expected"));
}

TEST_F(fmap, the_advice_ranks_the_components_whose_faults_reached_the_node)
{
	char line[512];

	fill(&self->m);
	ASSERT_EQ(0, fmap_save(&self->m, &self->s, DIR_ "/fmap.json"));
	ASSERT_EQ(0, fmap_advise(DIR_ "/fmap.json", "nginx", line, sizeof(line)));
	EXPECT_STREQ("shadow redis first: its faults made nginx fail in 2 runs", line);
	EXPECT_EQ(-ENOENT, fmap_advise(DIR_ "/fmap.json", "haproxy", line, sizeof(line)));
	EXPECT_EQ(-EINVAL, fmap_advise(DIR_ "/none.json", "nginx", line, sizeof(line)));
}

TEST_F(fmap, the_advice_puts_the_commonest_origin_first)
{
	struct outcome o;
	char line[512];
	int i;

	for (i = 0; i < 3; i++) {
		o = run("app/read@file/EIO", 1, "disk", BIT(2));
		snprintf(o.fault, sizeof(o.fault), "app/f%d", i);
		fmap_add(&self->m, &o);
	}
	o = run("redis/read/crash", 0, "crash", BIT(2));
	fmap_add(&self->m, &o);
	ASSERT_EQ(0, fmap_save(&self->m, &self->s, DIR_ "/fmap.json"));
	ASSERT_EQ(0, fmap_advise(DIR_ "/fmap.json", "nginx", line, sizeof(line)));
	EXPECT_STREQ("shadow app first: its faults made nginx fail in 3 runs; then redis (1)", line);
}

TEST_HARNESS_MAIN
