#!/bin/sh
# The terminal under stress (issue 9): a 1x1 screen, a resize in the
# middle of a load, and every way out of the viewer (q, q during the load,
# Ctrl-C, SIGTERM, a load error) leaving the terminal exactly as it was:
# the same `stty -g` settings before and after, the alternate screen off
# and the cursor visible.  Headless cases first, then tmux on a private
# socket.
. "$(dirname "$0")/lib.sh"

TUI=$FIX/tui
cd "$TUI" || exit 1
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset NO_COLOR

# ---- headless 1x1 ----
for keys in '' 't' 'tj<Enter>' '3<Enter>' '3<Enter><Enter>' '3R' 'd' 'y' '<Enter>' '?' '/sess<Enter>' 'u' 'e' '3<Enter><Enter>a' '3<Enter><Enter>a<Tick><Tick>]]g'; do
	printf '%s' "$keys" >"$TMP/keys"
	run_cmd "$BIN" small --keys "$TMP/keys" --size 1x1 --dump-screen "$TMP/dump"
	check "headless 1x1: keys '$keys' run (exit $rc) and dump one cell" \
		sh -c "[ $rc -eq 0 ] && [ \$(wc -l <'$TMP/dump') -le 1 ]"
done
# a resize to 1x1 and back gives the very screen it left; keys other
# than q wait while the screen is too small
printf 'jjj<Resize 1x1>jj<Resize 2x2><Resize 80x24>' >"$TMP/keys"
run_cmd "$BIN" small --keys "$TMP/keys" --dump-screen "$TMP/dump"
printf 'jjj' >"$TMP/keys"
"$BIN" small --keys "$TMP/keys" --dump-screen "$TMP/want" 2>/dev/null
check "headless: 1x1 and back to 80x24 draws the same screen, cursor kept" cmp -s "$TMP/dump" "$TMP/want"
printf '<Resize 1x1>qjjj' >"$TMP/keys"
run_cmd "$BIN" small --keys "$TMP/keys" --dump-screen "$TMP/dump"
check "headless: q quits at 1x1 (exit $rc)" [ "$rc" -eq 0 ]

# ---- tmux ----
tmux_begin hgterm "terminal tests in tmux" 900

# A snapshot that takes a few seconds to load and analyse: 1.5 million
# objects, 3 million references (75 MB of CSV, written here, not kept).
BIG=$TMP/big
mkdir -p "$BIG"
awk -v n=1500000 -v dir="$BIG" 'BEGIN {
	srand(7); nf = dir "/nodes.csv"; ef = dir "/edges.csv"
	print "id,type,size,name,root" > nf; print "from,to" > ef
	for (i = 1; i <= n; i++) {
		printf "%d,T%d,%d,n%d,%s\n", i, i % 50, 16 + i % 64, i, (i == 1 ? "global" : "") > nf
		printf "%d,%d\n%d,%d\n", i, (i % n) + 1, i, int(rand() * n) + 1 > ef
	}
}'

# run NAME FILE: starts the viewer on FILE at 80x24 under a shell that
# records `stty -g` before and after and the exit status in $TMP/NAME.*;
# the shell survives Ctrl-C and SIGHUP (its traps are not SIG_IGN, so the
# viewer still gets the defaults), then becomes a sleep that keeps the
# pane for the checks of what it shows.  That sleep leads the pane's
# session with SIGHUP at its default, so the pane's end (kill-session,
# the server's end) ends it: a sleep under a shell that ignored SIGHUP
# outlived the tmux server, 8 processes per run.  $S names the session.
run() {
	[ -n "${S:-}" ] && tm kill-session -t "$S" 2>/dev/null
	S=$1
	tm new-session -d -s "$S" -c "$TUI" -x 80 -y 24 \
		"sh -c 'trap \"echo HUP\" HUP; trap \"echo INT\" INT; trap \"echo QUIT\" QUIT; stty -g >$TMP/$1.before; env TERM=xterm-256color \"$BIN\" \"$2\"; echo \$? >$TMP/$1.rc; stty -g >$TMP/$1.after; exec sleep 600'"
	tm set-option -t "$S" status off >/dev/null 2>&1
	tm display -p -t "$S" '#{pane_pid}' >>"$TMP/pane-pids"
}

