# SPDX-License-Identifier: LGPL-2.1-or-later
# What the benchmark scripts share (sourced).

# wait_for_quiet_machine MAX_SECONDS: others may share this machine; wait (up to MAX
# seconds) for the 1-minute load average to drop to 1.0, and record it either way in
# $loadavg and the seconds waited in $waited.
wait_for_quiet_machine()
{
	local max_wait=$1

	waited=0
	while awk '{ exit !($1 > 1.0) }' /proc/loadavg && ((waited < max_wait)); do
		((waited == 0)) &&
			echo "load average $(cut -d' ' -f1-3 /proc/loadavg) > 1.0; waiting up to ${max_wait}s"
		sleep 15
		waited=$((waited + 15))
	done
	loadavg=$(cut -d' ' -f1-3 /proc/loadavg)
	echo "load average before the run: $loadavg (waited ${waited}s)"
}
