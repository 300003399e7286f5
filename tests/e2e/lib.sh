# Shared helpers for end-to-end scripts.  Source it; $BIN is the binary,
# $TOP the source tree.  Each check prints one "ok -", "not ok -" or "skip -"
# line, which tests/run counts.
: "${TOP:=$(pwd)}" "${BIN:=$TOP/heapglass}"
FIX=$TOP/tests/fixtures
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# HEAPGLASS_WRAP="valgrind --error-exitcode=99 ..." (or any command prefix)
# runs every "$BIN" of the script under it: BIN becomes a small script in
# $TMP that execs the wrapper with the real binary.  tests/memcheck uses
# it; checks that measure time or memory skip themselves when it is set.
if [ -n "${HEAPGLASS_WRAP:-}" ]; then
	REAL_BIN=$BIN
	printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$HEAPGLASS_WRAP" "$REAL_BIN" >"$TMP/heapglass"
	chmod +x "$TMP/heapglass"
	BIN=$TMP/heapglass
fi

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
skip() { echo "skip - $*"; }

# run_cmd: runs "$@", capturing stdout in $TMP/out, stderr in $TMP/err and
# the exit status in $rc.
run_cmd() {
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}

# expect_fail NAME PATTERN CMD...: CMD must exit non-zero, print exactly one
# line on stderr matching PATTERN (grep -E), and nothing that looks like a
# sanitizer report.
expect_fail() {
	_name=$1 _pat=$2
	shift 2
	run_cmd "$@"
	_lines=$(wc -l <"$TMP/err")
	if [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && [ "$_lines" -eq 1 ] && grep -qE -- "$_pat" "$TMP/err"; then
		ok "$_name"
	else
		notok "$_name (exit $rc, $_lines stderr lines): $(head -c 600 "$TMP/err")"
	fi
}

# expect_ok NAME CMD...: CMD must exit 0.
expect_ok() {
	_name=$1
	shift
	run_cmd "$@"
	if [ "$rc" -eq 0 ]; then ok "$_name"; else notok "$_name (exit $rc): $(head -c 600 "$TMP/err")"; fi
}

# check NAME CONDITION...: runs the test command, ok when it succeeds.
check() {
	_name=$1
	shift
	if "$@"; then ok "$_name"; else notok "$_name"; fi
}

# tmux_begin TAG WHAT [SECONDS]: a private tmux server for the rest of the
# script (tm runs tmux on it), killed with $TMP at exit and kept alive
# between cases by a "keep" session; without tmux, one skip line for WHAT
# and the script ends.
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
tmux_begin() {
	if ! command -v tmux >/dev/null 2>&1; then
		skip "$2 (tmux is not installed)"
		exit 0
	fi
	SOCK=$1-$$
	trap 'tm kill-server 2>/dev/null; rm -rf "$TMP"' EXIT
	tm new-session -d -s keep -x 80 -y 24 "sleep ${3:-600}"
}