# wait_for TEXT [TENTHS]: until the pane shows TEXT (default 30 s)
wait_for() {
	_i=0
	while [ $_i -lt "${2:-300}" ]; do
		tm capture-pane -p -t "$S" 2>/dev/null | grep -q -- "$1" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# wait_exit NAME: until the viewer has exited (120 s at most: ASan)
wait_exit() {
	_i=0
	while [ ! -s "$TMP/$1.after" ] && [ $_i -lt 1200 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# restored NAME WHAT RC: the viewer exited with RC (a pattern) and left
# the terminal as it found it
restored() {
	wait_exit "$1"
	_rc=$(cat "$TMP/$1.rc" 2>/dev/null)
	_st=$(tm display -p -t "$S" 'alternate=#{alternate_on} cursor=#{cursor_flag}')
	case $_rc in
	$3) ok "$2: exit $_rc" ;;
	*) notok "$2: exit '$_rc' (want $3): $(tm capture-pane -p -t "$S" | grep -v '^$' | head -5)" ;;
	esac
	check "$2: stty settings restored" cmp -s "$TMP/$1.before" "$TMP/$1.after"
	check "$2: alternate screen off, cursor visible ($_st)" [ "$_st" = "alternate=0 cursor=1" ]
}

# the viewer at 1x1, then back: the same overview as the golden screen
run r1 small
if wait_for 'Overview of' 100; then
	tm resize-window -t "$S" -x 1 -y 1
	sleep 0.3
	tm resize-window -t "$S" -x 3 -y 2
	sleep 0.3
	tm resize-window -t "$S" -x 80 -y 24
	_i=0
	while [ $_i -lt 50 ]; do
		tm capture-pane -p -t "$S" | sed 's/ *$//' >"$TMP/cap"
		sed 's/ *$//' "$TUI/overview.txt" | cmp -s - "$TMP/cap" && break
		sleep 0.1
		_i=$((_i + 1))
	done
	check "tmux: resized to 1x1 and back, the overview is drawn again exactly" \
		sh -c "sed 's/ *\$//' '$TUI/overview.txt' | cmp -s - '$TMP/cap'"
	tm send-keys -t "$S" q
	restored r1 "tmux: q after a 1x1 resize" 0
else
	notok "tmux: the viewer did not start: $(tm capture-pane -p -t "$S" | head -5)"
fi

# resized (to 1x1 too) while the load's progress is on screen
run r2 "$BIG"
if wait_for 'Loading'; then
	for size in 1x1 30x8 1x1 100x30 80x24; do
		tm resize-window -t "$S" -x "${size%x*}" -y "${size#*x}"
		sleep 0.15
	done
	check "tmux: resized during the load, the viewer opens the snapshot" wait_for 'Overview of' 1200
	tm send-keys -t "$S" q
	restored r2 "tmux: q after resizes during the load" 0
else
	notok "tmux: no load progress shown: $(tm capture-pane -p -t "$S" | head -5)"
fi

# q during the load aborts it: one line, exit 1
run r3 "$BIG"
if wait_for 'Loading'; then
	tm send-keys -t "$S" q
	restored r3 "tmux: q during the load" 1
	check "tmux: ... says the load was aborted" wait_for 'loading aborted' 20
else
	notok "tmux: no load progress shown"
fi

# Ctrl-C and SIGTERM during the load, and Ctrl-C in the viewer
run r4 "$BIG"
if wait_for 'Loading'; then
	tm send-keys -t "$S" C-c
	restored r4 "tmux: Ctrl-C during the load" '[1-9]*'
fi
run r5 "$BIG"
if wait_for 'Loading'; then
	pid=$(pgrep -P "$(tm display -p -t "$S" '#{pane_pid}')" | head -1)
	kill -TERM "$pid" 2>/dev/null
	restored r5 "tmux: SIGTERM during the load" '[1-9]*'
fi
# SIGHUP (the terminal window closed, ssh dropped) during the load and in
# the viewer: the terminal is restored as for SIGTERM
run r5h "$BIG"
if wait_for 'Loading'; then
	pid=$(pgrep -P "$(tm display -p -t "$S" '#{pane_pid}')" | head -1)
	kill -HUP "$pid" 2>/dev/null
	restored r5h "tmux: SIGHUP during the load" '[1-9]*'
fi
run r5v small
if wait_for 'Overview of' 100; then
	tm send-keys -t "$S" t
	pid=$(pgrep -P "$(tm display -p -t "$S" '#{pane_pid}')" | head -1)
	kill -HUP "$pid" 2>/dev/null
	restored r5v "tmux: SIGHUP in the types view" '[1-9]*'
fi
run r6 small
if wait_for 'Overview of' 100; then
	tm send-keys -t "$S" t C-c
	restored r6 "tmux: Ctrl-C in the types view" '[1-9]*'
fi

run r6q small
if wait_for 'Overview of' 100; then
	tm send-keys -t "$S" t 'C-\'
	restored r6q "tmux: Ctrl-\\ (SIGQUIT) in the types view" '[1-9]*'
fi

# a load that fails after the screen is up: the message, then the shell
printf 'id,type,size\n1,T,8\n1,T,8\n' >"$TMP/dup.csv"
printf 'from,to\n' >"$TMP/dup-edges.csv"
mkdir -p "$TMP/dup" && mv "$TMP/dup.csv" "$TMP/dup/nodes.csv" && mv "$TMP/dup-edges.csv" "$TMP/dup/edges.csv"
run r7 "$TMP/dup"
restored r7 "tmux: a load error" 1
check "tmux: ... prints one line naming the file and the line" wait_for 'nodes.csv:3' 20

# nothing is left behind: the tmux server's end (SIGHUP to every pane)
# ends the process of every pane the cases started
tm kill-server 2>/dev/null
alive() {
	_n=0
	for _p in $(cat "$TMP/pane-pids"); do
		kill -0 "$_p" 2>/dev/null && _n=$((_n + 1))
	done
	echo $_n
}
_i=0
while [ "$(alive)" -gt 0 ] && [ $_i -lt 50 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
left=$(alive)
check "no process of the $(wc -l <"$TMP/pane-pids") cases is left running ($left left)" [ "$left" -eq 0 ]
