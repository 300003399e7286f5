#!/bin/sh
# The viewer in a real terminal: tmux on a private socket drives
# `heapglass FILE` with key scripts and compares capture-pane output with
# golden screens (tests/fixtures/tui/*.txt, checked by eye).  The same key
# scripts also run headless (--keys/--dump-screen) against the same golden
# screens, so both paths stay identical.
#
# Key scripts use the --keys syntax: characters, and <Enter> <Esc> <BS>
# <Up> <Down> <Left> <Right> <PgUp> <PgDn> <Home> <End> <Resize COLSxROWS>.
# UPDATE_GOLDEN=1 rewrites the golden files from the tmux captures.
. "$(dirname "$0")/lib.sh"

TUI=$FIX/tui
# relative paths, so the screens do not depend on where the tree is
cd "$TUI" || exit 1
SMALL=small
HOSTILE=hostile
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset NO_COLOR

# ---- headless ----

# headless NAME FILE KEYS [OPTIONS...]: runs the key script headless at
# 80x24 and compares the dump with $TUI/NAME.txt.
headless() {
	_n=$1 _f=$2 _k=$3
	shift 3
	printf '%s' "$_k" >"$TMP/keys"
	if ! "$BIN" "$_f" --keys "$TMP/keys" --dump-screen "$TMP/dump" "$@" 2>"$TMP/err"; then
		notok "headless $_n: exit $? $(head -c 300 "$TMP/err")"
		return
	fi
	if [ "${UPDATE_GOLDEN:-0}" = 1 ] && [ ! -f "$TUI/$_n.txt" ]; then
		cp "$TMP/dump" "$TUI/$_n.txt"
	fi
	if diff -u "$TUI/$_n.txt" "$TMP/dump" >"$TMP/diff"; then
		ok "headless $_n"
	else
		notok "headless $_n: screen differs: $(head -c 1500 "$TMP/diff")"
	fi
}

headless overview "$SMALL" ''
headless types "$SMALL" 't'
headless types-sorted "$SMALL" 'tss'
headless types-enter "$SMALL" 'tj<Enter>'
headless cycles "$SMALL" '3'
headless cycle-ring "$SMALL" '3<Enter><Enter>'
headless cycle-garbage "$SMALL" '3j<Enter><Enter>'
headless cycles-pattern "$SMALL" '3<Enter>'
headless cycles-raw "$SMALL" '3R'
headless domtree "$SMALL" 'dj<Enter>'
# ten or more children of one type are one row (12 Session under a dict,
# 3 Config apart), ranked by what they retain together; it expands into
# its members, largest first; entering the view on a member opens its group
headless domtree-group groups 'd<Enter>j<Enter>'
headless domtree-group-reveal groups 't/#15<Enter>d'
headless domtree-group-fold groups 't/#15<Enter>dhh'
headless gens "$SMALL" 'y'
headless gens-cross "$SMALL" 'ygx'
headless inspector "$SMALL" '<Enter>'
headless inspector-follow "$SMALL" '<Enter>jj<Enter>'
headless history "$SMALL" '<Enter>jj<Enter><BS><BS>]'
# the inspector as a workbench: headings take no cursor (k from the first
# reference stays on it: 2/N), Tab jumps to the retainers (sorted: the
# program's references first, nearest a root first), Right expands a
# retainer into its own retainers, indented, Left folds it again
headless inspector-heading "$SMALL" '<Enter>kk'
headless inspector-tab "$SMALL" '<Enter><Tab>'
headless inspector-retainers-tree "$SMALL" '<Enter><Tab>j<Right>'
# wide: an indented retainer's object moves right with it, its reference
# keeps the name column's whole width
headless inspector-retainers-tree-wide "$SMALL" '<Enter><Tab>j<Right>' --size 120x24
headless inspector-retainers-fold "$SMALL" '<Enter><Tab>j<Right>j<Left><Left>'
# retainers in order (the program's references nearest a root first, weak
# ones last; the CSV lists them weak, registry, far, near), and a tree
headless inspector-retainers-sorted retainers '/target<Enter><Enter>j<Right>'
headless search "$SMALL" '/sess<Enter>n'
headless garbage "$SMALL" 'u'
headless search-nomatch "$SMALL" '/zzz'
headless help "$SMALL" '?'
headless export-prompt "$SMALL" '3<Enter><Enter>e'

