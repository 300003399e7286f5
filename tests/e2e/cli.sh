#!/bin/sh
# The command line: options declared in each command's table entry and
# parsed by one parser (tui/cmd/cli.c).  Every command's --help lists its
# options, each of which has a man page entry; the --format line lists the
# formats `heapglass --help` lists (loader_table); an option may be cut to
# a unique prefix or given its value after '='; a missing value is named.
. "$(dirname "$0")/lib.sh"

MAN=$TMP/man.txt
sed 's/\\-/-/g' "$TOP/assets/heapglass.1" >"$MAN"
cmds=$("$BIN" --help | awk '/^commands:/ { f = 1; next } /^$/ { f = 0 } f { print $1 }')
check "heapglass --help lists the eleven commands" test "$(echo "$cmds" | wc -l)" -eq 11
formats=$("$BIN" --help | awk '/^formats/ { f = 1; next } /^$/ { f = 0 } f { print $1 }')
for c in $cmds viewer; do
	if [ "$c" = viewer ]; then
		run_cmd "$BIN" "$FIX/tui/small" --help
	else
		run_cmd "$BIN" "$c" --help
	fi
	check "$c --help exits 0 with its usage" sh -c "[ $rc -eq 0 ] && grep -q '^usage: heapglass ' '$TMP/out'"
	missing=""
	for o in $(grep -oE '^  (-[a-z], )?--[a-z-]+' "$TMP/out" | sed 's/.*--//'); do
		grep -qF -- "--$o" "$MAN" || missing="$missing --$o"
	done
	check "$c: every option in --help has a man page entry${missing:+ (missing:$missing)}" test -z "$missing"
	if grep -q -- '--format NAME' "$TMP/out"; then
		line=$(grep -- '--format NAME' "$TMP/out")
		nf=""
		for f in $formats; do echo "$line" | grep -qw "$f" || nf="$nf $f"; done
		check "$c --format's help names every format${nf:+ (not:$nf)}" test -z "$nf"
	fi
done

S=$FIX/csv/basic
"$BIN" types "$S" --top 1 >"$TMP/want" 2>&1
run_cmd "$BIN" types "$S" --to 1
check "an option cut to a unique prefix (--to)" cmp -s "$TMP/want" "$TMP/out"
run_cmd "$BIN" types --top=1 "$S"
check "a value after '=' (--top=1), options before FILE" cmp -s "$TMP/want" "$TMP/out"
expect_fail "a missing value is named" "option '--top' needs a value" "$BIN" types "$S" --top
check "... with the usage status 2" test "$rc" -eq 2
expect_fail "a flag given a value is an unknown option" "unknown option '--json=1'" "$BIN" info "$S" --json=1
expect_fail "a bad value's message comes from the declaration" "--sort takes count, shallow or retained" \
	"$BIN" types "$S" --sort nope
expect_fail "two options that exclude each other" "--all and --generation exclude each other" \
	"$BIN" unreachable "$S" --generation 1 --all
expect_fail "the viewer's options are declared too" "--size wants COLSxROWS" "$BIN" "$S" --keys /dev/null --size 0x0

# lesson --timing: the animation's keys, one line each (the same loop as the viewer's)
printf ']]<Right>q' >"$TMP/keys"
run_cmd "$BIN" lesson refcount --keys "$TMP/keys" --timing "$TMP/timing" --dump-screen "$TMP/screen"
check "lesson --timing: one line per key" test "$(cut -f1 "$TMP/timing" | paste -sd' ' -)" = "] ] <Right>"
expect_fail "lesson --timing needs --keys" "--timing needs --keys" "$BIN" lesson refcount --timing "$TMP/t"
