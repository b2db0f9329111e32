#!/bin/sh
# tests/busybox/run.sh [-v] GROUP... — busybox's own testsuite, run inside the test root that
# tests/busybox_test.py makes (keel: that tree as the ext2 root, root=/dev/vda; Linux: the same
# tree as a chroot in fresh namespaces), by busybox ash, the same binary on both.
#
# A GROUP is an applet name (testsuite/runtest APPLET: its APPLET.tests and old-style
# testsuite/APPLET/ cases) or `ash:DIR` (shell/ash_test/DIR, as run-all runs it). Each group
# runs under `timeout`, so a hang costs one group, never the run. Lines the harness reads:
#   bbtest: group NAME            before a group's results (runtest's PASS:/FAIL:/SKIPPED:/
#                                 UNTESTED: lines, ash_test's "DIR/NAME: ok|fail")
#   bbtest: end NAME status N     after it (124 or 137: killed at the time limit)
#   bbtest: done                  after the last group
# The environment is made from nothing (env -i), so both kernels' runs see the same one.
if [ -z "$BBTEST_CLEAN" ]; then
	exec env -i BBTEST_CLEAN=1 PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TERM=dumb \
		SHELL=/bin/sh USER=root LOGNAME=root /bin/sh "$0" "$@"
fi
limit=${BBTEST_LIMIT:-120}
verbose=
[ "$1" = -v ] && { verbose=-v; shift; }
cd /bb/testsuite || { echo "bbtest: no /bb/testsuite"; exit 1; }
umask 022
echo "bbtest: start $(uname -sr) $#"
for g in "$@"; do
	echo "bbtest: group $g"
	case $g in
	ash:*)	(cd /bb/ash_test && timeout -s KILL "$limit" ./run-all "${g#ash:}") </dev/null 2>&1 ;;
	*)	timeout -s KILL "$limit" ./runtest $verbose "$g" </dev/null 2>&1 ;;
	esac
	echo "bbtest: end $g status $?"
done
echo "bbtest: done"
