/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The image verbs' side the container verbs call (images.c). */

#include "berth/engine.h"
#include "berth/image.h"

/* After a container using image id was removed: delete the image when `rmi -f` kept it
 * only for its containers and none is left. */
void image_release_held(struct berth_engine *e, const char *id);
