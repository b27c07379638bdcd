// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow's qemu command line (user/shadow/cmdline.c): production's,
 * with its disks, sockets, serial ports and NICs replaced by the
 * shadow's own, and the options it cannot isolate refused.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "shadow/cmdline.h"

static const struct disk_map disks[] = { { "/srv/vm/data.qcow2", "/run/sh/shadow-virtio0.qcow2" } };

static char joined[4096];

static const char *join(const struct qemu_argv *a)
{
	int i;

	joined[0] = '\0';
	for (i = 0; i < a->argc; i++) {
		strncat(joined, a->argv[i], sizeof(joined) - strlen(joined) - 2);
		strcat(joined, " ");
	}
	return joined;
}

static int shadow_on(char **argv, const int *taps, struct qemu_argv *out, char *why)
{
	struct shadow_devices dev = { disks, 1, taps, "/run/sh" };
	struct qemu_argv in = { argv, 0 };

	while (argv[in.argc])
		in.argc++;
	return cmdline_shadow(&in, &dev, out, why, 256);
}

static int shadow_of(char **argv, struct qemu_argv *out, char *why)
{
	return shadow_on(argv, NULL, out, why);
}

TEST(production_endpoints_become_the_shadows_own)
{
	char *argv[] = { "qemu-system-x86_64", "-m", "1G", "-nodefaults",
			 "-drive", "file.locking=auto,file=/srv/vm/data.qcow2,if=virtio,format=qcow2",
			 "-drive", "file=/srv/vm/seed.iso,media=cdrom,readonly=on",
			 "-qmp", "unix:/srv/vm/qmp.sock,server=on,wait=off",
			 "--monitor", "stdio", "-pidfile", "/run/vm.pid", "-daemonize",
			 "-serial", "file:/srv/vm/console.log",
			 "-chardev", "socket,id=qga0,path=/srv/vm/qga.sock,server=on,wait=off",
			 "-chardev", "pty,id=ch1",
			 "-netdev", "tap,id=net0,ifname=tap0,script=no",
			 "-device", "virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56",
			 "-append", "console=ttyS0 -serial", NULL };
	struct qemu_argv out;
	char why[256] = "";
	const char *j;

	ASSERT_EQ(0, shadow_of(argv, &out, why)) TH_LOG("%s", why);
	j = join(&out);
	EXPECT_NE(NULL, strstr(j, "-drive file.locking=auto,file=/run/sh/shadow-virtio0.qcow2,if=virtio,format=qcow2 ")) TH_LOG("%s", j);
	EXPECT_NE(NULL, strstr(j, "-drive file=/srv/vm/seed.iso,media=cdrom,readonly=on ")) TH_LOG("%s", j);
	EXPECT_NE(NULL, strstr(j, "-serial file:/run/sh/serial0.log ")) TH_LOG("%s", j);
	EXPECT_NE(NULL, strstr(j, "-chardev socket,id=qga0,path=/run/sh/qga0.sock,server=on,wait=off "))
		TH_LOG("%s", j);
	EXPECT_NE(NULL, strstr(j, "-chardev file,id=ch1,path=/run/sh/ch1.log ")) TH_LOG("%s", j);
	EXPECT_NE(NULL, strstr(j, "-netdev hubport,id=net0,hubid=1000 ")) TH_LOG("%s", j);
	EXPECT_NE(NULL, strstr(j, "-device virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56 ")) TH_LOG("%s", j);
	EXPECT_NE(NULL, strstr(j, "-append console=ttyS0 -serial -S -incoming defer "
			       "-qmp unix:/run/sh/qmp.sock,server=on,wait=off ")) TH_LOG("%s", j);
	EXPECT_EQ(NULL, strstr(j, "/srv/vm/qmp.sock"));
	EXPECT_EQ(NULL, strstr(j, "/srv/vm/qga.sock"));
	EXPECT_EQ(NULL, strstr(j, "/srv/vm/console.log"));
	EXPECT_EQ(NULL, strstr(j, "tap0"));
	EXPECT_EQ(NULL, strstr(j, "stdio"));
	EXPECT_EQ(NULL, strstr(j, "-daemonize"));
	EXPECT_EQ(NULL, strstr(j, "vm.pid"));
	cmdline_free(&out);
}

TEST(options_the_shadow_cannot_isolate_are_refused)
{
	char *nic[] = { "qemu", "-nic", "user,model=virtio", NULL };
	char *blockdev[] = { "qemu", "-blockdev", "driver=qcow2,node-name=d0", NULL };
	struct qemu_argv out;
	char why[256];

	EXPECT_EQ(-1, shadow_of(nic, &out, why));
	EXPECT_NE(NULL, strstr(why, "-nic")) TH_LOG("%s", why);
	EXPECT_EQ(-1, shadow_of(blockdev, &out, why));
	EXPECT_NE(NULL, strstr(why, "-blockdev")) TH_LOG("%s", why);
}

TEST(two_nics_get_two_separate_hubs)
{
	char *argv[] = { "qemu", "-netdev", "tap,id=a,ifname=tap1", "-netdev", "socket,id=b,connect=:1234",
			 NULL };
	struct qemu_argv out;
	char why[256];
	const char *j;

	ASSERT_EQ(0, shadow_of(argv, &out, why));
	j = join(&out);
	EXPECT_NE(NULL, strstr(j, "-netdev hubport,id=a,hubid=1000 -netdev hubport,id=b,hubid=1001 "))
		TH_LOG("%s", j);
	cmdline_free(&out);
}

