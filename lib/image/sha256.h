/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* SHA-256 (FIPS 180-4). Small and portable; used for blob digests, diff ids and
 * chain ids. Not constant-time: it never handles secrets. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE (SHA256_DIGEST_SIZE * 2 + 1) /* with the NUL */

struct sha256_ctx {
	uint32_t h[8];
	uint64_t length; /* bytes hashed so far */
	uint8_t buf[64];
	size_t buf_len;
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t n);
/* Finishes the hash; c must be re-initialised before reuse. */
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_SIZE]);
/* Finishes the hash and writes 64 lowercase hex digits plus a NUL. */
void sha256_final_hex(struct sha256_ctx *c, char out[SHA256_HEX_SIZE]);

/* One-shot helper: lowercase hex digest of data. */
void sha256_hex(const void *data, size_t n, char out[SHA256_HEX_SIZE]);

/* Whether blocks are hashed with the CPU's SHA instructions (x86 SHA-NI), detected once;
 * portable = true switches to the C code for the rest of the process (for tests and
 * BERTH_SHA256_PORTABLE=1), false re-detects. */
bool sha256_accelerated(bool portable);
