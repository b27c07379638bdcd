/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw generic-netlink messages for tests that must send what libnl
 * cannot build (wrong lengths, truncated headers, several messages in
 * one datagram) and read every reply as the kernel wrote it.
 * Functions return 0 (or a count) or a negative errno.
 */
#ifndef INSIGHT_TEST_NLRAW_H
#define INSIGHT_TEST_NLRAW_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

/* A message under construction in a caller's buffer (never grows). */
struct nlb {
	uint8_t *p;
	size_t len, cap;
	int overflow;		/* a put did not fit: the buffer is cut */
};

void nlb_init(struct nlb *b, void *mem, size_t cap);
/* Start a message at the end of @b: nlmsghdr, then genlmsghdr(@cmd).
 * Returns its offset, for nlb_end(). */
size_t nlb_msg(struct nlb *b, uint16_t type, uint16_t flags, uint32_t seq,
	       uint8_t cmd);
/* Set the message at @off's nlmsg_len to what follows it in @b. */
void nlb_end(struct nlb *b, size_t off);
/* Append an attribute (@len bytes of @data, padded); returns its offset. */
size_t nlb_put(struct nlb *b, uint16_t type, const void *data, size_t len);
size_t nlb_u32(struct nlb *b, uint16_t type, uint32_t v);
size_t nlb_u64(struct nlb *b, uint16_t type, uint64_t v);
/* Open a nest (NLA_F_NESTED set); close it with nlb_nest_end(). */
size_t nlb_nest(struct nlb *b, uint16_t type);
void nlb_nest_end(struct nlb *b, size_t off);
/* Append @len raw bytes (no attribute header). */
void nlb_raw(struct nlb *b, const void *data, size_t len);

/* A NETLINK_GENERIC socket, non-blocking, with extended acks. */
int nlraw_open(void);
/* The id of generic-netlink family @name (nlctrl's GETFAMILY). */
int nlraw_family(int fd, const char *name);
int nlraw_send(int fd, const void *buf, size_t len);
/*
 * One datagram into @buf, waiting up to @timeout_ms.  Returns its length,
 * -EAGAIN on timeout, -ENOBUFS when replies were dropped (overrun),
 * -EMSGSIZE when it did not fit.
 */
int nlraw_recv(int fd, void *buf, size_t cap, int timeout_ms);
/*
 * Send one request and read until its ack or error: 0 or -errno; the
 * first non-error reply's attributes (after the genl header) are copied
 * to @reply (*@rlen bytes) when @reply is not NULL.
 */
int nlraw_transact(int fd, const void *req, size_t len, void *reply,
		   size_t *rlen);

/*
 * Insight requests on a raw socket of family @fam: an attribute-less
 * command (@cmd), and a new session attached to @pid (none if 0).
 */
int nlraw_simple(int fd, int fam, uint8_t cmd);
int nlraw_session(int fd, int fam, int pid);

#endif /* INSIGHT_TEST_NLRAW_H */