/* slirp's state is migrated: the shadow keeps a user network, shut off. */
TEST(a_user_network_stays_one_restricted_without_forwards)
{
	char *argv[] = { "qemu", "-netdev",
			 "user,id=n0,net=10.1.0.0/24,hostfwd=tcp:127.0.0.1:8080-:80,restrict=off,"
			 "smb=/srv", NULL };
	char *fwd[] = { "qemu", "-netdev", "user,id=n0,guestfwd=tcp:10.0.2.100:1234-cmd:cat", NULL };
	struct qemu_argv out;
	char why[256];
	const char *j;

	ASSERT_EQ(0, shadow_of(argv, &out, why));
	j = join(&out);
	EXPECT_NE(NULL, strstr(j, "-netdev user,id=n0,restrict=on,net=10.1.0.0/24 ")) TH_LOG("%s", j);
	EXPECT_EQ(NULL, strstr(j, "hostfwd")) TH_LOG("%s", j);
	EXPECT_EQ(NULL, strstr(j, "smb")) TH_LOG("%s", j);
	EXPECT_EQ(NULL, strstr(j, "restrict=off")) TH_LOG("%s", j);
	cmdline_free(&out);
	EXPECT_EQ(-1, shadow_of(fwd, &out, why));
	EXPECT_NE(NULL, strstr(why, "guestfwd")) TH_LOG("%s", why);
}

/*
 * With the gateway, a user network's NIC is on the gateway's tap, and
 * slirp's migrated state goes to a restricted user network no NIC uses.
 */
TEST(a_user_network_on_the_gateway_is_a_tap_and_its_state_kept_apart)
{
	char *argv[] = { "qemu", "-netdev", "user,id=n0,net=10.1.0.0/16,hostfwd=tcp::8080-:80",
			 "-device", "virtio-net-pci,netdev=n0", "-netdev", "user,id=n1,host=10.0.2.9,dns=10.0.2.4",
			 "-netdev", "tap,id=t0", NULL };
	struct user_net nets[1];
	struct qemu_argv out, in = { argv, 9 };
	int taps[] = { 7, 9 };
	char why[256], a[INET_ADDRSTRLEN];
	const char *j;

	ASSERT_EQ(0, shadow_on(argv, taps, &out, why)) TH_LOG("%s", why);
	j = join(&out);
	EXPECT_NE(NULL, strstr(j, "-netdev tap,id=n0,fd=7 -netdev user,id=insight-state0,restrict=on,"
			       "net=10.1.0.0/16 -device virtio-net-pci,netdev=n0 "
			       "-netdev tap,id=n1,fd=9 -netdev user,id=insight-state1,restrict=on,"
			       "host=10.0.2.9,dns=10.0.2.4 -netdev hubport,id=t0,hubid=1000 "))
		TH_LOG("%s", j);
	EXPECT_EQ(NULL, strstr(j, "hostfwd")) TH_LOG("%s", j);
	cmdline_free(&out);

	/* their addresses, qemu's defaults where the options say none */
	ASSERT_EQ(2, cmdline_user_nets(&in, nets, 1));
	EXPECT_EQ(16, nets[0].prefix);
	EXPECT_STREQ("10.1.0.0", inet_ntop(AF_INET, &nets[0].net, a, sizeof(a)));
	EXPECT_STREQ("10.1.0.2", inet_ntop(AF_INET, &nets[0].host, a, sizeof(a)));
	EXPECT_STREQ("10.1.0.3", inet_ntop(AF_INET, &nets[0].dns, a, sizeof(a)));
	argv[2] = "user,id=n0,net=10.1.0.0/255.255.255.0,host=10.1.0.1";
	argv[6] = "user,id=n1,net=999.1.0.0/8";
	ASSERT_EQ(-1, cmdline_user_nets(&in, nets, 1));
	in.argc = 5;
	ASSERT_EQ(1, cmdline_user_nets(&in, nets, 1));
	EXPECT_EQ(24, nets[0].prefix);
	EXPECT_STREQ("10.1.0.1", inet_ntop(AF_INET, &nets[0].host, a, sizeof(a)));
}

TEST(the_guest_agent_is_the_socket_behind_its_named_port)
{
	char *agent[] = { "qemu", "-chardev", "socket,id=qga0,path=/srv/qga.sock,server=on,wait=off",
			  "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0", NULL };
	char *pty[] = { "qemu", "-chardev", "pty,id=qga0",
			"-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0", NULL };
	char *other[] = { "qemu", "-chardev", "socket,id=c0,path=/srv/c.sock,server=on,wait=off",
			  "-device", "virtserialport,chardev=c0,name=com.example.port", NULL };
	struct qemu_argv a = { agent, 5 };
	char *path = NULL, *id = cmdline_agent(&a, &path);

	ASSERT_NE(NULL, id);
	EXPECT_STREQ("qga0", id);
	EXPECT_STREQ("/srv/qga.sock", path);
	free(id);
	free(path);
	a.argv = pty;
	EXPECT_EQ(NULL, cmdline_agent(&a, NULL));
	a.argv = other;
	EXPECT_EQ(NULL, cmdline_agent(&a, NULL));
}

TEST_HARNESS_MAIN