# e exports what is on screen through graph/export.h: the open cycle
printf '3j<Enter>e<C-u>%s<Enter>' "$TMP/cycle.dot" >"$TMP/keys"
"$BIN" "$SMALL" --keys "$TMP/keys" --dump-screen "$TMP/dump" 2>"$TMP/err"
check "e writes the open cycle as DOT" grep -q 'digraph' "$TMP/cycle.dot"
check "... with exactly the cycle's three members" \
	test "$(grep -o 'hg_id=[0-9"]*' "$TMP/cycle.dot" | tr -d '"' | sort | tr '\n' ' ')" = "hg_id=10 hg_id=11 hg_id=9 "
check "... and says so in the footer" grep -q "exported to $TMP/cycle.dot" "$TMP/dump"
printf '<Enter>e<C-u>%s<Enter>' "$TMP/x.jpeg" >"$TMP/keys"
"$BIN" "$SMALL" --keys "$TMP/keys" --dump-screen "$TMP/dump" 2>"$TMP/err"
check "an unknown export extension is one message in the footer" grep -q 'x.jpeg: unknown output extension' "$TMP/dump"
headless resize "$SMALL" '<Resize 100x30>'
headless small-terminal "$SMALL" '<Resize 60x20>'
headless hostile "$HOSTILE" ''
headless hostile-inspector "$HOSTILE" '<Enter>'
headless hostile-types "$HOSTILE" 't'
headless hostile-ascii "$HOSTILE" '' --ascii

# identity: re-sorting keeps the cursor on the same type (Enter then
# opens that type whatever the order)
for keys in 'tjj' 'tjjs' 'tjjss' 'tjjsss' 'tjjr'; do
	printf '%s<Enter>' "$keys" >"$TMP/keys"
	"$BIN" "$SMALL" --keys "$TMP/keys" --dump-screen "$TMP/d-$keys" 2>/dev/null
	check "sorting keeps the cursor on its type ($keys)" \
		test "$(sed -n 2p "$TMP/d-$keys")" = "$(sed -n 2p "$TMP/d-tjj")"
done
check "... which is the third type by retained size" grep -q 'Objects of type Session' "$TMP/d-tjj"

# a search for an id that is not in the list opens that object
printf 't/#14<Enter>' >"$TMP/keys"
"$BIN" "$SMALL" --keys "$TMP/keys" --dump-screen "$TMP/dump" 2>/dev/null
check "/#14 in the types list opens object 14" grep -q '^ Object #14 ' "$TMP/dump"
printf '/#14<Enter>' >"$TMP/keys"
"$BIN" "$SMALL" --keys "$TMP/keys" --dump-screen "$TMP/dump" 2>/dev/null
check "/#14 in a list that shows it only moves the cursor there" \
	sh -c "grep -q '^ Overview of small' '$TMP/dump' && grep -q ' 13/16\$' '$TMP/dump'"
printf 't/0xe<Enter>' >"$TMP/keys"
"$BIN" "$SMALL" --keys "$TMP/keys" --dump-screen "$TMP/dump" 2>/dev/null
check "/0xe (hex) opens object 14 too" grep -q '^ Object #14 ' "$TMP/dump"
printf '/#99<Enter>' >"$TMP/keys"
"$BIN" "$SMALL" --keys "$TMP/keys" --dump-screen "$TMP/dump" 2>/dev/null
check "an unknown id says no match" grep -q "no match for '#99'" "$TMP/dump"

