/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "sha256.h"

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh;

	for (unsigned i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (unsigned i = 16; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (unsigned i = 0; i < 64; i++) {
		uint32_t S1 = ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = hh + S1 + ch + K[i] + w[i];
		uint32_t S0 = ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22);
		uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
		uint32_t t2 = S0 + maj;

		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

#if defined(__x86_64__)
/*
 * The same compression with the x86 SHA extensions (SHA-NI: sha256rnds2 does two
 * rounds, sha256msg1/msg2 the message schedule), several times faster than the C
 * above. The state lives in two registers as ABEF and CDGH, the order rnds2 wants;
 * the message schedule is a ring of four 4-word groups.
 */
__attribute__((target("sha,sse4.1,ssse3"))) static void sha256_blocks_ni(uint32_t h[8],
									  const uint8_t *p,
									  size_t n)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i state0, state1, tmp;

	tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xB1);	   /* CDAB */
	state1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1B); /* HGFE */
	state0 = _mm_alignr_epi8(tmp, state1, 8);				   /* ABEF */
	state1 = _mm_blend_epi16(state1, tmp, 0xF0);				   /* CDGH */

	for (; n > 0; n--, p += 64) {
		__m128i abef = state0, cdgh = state1, w[4], msg;

		for (unsigned j = 0; j < 16; j++) {
			if (j < 4) {
				w[j] = _mm_shuffle_epi8(
				    _mm_loadu_si128((const __m128i *)(p + 16 * j)), bswap);
			} else {
				/* W[4j..4j+3] from the four groups before it */
				__m128i g4 = w[j % 4], g3 = w[(j + 1) % 4], g2 = w[(j + 2) % 4],
					g1 = w[(j + 3) % 4];

				w[j % 4] = _mm_sha256msg2_epu32(
				    _mm_add_epi32(_mm_sha256msg1_epu32(g4, g3),
						  _mm_alignr_epi8(g1, g2, 4)),
				    g1);
			}
			msg = _mm_add_epi32(w[j % 4], _mm_loadu_si128((const __m128i *)&K[4 * j]));
			state1 = _mm_sha256rnds2_epu32(state1, state0, msg);
			msg = _mm_shuffle_epi32(msg, 0x0E);
			state0 = _mm_sha256rnds2_epu32(state0, state1, msg);
		}
		state0 = _mm_add_epi32(state0, abef);
		state1 = _mm_add_epi32(state1, cdgh);
	}

	tmp = _mm_shuffle_epi32(state0, 0x1B);	     /* FEBA */
	state1 = _mm_shuffle_epi32(state1, 0xB1);    /* DCHG */
	state0 = _mm_blend_epi16(tmp, state1, 0xF0); /* DCBA */
	state1 = _mm_alignr_epi8(state1, tmp, 8);    /* HGFE */
	_mm_storeu_si128((__m128i *)&h[0], state0);
	_mm_storeu_si128((__m128i *)&h[4], state1);
}

/* BERTH_SHA256_PORTABLE=1 forces the C code (tests compare the two). */
static bool getenv_nosha(void)
{
	const char *e = getenv("BERTH_SHA256_PORTABLE");

	return e && *e && *e != '0';
}

static int sha_ni_cached = -1;

static bool have_sha_ni(void)
{
	int cached = sha_ni_cached;
	unsigned a, b, c, d;

	if (cached < 0) {
		/* CPUID.(EAX=7,ECX=0):EBX bit 29 = SHA; SSE4.1 is CPUID.1:ECX bit 19. */
		bool sha = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
		bool sse41 = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 19));

		cached = sha && sse41 && !getenv_nosha();
		sha_ni_cached = cached;
	}
	return cached;
}
#endif

bool sha256_accelerated(bool portable)
{
#if defined(__x86_64__)
	sha_ni_cached = -1;
	if (portable) {
		sha_ni_cached = 0;
		return false;
	}
	return have_sha_ni();
#else
	return false;
#endif
}

/* n consecutive 64-byte blocks. */
static void sha256_blocks(uint32_t h[8], const uint8_t *p, size_t n)
{
#if defined(__x86_64__)
	if (have_sha_ni()) {
		sha256_blocks_ni(h, p, n);
		return;
	}
#endif
	for (; n > 0; n--, p += 64)
		sha256_block(h, p);
}

void sha256_init(struct sha256_ctx *c)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

	memcpy(c->h, iv, sizeof(iv));
	c->length = 0;
	c->buf_len = 0;
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t n)
{
	const uint8_t *p = data;

	c->length += n;
	if (c->buf_len > 0) {
		size_t k = 64 - c->buf_len;

		if (k > n)
			k = n;
		memcpy(c->buf + c->buf_len, p, k);
		c->buf_len += k;
		p += k;
		n -= k;
		if (c->buf_len < 64)
			return;
		sha256_blocks(c->h, c->buf, 1);
		c->buf_len = 0;
	}
	if (n >= 64) {
		sha256_blocks(c->h, p, n / 64);
		p += n / 64 * 64;
		n %= 64;
	}
	if (n > 0) {
		memcpy(c->buf, p, n);
		c->buf_len = n;
	}
}

void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_SIZE])
{
	uint64_t bits = c->length * 8;

	/* Padding: 0x80, zeros up to 56 mod 64, then the 64-bit big-endian bit length. */
	c->buf[c->buf_len++] = 0x80;
	if (c->buf_len > 56) {
		memset(c->buf + c->buf_len, 0, 64 - c->buf_len);
		sha256_blocks(c->h, c->buf, 1);
		c->buf_len = 0;
	}
	memset(c->buf + c->buf_len, 0, 56 - c->buf_len);
	for (unsigned i = 0; i < 8; i++)
		c->buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_blocks(c->h, c->buf, 1);
	for (unsigned i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->h[i];
	}
	memset(c->buf, 0, sizeof(c->buf));
}

void sha256_final_hex(struct sha256_ctx *c, char out[SHA256_HEX_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_final(c, d);
	for (unsigned i = 0; i < SHA256_DIGEST_SIZE; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[SHA256_HEX_SIZE - 1] = 0;
}

void sha256_hex(const void *data, size_t n, char out[SHA256_HEX_SIZE])
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, data, n);
	sha256_final_hex(&c, out);
}
