// SPDX-License-Identifier: GPL-2.0
/* The gateway's network namespace, set up with libnl-route (netns.h). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "netns.h"

static int tap_open(int i, int *ifindex)
{
	struct ifreq ifr = { 0 };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, "shadow", 6);
	ifr.ifr_name[6] = '0' + i;	/* i < NETNS_MAX_NETS */
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		err = -errno;
		close(fd);
		return err;
	}
	*ifindex = if_nametoindex(ifr.ifr_name);
	return fd;
}

/* Link @ifindex up, with MAC @mac unless NULL: 0 or a libnl error. */
static int link_up(struct nl_sock *sk, int ifindex, const unsigned char *mac)
{
	struct rtnl_link *old, *chg = rtnl_link_alloc();
	struct nl_addr *a = NULL;
	int err = chg ? rtnl_link_get_kernel(sk, ifindex, NULL, &old) : -NLE_NOMEM;

	if (err) {
		rtnl_link_put(chg);
		return err;
	}
	rtnl_link_set_flags(chg, IFF_UP);
	if (mac) {
		a = nl_addr_build(AF_LLC, mac, 6);
		rtnl_link_set_addr(chg, a);
	}
	err = rtnl_link_change(sk, old, chg, 0);
	nl_addr_put(a);
	rtnl_link_put(chg);
	rtnl_link_put(old);
	return err;
}

static int addr_add(struct nl_sock *sk, int ifindex, struct in_addr in, int prefix)
{
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(AF_INET, &in, sizeof(in));
	int err = -NLE_NOMEM;

	if (ra && local) {
		nl_addr_set_prefixlen(local, prefix);
		rtnl_addr_set_ifindex(ra, ifindex);
		err = rtnl_addr_set_local(ra, local) ?: rtnl_addr_add(sk, ra, 0);
	}
	nl_addr_put(local);
	rtnl_addr_put(ra);
	return err;
}

/* A route in the local table: @type RTN_LOCAL (delivered here) or RTN_UNICAST. */
static int route_add(struct nl_sock *sk, struct in_addr dst, int prefix, int type, int ifindex)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *d = nl_addr_build(AF_INET, &dst, sizeof(dst));
	int err = -NLE_NOMEM;

	if (r && nh && d) {
		nl_addr_set_prefixlen(d, prefix);
		rtnl_route_set_family(r, AF_INET);
		rtnl_route_set_table(r, RT_TABLE_LOCAL);
		rtnl_route_set_type(r, type);
		rtnl_route_set_scope(r, type == RTN_LOCAL ? RT_SCOPE_HOST : RT_SCOPE_LINK);
		err = rtnl_route_set_dst(r, d);
		rtnl_route_nh_set_ifindex(nh, ifindex);
		rtnl_route_add_nexthop(r, nh);
		nh = NULL;	/* the route's now */
		if (!err)
			err = rtnl_route_add(sk, r, NLM_F_CREATE);
	}
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(d);
	rtnl_route_put(r);
	return err;
}

/* One network: its tap up with the host's MAC and address, its routes. */
static int net_up(struct nl_sock *sk, const struct user_net *u, int ifindex, int lo)
{
	/* qemu's user network answers ARP with 52:55 and the address asked */
	unsigned char mac[6] = { 0x52, 0x55 };
	struct in_addr any = { 0 };

	memcpy(mac + 2, &u->host, 4);
	return link_up(sk, ifindex, mac) ?: addr_add(sk, ifindex, u->host, u->prefix) ?:
	       route_add(sk, u->net, u->prefix, RTN_UNICAST, ifindex) ?:
	       route_add(sk, u->dns, 32, RTN_LOCAL, lo) ?:
	       route_add(sk, any, 0, RTN_LOCAL, lo);
}

int netns_enter(const struct user_net *nets, int n, const struct in_addr *peers, int npeers,
		int *taps, int *ifindex, char *why, size_t whylen)
{
	struct nl_sock *sk;
	int i, err, lo;

	if (unshare(CLONE_NEWNET)) {
		snprintf(why, whylen, "cannot create the gateway's network namespace: %s",
			 strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		taps[i] = tap_open(i, &ifindex[i]);
		if (taps[i] < 0) {
			snprintf(why, whylen, "cannot create a tap: %s", strerror(-taps[i]));
			while (i--)
				close(taps[i]);
			return -1;
		}
	}
	sk = nl_socket_alloc();
	err = sk ? nl_connect(sk, NETLINK_ROUTE) : -NLE_NOMEM;
	lo = if_nametoindex("lo");
	if (!err)
		err = link_up(sk, lo, NULL);
	/* the catch-all local route is added once: EEXIST after the first */
	for (i = 0; !err && i < n; i++) {
		err = net_up(sk, &nets[i], ifindex[i], lo);
		if (err == -NLE_EXIST && i)
			err = 0;
	}
	/* a peer inside a network is local too (outside, it is already) */
	for (i = 0; !err && i < npeers; i++) {
		err = route_add(sk, peers[i], 32, RTN_LOCAL, lo);
		if (err == -NLE_EXIST)
			err = 0;
	}
	nl_socket_free(sk);
	if (err) {
		snprintf(why, whylen, "cannot set up the gateway's network: %s", nl_geterror(err));
		for (i = 0; i < n; i++)
			close(taps[i]);
		return -1;
	}
	return 0;
}