# mouse (optional in the issue, tested headless): a click selects the row
# under it, a double click follows it, the wheel moves by three
pos() { printf '%s' "$1" >"$TMP/keys"; "$BIN" "$SMALL" --keys "$TMP/keys" --dump-screen - 2>/dev/null | sed -n 2p | awk '{print $NF}'; }
check "a click on the third list row selects it" test "$(pos '<Click 5,15>')" = "3/16"
check "a click outside the list does nothing" test "$(pos '<Click 5,3>')" = "1/16"
check "the wheel moves three rows a notch" test "$(pos '<WheelDown><WheelDown><WheelUp>')" = "4/16"
printf '<DClick 5,15>' >"$TMP/keys"
"$BIN" "$SMALL" --keys "$TMP/keys" --dump-screen "$TMP/dump" 2>/dev/null
check "a double click opens the object" grep -q '^ Object #4 ' "$TMP/dump"

# bad key scripts and options: one clear line, non-zero exit
printf 'a<Nope>' >"$TMP/badkeys"
expect_fail "unknown key in a script names the line" 'badkeys:1: unknown key <Nope>' \
	"$BIN" "$SMALL" --keys "$TMP/badkeys"
printf 'q' >"$TMP/keys"
expect_fail "a missing snapshot is one line" 'No such file' \
	"$BIN" "$TMP/missing.csv" --keys "$TMP/keys"
expect_fail "the viewer refuses a non-terminal without --keys" 'needs a terminal' \
	"$BIN" "$SMALL"
expect_fail "--dump-screen without --keys" 'need --keys' "$BIN" "$SMALL" --dump-screen x
expect_fail "bad --size" 'COLSxROWS' "$BIN" "$SMALL" --keys "$TMP/keys" --size 80

# ---- tmux ----

# a session outlives the cases, so the server never exits between them
tmux_begin hgtest "tmux tests"

# start FILE [ENV...]: a fresh session running the viewer at 80x24; $S
# names it.
SN=0
start() {
	_f=$1
	shift
	[ -n "${S:-}" ] && tm kill-session -t "$S" 2>/dev/null
	SN=$((SN + 1))
	S=case$SN
	tm new-session -d -s "$S" -c "$TUI" -x 80 -y 24 "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $* '$BIN' '$_f'; sleep 30"
	tm set-option -t "$S" status off >/dev/null 2>&1
	_i=0
	while [ $_i -lt 100 ]; do
		tm capture-pane -p -t "$S" 2>/dev/null | grep -q 'Overview of' && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# send KEYS: the --keys syntax, as tmux keys.
send() {
	printf '%s' "$1" | awk '
	BEGIN { split("Enter=Enter Esc=Escape BS=BSpace Up=Up Down=Down Left=Left Right=Right PgUp=PPage PgDn=NPage Home=Home End=End lt=<", m, " ");
		for (i in m) { split(m[i], kv, "="); name[kv[1]] = kv[2] } }
	{ s = s $0 "\n" }
	END {
		n = length(s)
		for (i = 1; i <= n; i++) {
			c = substr(s, i, 1)
			if (c == "\n") continue
			if (c == "<") {
				j = index(substr(s, i), ">")
				tok = substr(s, i + 1, j - 2)
				i += j - 1
				if (tok ~ /^Resize /) { split(substr(tok, 8), wh, "x"); print "R " wh[1] " " wh[2] }
				else print "K " name[tok]
			} else print "L " c
		}
	}' >"$TMP/send"
	while read -r kind a b; do
		case $kind in
		K) tm send-keys -t "$S" "$a" ;;
		L) tm send-keys -t "$S" -l "$a" ;;
		R) tm resize-window -t "$S" -x "$a" -y "$b" ;;
		esac
	done <"$TMP/send"
}

