// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/insight.h>

#include "nlraw.h"

void nlb_init(struct nlb *b, void *mem, size_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = cap;
	b->overflow = 0;
}

void nlb_raw(struct nlb *b, const void *data, size_t len)
{
	if (len > b->cap - b->len) {
		b->overflow = 1;
		len = b->cap - b->len;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

/* zero bytes up to the next 4-byte boundary */
static void nlb_pad(struct nlb *b)
{
	static const uint8_t zero[NLMSG_ALIGNTO];

	nlb_raw(b, zero, NLMSG_ALIGN(b->len) - b->len);
}

size_t nlb_msg(struct nlb *b, uint16_t type, uint16_t flags, uint32_t seq,
	       uint8_t cmd)
{
	struct nlmsghdr nh = { .nlmsg_type = type, .nlmsg_flags = flags,
			       .nlmsg_seq = seq };
	struct genlmsghdr gh = { .cmd = cmd, .version = 1 };
	size_t off;

	nlb_pad(b);
	off = b->len;
	nlb_raw(b, &nh, sizeof(nh));
	nlb_raw(b, &gh, sizeof(gh));
	nlb_end(b, off);
	return off;
}

/* The length field that starts the header at @off (u32 of @hdr_len 16, else u16). */
static void nlb_set_len(struct nlb *b, size_t off, size_t hdr_len)
{
	uint32_t len32 = b->len - off;
	uint16_t len16 = len32;

	if (off + hdr_len > b->len)
		return;
	if (hdr_len == NLMSG_HDRLEN)
		memcpy(b->p + off, &len32, sizeof(len32));
	else
		memcpy(b->p + off, &len16, sizeof(len16));
}

void nlb_end(struct nlb *b, size_t off)
{
	nlb_set_len(b, off, NLMSG_HDRLEN);
}

size_t nlb_put(struct nlb *b, uint16_t type, const void *data, size_t len)
{
	struct nlattr na = { .nla_len = NLA_HDRLEN + len, .nla_type = type };
	size_t off;

	nlb_pad(b);
	off = b->len;
	nlb_raw(b, &na, sizeof(na));
	nlb_raw(b, data, len);
	nlb_pad(b);
	return off;
}

size_t nlb_u32(struct nlb *b, uint16_t type, uint32_t v)
{
	return nlb_put(b, type, &v, sizeof(v));
}

size_t nlb_u64(struct nlb *b, uint16_t type, uint64_t v)
{
	return nlb_put(b, type, &v, sizeof(v));
}

size_t nlb_nest(struct nlb *b, uint16_t type)
{
	return nlb_put(b, type | NLA_F_NESTED, NULL, 0);
}

void nlb_nest_end(struct nlb *b, size_t off)
{
	nlb_set_len(b, off, NLA_HDRLEN);
}

int nlraw_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_GENERIC);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &(int){ 1 }, sizeof(int));
	return fd;
}

int nlraw_send(int fd, const void *buf, size_t len)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };

	if (sendto(fd, buf, len, 0, (void *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

int nlraw_recv(int fd, void *buf, size_t cap, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, cap, MSG_TRUNC);
		if (n >= 0)
			return n > (ssize_t)cap ? -EMSGSIZE : (int)n;
		if (errno != EAGAIN)
			return -errno;
		n = poll(&p, 1, timeout_ms);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (!n)
			return -EAGAIN;
	}
}

/* Copy the attributes of reply @nh (after its genl header) to @reply. */
static void copy_reply(const struct nlmsghdr *nh, void *reply, size_t *rlen)
{
	size_t hdr = NLMSG_HDRLEN + GENL_HDRLEN, n = 0;

	if (nh->nlmsg_len > hdr)
		n = nh->nlmsg_len - hdr;
	if (n > *rlen)
		n = *rlen;
	memcpy(reply, (const uint8_t *)nh + hdr, n);
	*rlen = n;
}

int nlraw_transact(int fd, const void *req, size_t len, void *reply, size_t *rlen)
{
	static __thread uint8_t buf[65536];
	const struct nlmsghdr *q = req;
	int n, err, got = 0;

	err = nlraw_send(fd, req, len);
	if (err)
		return err;
	for (;;) {
		struct nlmsghdr *nh;

		n = nlraw_recv(fd, buf, sizeof(buf), 5000);
		if (n < 0)
			return n;
		for (nh = (void *)buf; NLMSG_OK(nh, n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != q->nlmsg_seq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR || nh->nlmsg_type == NLMSG_DONE) {
				if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
					return -EBADMSG;
				memcpy(&err, NLMSG_DATA(nh), sizeof(err));
				if (reply && !got)
					*rlen = 0;
				return err;
			}
			if (reply && !got++)
				copy_reply(nh, reply, rlen);
		}
	}
}

int nlraw_family(int fd, const char *name)
{
	uint8_t req[256], rep[4096];
	size_t rlen = sizeof(rep), off, pos;
	struct nlb b;
	int err;

	nlb_init(&b, req, sizeof(req));
	off = nlb_msg(&b, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, 1,
		      CTRL_CMD_GETFAMILY);
	nlb_put(&b, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	nlb_end(&b, off);
	err = nlraw_transact(fd, req, b.len, rep, &rlen);
	if (err)
		return err;
	for (pos = 0; pos + NLA_HDRLEN <= rlen;) {
		struct nlattr *na = (void *)(rep + pos);
		uint16_t id;

		if (na->nla_len < NLA_HDRLEN || pos + na->nla_len > rlen)
			break;
		if ((na->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID) {
			memcpy(&id, (uint8_t *)na + NLA_HDRLEN, sizeof(id));
			return id;
		}
		pos += NLA_ALIGN(na->nla_len);
	}
	return -ENOENT;
}

int nlraw_simple(int fd, int fam, uint8_t cmd)
{
	uint8_t req[64];
	struct nlb b;

	nlb_init(&b, req, sizeof(req));
	nlb_msg(&b, fam, NLM_F_REQUEST | NLM_F_ACK, cmd, cmd);
	return nlraw_transact(fd, req, b.len, NULL, NULL);
}

int nlraw_session(int fd, int fam, int pid)
{
	uint8_t req[64];
	struct nlb b;
	size_t off;
	int err;

	err = nlraw_simple(fd, fam, INSIGHT_CMD_SESSION_NEW);
	if (err || !pid)
		return err;
	nlb_init(&b, req, sizeof(req));
	off = nlb_msg(&b, fam, NLM_F_REQUEST | NLM_F_ACK, 2, INSIGHT_CMD_ATTACH);
	nlb_u32(&b, INSIGHT_ATTR_PID, pid);
	nlb_end(&b, off);
	return nlraw_transact(fd, req, b.len, NULL, NULL);
}
