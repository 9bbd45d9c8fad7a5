/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The little of DNS (RFC 1035) the monitor's resolver needs: the question of a query,
 * and an answer with one A record, none, or an error code.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "berth/net.h"

int dns_question(const uint8_t *q, size_t n, char name[256], uint16_t *ret_type,
		 size_t *ret_end)
{
	size_t i = 12, o = 0;

	if (n < 12 || (q[2] & 0x80) || ((q[4] << 8) | q[5]) != 1)
		return -EINVAL;  /* not a query, or not one question */
	while (i < n && q[i]) {
		size_t l = q[i];

		if (l > 63 || i + 1 + l > n || o + l + 1 > 255)
			return -EINVAL;  /* a compression pointer or too long: not in a question */
		if (o)
			name[o++] = '.';
		for (size_t k = 0; k < l; k++) {
			char c = (char)q[i + 1 + k];

			name[o++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
		}
		i += 1 + l;
	}
	if (i + 5 > n)
		return -EINVAL;
	name[o] = 0;
	*ret_type = (uint16_t)((q[i + 1] << 8) | q[i + 2]);
	*ret_end = i + 5;
	return 0;
}

int dns_reply(const uint8_t *q, size_t n, int rcode, uint32_t addr, uint8_t *out, size_t cap)
{
	char name[256];
	uint16_t type;
	size_t end, len;

	if (dns_question(q, n, name, &type, &end) < 0 || end + 16 > cap)
		return -EINVAL;
	memcpy(out, q, end);
	/* QR, the opcode and RD as asked, AA, RA; the rcode */
	out[2] = (uint8_t)(0x80 | (q[2] & 0x79) | 0x04);
	out[3] = (uint8_t)(0x80 | (rcode & 0x0f));
	/* answers: one A record when there is an address (and A was asked) */
	out[6] = out[7] = 0;
	out[8] = out[9] = out[10] = out[11] = 0;
	len = end;
	if (rcode == DNS_NOERROR && addr && (type == DNS_TYPE_A || type == DNS_TYPE_ANY)) {
		static const uint8_t rr[] = {
			0xc0, 0x0c,             /* the name: the question's */
			0x00, 0x01, 0x00, 0x01, /* A, IN */
			0x00, 0x00, 0x02, 0x58, /* TTL 600 */
			0x00, 0x04,             /* 4 bytes */
		};

		memcpy(out + len, rr, sizeof(rr));
		len += sizeof(rr);
		memcpy(out + len, &addr, 4);
		len += 4;
		out[7] = 1;
	}
	return (int)len;
}