# screen NAME: waits up to 5 s for the pane to equal $TUI/NAME.txt.
screen() {
	_i=0
	while [ $_i -lt 100 ]; do
		tm capture-pane -p -t "$S" | sed 's/ *$//' >"$TMP/cap"
		sed 's/ *$//' "$TUI/$1.txt" >"$TMP/want"
		cmp -s "$TMP/cap" "$TMP/want" && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# tmux_case NAME FILE KEYS: fresh viewer, keys, compare.
tmux_case() {
	if ! start "$2"; then
		notok "tmux $1: the viewer did not start: $(tm capture-pane -p 2>/dev/null | head -5)"
		return
	fi
	send "$3"
	if screen "$1"; then
		ok "tmux $1"
	else
		diff -u "$TMP/want" "$TMP/cap" >"$TMP/diff"
		notok "tmux $1: screen differs: $(head -c 1500 "$TMP/diff")"
	fi
}

tmux_case overview "$SMALL" ''
tmux_case types "$SMALL" 't'
tmux_case types-sorted "$SMALL" 'tss'
tmux_case types-enter "$SMALL" 'tj<Enter>'
tmux_case cycles "$SMALL" '3'
tmux_case cycle-ring "$SMALL" '3<Enter><Enter>'
tmux_case domtree "$SMALL" 'dj<Enter>'
tmux_case gens "$SMALL" 'y'
tmux_case inspector "$SMALL" '<Enter>'
tmux_case history "$SMALL" '<Enter>jj<Enter><BS><BS>]'
tmux_case search "$SMALL" '/sess<Enter>n'
tmux_case help "$SMALL" '?'
tmux_case resize "$SMALL" '<Resize 100x30>'
tmux_case small-terminal "$SMALL" '<Resize 60x20>'
tmux_case hostile "$HOSTILE" ''
tmux_case hostile-inspector "$HOSTILE" '<Enter>'

# a hostile name cannot set the window title or reach the terminal raw
start "$HOSTILE" && send '<Enter>t'
sleep 0.3
title=$(tm display -p -t "$S" '#{pane_title}')
check "a hostile name does not set the pane title (got '$title')" sh -c "! printf '%s' '$title' | grep -q pwned"
tm capture-pane -p -e -t "$S" >"$TMP/esc"
check "no raw OSC/ESC from a name in the pane" sh -c "! grep -q 'pwned-title.Evil' '$TMP/esc' || grep -q 'x07Evil' '$TMP/esc'"

# colour roles: colour by default, none with NO_COLOR
start "$SMALL"
tm capture-pane -p -e -t "$S" >"$TMP/color"
check "colour by default" grep -q "$(printf '\033')\[[0-9;]*3[0-7]m" "$TMP/color"
start "$SMALL" NO_COLOR=1
tm capture-pane -p -e -t "$S" >"$TMP/mono"
check "NO_COLOR: monochrome (no colour in the pane)" sh -c "! grep -qE '$(printf '\033')\[([0-9]+;)*(3[0-7]|4[0-7]|38;5)' '$TMP/mono'"
check "NO_COLOR: the cursor row is still marked (reverse)" grep -q "$(printf '\033')\[[0-9;]*7m" "$TMP/mono"

# a terminal without colours and a non-UTF-8 locale: monochrome, ASCII
tm kill-session -t "$S" 2>/dev/null
S=vt100
tm new-session -d -s "$S" -c "$TUI" -x 80 -y 24 "env TERM=vt100 LANG=C LC_ALL=C '$BIN' '$HOSTILE'; sleep 30"
sleep 1
tm capture-pane -p -t "$S" >"$TMP/vt100"
check "TERM=vt100 LANG=C: the viewer runs" grep -q 'Overview of hostile' "$TMP/vt100"
check "... and shows non-ASCII names as \\u{...}" grep -q 'u{540D}' "$TMP/vt100"
check "... and nothing but ASCII reaches the pane" sh -c "! LC_ALL=C grep -q '[^ -~]' '$TMP/vt100'"
# a terminal that cannot address the cursor is refused with one line
tm kill-session -t "$S" 2>/dev/null
S=dumb
tm new-session -d -s "$S" -c "$TUI" -x 80 -y 24 "env TERM=dumb LANG=C.UTF-8 '$BIN' '$SMALL'; echo EXIT=\$?; sleep 30"
sleep 1
tm capture-pane -p -J -t "$S" >"$TMP/dumb"
check "TERM=dumb is refused with a clear line and exit 1" \
	sh -c "grep -q 'cannot move the cursor' '$TMP/dumb' && grep -q 'EXIT=1' '$TMP/dumb'"

# q quits
start "$SMALL"
send 'q'
sleep 0.3
tm capture-pane -p -t "$S" >"$TMP/after"
check "q quits the viewer" sh -c "! grep -q 'Overview of' '$TMP/after'"
