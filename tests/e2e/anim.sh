#!/bin/sh
# The GC animation view (tui/anim/anim.c), headless and in tmux.
#
# Headless (--keys/--dump-screen): the view's narration line at position k
# equals line k of the narration that `heapglass lesson NAME --script`
# prints (an independent printer of the same run), and at the end of each
# action the counters line (live and freed objects) equals the state table
# --script prints after it.  Also: play with <Tick>, speed, step back,
# ] and [, switching the algorithm (checked against --script of the same
# lesson with that collector), resize, a tiny terminal, hostile lesson text,
# ASCII and monochrome, and 'a' in the viewer on a cycle and on a whole heap.
# Then tmux drives the real terminal with send-keys and capture-pane.
. "$(dirname "$0")/lib.sh"

export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset NO_COLOR
L=$TOP/assets/lessons

# narr FILE: from --script output, one line per position:
# "k<TAB>narration<TAB>live<TAB>freed", live/freed "-" except at the last
# position of an action (where --script prints the state).
narr() {
	awk '
	function flush() { if (n >= 0 && intable) { live[n] = rows; fr[n] = freed } intable = 0; rows = 0; freed = 0 }
	BEGIN { n = -1; para = 0 }
	/^Lesson: / && n < 0 { next }
	/^Collector: / && n < 0 { next }
	/^$/ { para = 0; next }
	/^    object  / { intable = 1; rows = 0; freed = 0; next }
	/^    freed: / { freed = split(substr($0, 12), a, ", "); next }
	/^    gc\.get_count/ { next }
	/^    tracemalloc: / { intable = 0; next }
	/^      line [0-9]*: size=/ { next }
	/^    \(no objects\)/ { intable = 1; rows = 0; next }
	/^    (--|==) / { flush(); para = 0; n++; t[n] = substr($0, 8); next }
	/^       / { flush(); para = 0; s = substr($0, 8); sub(/   \[(worklist|to scan|deallocating|unreachable):.*\]$/, "", s); sub(/   \[(worklist|to scan|deallocating|unreachable):.*\]$/, "", s); t[n + 1] = s; n++; next }
	/^    / { if (intable) rows++; next }
	/^\[line / { flush(); para = 0; n++; t[n] = $0; next }
	{ if (para) { t[n] = t[n] " " $0 } else { flush(); n++; t[n] = $0; para = 1 } }
	END { flush(); for (i = 0; i <= n; i++) printf "%d\t%s\t%s\t%s\n", i, t[i], (i in live) ? live[i] : "-", (i in fr) ? fr[i] : "-" }
	' "$1"
}

# view NAME KEYS [OPTIONS]: the lesson view's last screen into $TMP/screen.
view() {
	_l=$1 _k=$2
	shift 2
	printf '%s' "$_k" >"$TMP/keys"
	"$BIN" lesson "$_l" --keys "$TMP/keys" --dump-screen "$TMP/screen" "$@" 2>"$TMP/err"
}

# rights N: N <Right> keys
rights() { awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "<Right>" }'; }

# screen_narr ROWS: the narration (the lines between the counters and the
# footer) of a ROWS-line dump.
counts_row() { grep -nE ' (white|live) [0-9]' "$TMP/screen" | tail -1 | cut -d: -f1; }
screen_narr() { sed -n "$(($(counts_row) + 1)),$(($1 - 1))p" "$TMP/screen" | sed 's/^ //; s/ *$//' | awk 'NF' | paste -sd' ' -; }
screen_counts() { sed -n "$(counts_row)p" "$TMP/screen"; }
live_of() { screen_counts "$1" | awk '{ for (i = 1; i < NF; i++) if ($i == "white" || $i == "grey" || $i == "black" || $i == "outside" || $i == "live" || $i == "untracked" || $i == "immortal") s += $(i + 1); print s + 0 }'; }
freed_of() { screen_counts "$1" | awk '{ for (i = 1; i < NF; i++) if ($i == "freed") print $(i + 1) }'; }

# compare LESSON [SCRIPTFILE]: every position of the lesson (at 200x60, one
# narration line each) against --script, from one run that dumps the screen
# at each position (<Dump>).
compare() {
	c_l=$1 c_src=${2:-$1} c_pre=${3:-}
	"$BIN" lesson "$c_src" --script >"$TMP/script" 2>/dev/null || { notok "$c_l: --script failed"; return; }
	narr "$TMP/script" >"$TMP/narr"
	c_n=$(wc -l <"$TMP/narr")
	c_bad=0 c_checked=0
	# one headless run: the screen of each position k (<Dump> after k
	# <Right>s), one after the other with a form-feed line between
	view "$c_l" "$c_pre$(awk -v n="$c_n" 'BEGIN { for (i = 0; i < n; i++) printf "<Dump><Right>" }')" \
		--size 200x60 || { notok "$c_l: exit $?: $(cat "$TMP/err")"; return; }
	# every position in one pass (as screen_narr, live_of and freed_of
	# read one screen): the narration (the lines between the counts and
	# the footer, joined), the status line "step k/N", and where --script
	# prints a state, the live and freed counts; prints "checked N" or the
	# first disagreement
	awk -F '\t' -v n="$c_n" -v l="$c_l" '
	function check(   i, c, t, live, fr, w, nw) {
		if (k >= n) return
		c = 0
		for (i = 1; i <= nl; i++) if (line[i] ~ / (white|live) [0-9]/) c = i
		t = ""
		for (i = c + 1; i < nl; i++) { w = line[i]; sub(/^ /, "", w); sub(/ *$/, "", w); if (w ~ /[^ ]/) t = t (t == "" ? "" : " ") w }
		if (t != want[k]) { print "# " l " k=" k ": narration \047" t "\047 != script \047" want[k] "\047"; bad = 1; exit }
		if (index(line[2], " step " k "/" (n - 1) " ") != 1) { print "# " l " k=" k ": status line: " line[2]; bad = 1; exit }
		if (lv[k] == "-") return
		nw = split(line[c], f, " "); live = 0; fr = ""
		for (i = 1; i < nw; i++) {
			if (f[i] ~ /^(white|grey|black|outside|live|untracked|immortal)$/) live += f[i + 1]
			if (f[i] == "freed") fr = f[i + 1]
		}
		if (live != lv[k] || fr != fd[k]) { print "# " l " k=" k ": counts \047" line[c] "\047 != script live " lv[k] " freed " fd[k]; bad = 1; exit }
		checked++
	}
	BEGIN { k = 0 }
	FNR == NR { want[$1] = $2; lv[$1] = $3; fd[$1] = $4; next }
	/^\f$/ { check(); k++; nl = 0; next }
	{ line[++nl] = $0 }
	END { if (!bad) { check(); if (k + 1 < n) { print "# " l ": " k + 1 " screens for " n " positions"; exit } print "checked " checked } }
	' "$TMP/narr" "$TMP/screen" >"$TMP/cmp"
	c_checked=$(sed -n 's/^checked //p' "$TMP/cmp")
	if [ -n "$c_checked" ]; then c_bad=0; else c_bad=1; cat "$TMP/cmp"; c_checked=0; fi
	if [ "$c_bad" = 0 ] && [ "$c_checked" -gt 0 ]; then
		ok "$c_l: narration and counts at each of $c_n positions equal --script ($c_checked states)"
	else
		notok "$c_l: the view and --script disagree (see above)"
	fi
}

compare cycle-detector
compare mark-sweep
compare finalizers

# Every bundled lesson opens at 80x24 and 200x60, plays to its end with
# <Tick>s at the fastest speed and says so, with no crash; and its last
# screen at both sizes is the golden one (tests/fixtures/lessons/screens/,
# checked by eye; UPDATE_GOLDEN=1 writes the missing ones).
SCREENS=$FIX/lessons/screens
golden() { # NAME: $TMP/screen against $SCREENS/NAME.txt
	if [ "${UPDATE_GOLDEN:-0}" = 1 ] && [ ! -f "$SCREENS/$1.txt" ]; then
		cp "$TMP/screen" "$SCREENS/$1.txt"
	fi
	if diff -u "$SCREENS/$1.txt" "$TMP/screen" >"$TMP/diff"; then
		ok "golden screen $1"
	else
		notok "golden screen $1 differs: $(head -c 1500 "$TMP/diff")"
	fi
}
for f in "$L"/*.lesson; do
	b=$(basename "$f" .lesson)
	b=${b#[0-9][0-9]-}
	for size in 80x24 200x60; do
		rows=${size#*x}
		view "$b" '<End>' --size "$size"
		golden "$b-$size"
		view "$b" '++++++++++++<Space><Tick><Tick><Tick><Tick><Tick><Tick><Tick><Tick>' --size "$size"
		if [ $? -eq 0 ] && grep -q 'The end' "$TMP/screen" && grep -q "^ heapglass lesson: " "$TMP/screen" &&
			[ "$(wc -l <"$TMP/screen")" -eq "$rows" ]; then
			ok "lesson $b plays to the end at $size"
		else
			notok "lesson $b at $size: $(cat "$TMP/err") $(tail -3 "$TMP/screen")"
		fi
	done
done

# The cycle detector in the middle of move_unreachable (the list to scan,
# the unreachable list, gc_refs), at both sizes and in ASCII.
mid="]]]]]]]]]]]]]$(rights 20)"
view cycle-detector "$mid" --size 80x24
golden cycle-detector-unreachable-80x24
view cycle-detector "$mid" --size 200x60
golden cycle-detector-unreachable-200x60
view cycle-detector "$mid" --size 80x24 --ascii
golden cycle-detector-unreachable-ascii

# Playback is deterministic: each <Tick> while playing is one position at
# the default speed; Space pauses; <Tick>s while paused do nothing.
"$BIN" lesson cycle-detector --script >"$TMP/script"
narr "$TMP/script" >"$TMP/narr"
want() { awk -F '\t' -v k="$1" '$1 == k { print $2 }' "$TMP/narr"; }
view cycle-detector '<Space><Tick><Tick><Tick><Space><Tick><Tick>' --size 200x60
check "play: three ticks, pause, ticks ignored: position 3" sh -c "grep -q '^ step 3/' '$TMP/screen'"
check "... with the narration of position 3" test "$(screen_narr 60)" = "$(want 3)"
check "... and says paused" grep -q 'paused' "$TMP/screen"
view cycle-detector '+<Space><Tick><Tick>' --size 200x60
check "speed + then play: still one position a tick below 25/s" sh -c "grep -q '^ step 2/' '$TMP/screen' && grep -q 'playing 4/s' '$TMP/screen'"
view cycle-detector '++++<Space><Tick>' --size 200x60
check "speed steps: the one after 25/s is 50/s (two positions a tick)" \
	sh -c "grep -q 'playing 50/s' '$TMP/screen' && grep -q '^ step 2/' '$TMP/screen'"
view cycle-detector '+++++<Space><Tick>' --size 200x60
check "... then 100/s (four a tick)" sh -c "grep -q 'playing 100/s' '$TMP/screen' && grep -q '^ step 4/' '$TMP/screen'"
last=$(($(wc -l <"$TMP/narr") - 1))
view cycle-detector '++++++++++++<Space><Tick>' --size 200x60
check "at the fastest speed a tick goes to the end (clamped)" sh -c "grep -q '^ step $last/$last ' '$TMP/screen'"
view cycle-detector "$(rights 20)<Left><Left><Left>" --size 200x60
check "20 steps forward, 3 back: position 17, as --script" test "$(screen_narr 60)" = "$(want 17)"
view cycle-detector "$(rights 20)r" --size 200x60
check "r restarts at position 0" sh -c "grep -q '^ step 0/' '$TMP/screen'"
view cycle-detector ']]]]]]' --size 200x60
k=$(sed -n 2p "$TMP/screen" | awk '{ split($2, a, "/"); print a[1] }')
check "] jumps to the start of an action (a [line N] or a say line)" sh -c "awk -F '\t' -v k=$k '\$1 == k' '$TMP/narr' | grep -qv '^[0-9]*	\\(--\\|==\\)'"
view cycle-detector ']]]]]][' --size 200x60
check "[ goes back to the previous action" sh -c "! grep -q '^ step $k/' '$TMP/screen'"

# g: the next collector the lesson can run under; the view then equals
# --script of the same lesson written for that collector.  Reference
# counting alone cannot run a lesson that calls collect (as the lesson
# parser says), so g on the cycle detector goes to mark-and-sweep.
sed 's/^gc cpython$/gc mark-sweep/' "$L/03-cycle-detector.lesson" >"$TMP/cd-ms.lesson"
view cycle-detector 'g' --size 200x60
check "g switches CPython -> mark-and-sweep (refcount has no collect)" sh -c "grep -q 'algorithm: mark-and-sweep' '$TMP/screen' && grep -q ' mark-sweep ' '$TMP/screen'"
compare cycle-detector "$TMP/cd-ms.lesson" 'g'
view cycle-detector 'gg' --size 200x60
check "g twice comes back to CPython" grep -q ' CPython gc ' "$TMP/screen"
view cycle-detector ']]]]]]' --size 200x60
at=$(screen_narr 60)
view cycle-detector ']]]]]]g' --size 200x60
got=$(screen_narr 60)
check "g keeps the position: the same statement under the other collector ($at)" \
	sh -c "grep -q ' mark-sweep ' '$TMP/screen' && [ '$got' = '$at' ]"
sed 's/^gc refcount$/gc cpython/' "$L/02-cycle-leak.lesson" >"$TMP/cl-cpy.lesson"
view cycle-leak 'gg' --size 200x60
check "g on a refcount lesson: CPython after mark-and-sweep" grep -q ' CPython gc ' "$TMP/screen"
compare cycle-leak "$TMP/cl-cpy.lesson" 'gg'
sed 's/^gc refcount$/gc mark-sweep/' "$L/02-cycle-leak.lesson" >"$TMP/cl-ms.lesson"
compare cycle-leak "$TMP/cl-ms.lesson" 'g'
view cycle-leak 'ggg' --size 200x60
check "... and reference counting again" grep -q ' refcount ' "$TMP/screen"

# Help, resize, tiny terminal.
view cycle-detector '?' --size 80x24
check "? shows the keys, from the action table" sh -c "grep -q 'GC animation: keys' '$TMP/screen' && grep -q 'play or pause' '$TMP/screen' && grep -q 'another algorithm' '$TMP/screen'"
view cycle-detector '?x' --size 80x24
check "any key closes the help" sh -c "! grep -q 'GC animation: keys' '$TMP/screen'"
view cycle-detector '<Resize 40x10>' --size 80x24
check "a tiny terminal says so instead of drawing" grep -q 'Terminal too small: 40x10' "$TMP/screen"
view cycle-detector "]]]]]]]]]]]]<Resize 40x10><Resize 120x40>" --size 80x24
check "... and after growing again it draws the graph (labels and lines)" \
	sh -c "[ \$(wc -l <'$TMP/screen') -eq 40 ] && grep -q '○ a' '$TMP/screen' && grep -q '○ k' '$TMP/screen' && LC_ALL=C grep -q \"\$(printf '\\342\\240')\\|\$(printf '\\342\\241')\\|\$(printf '\\342\\242')\\|\$(printf '\\342\\243')\" '$TMP/screen'"
view cycle-detector "$(rights 3)<Resize 200x60>" --size 80x24
check "resizing keeps the position" grep -q '^ step 3/' "$TMP/screen"

# Lesson text is escaped: an escape sequence in a say line and in a name
# reaches the screen as visible \e, never raw.
printf 'title Evil \033]0;pwned\007 title\ngc refcount\nnew a Node\nsay red \033[31mtext\n' >"$TMP/evil.lesson"
view "$TMP/evil.lesson" '<End>' --size 80x24
check "escape sequences from a lesson's say text are shown escaped" grep -qF 'red \e[31mtext' "$TMP/screen"
check "... and its title" grep -qF 'Evil \e]0;pwned\x07 title' "$TMP/screen"
check "... nothing raw reaches the screen" sh -c "! grep -q \"\$(printf '\\033')\" '$TMP/screen'"

# ASCII: glyphs and lines in ASCII only.
view cycle-detector "]]]]]]]]]]]]" --size 80x24 --ascii
check "--ascii: object glyphs and lines are ASCII" sh -c "grep -q 'o a' '$TMP/screen' && ! LC_ALL=C grep -q '[^ -~]' '$TMP/screen'"
check "--ascii: the footer names the arrow keys (Right Step, Left Back)" \
	sh -c "grep -q 'Right Step  Left Back' '$TMP/screen' && ! grep -qF '\\u{' '$TMP/screen'"
view cycle-detector "]]]]]]]]]]]]" --size 80x24 --mono
check "--mono runs" grep -q '○ a' "$TMP/screen"

# bad use
expect_fail "--script and --keys are one or the other" 'one or the other' "$BIN" lesson 1 --script --keys "$TMP/keys"
expect_fail "--dump-screen needs --keys" 'needs --keys' "$BIN" lesson 1 --dump-screen x
printf 'a<Nope>' >"$TMP/badkeys"
expect_fail "a bad key script names its line" 'badkeys:1: unknown key <Nope>' "$BIN" lesson 1 --keys "$TMP/badkeys"
run_cmd "$BIN" lesson refcount
check "not a terminal: the text, with a note" sh -c "[ $rc -eq 0 ] && cmp -s '$TMP/out' '$FIX/lessons/01-refcount.txt' && grep -q 'not a terminal' '$TMP/err'"

# ---- 'a' in the viewer ----
cd "$FIX/tui" || exit 1
printf '3j<Enter><Enter>a' >"$TMP/keys"
"$BIN" small --keys "$TMP/keys" --dump-screen "$TMP/screen" 2>"$TMP/err"
check "a on a cycle opens the animation on it" grep -q 'GC animation: cycle 1 (3 objects, garbage)' "$TMP/screen"
# The same collector on the same part as lesson --heap prints: the
# narration at the end and the freed count agree.
"$BIN" lesson --heap small --cycle 1 --gc cpython --script >"$TMP/hs" 2>&1
printf '3j<Enter><Enter>a<End>' >"$TMP/keys"
"$BIN" small --keys "$TMP/keys" --dump-screen "$TMP/screen" --size 200x60 2>"$TMP/err"
n_ev=$(grep -c '^       \|^    --\|^    ==' "$TMP/hs")
check "... all of lesson --heap's $n_ev events, in the status line" grep -q "^ step $n_ev/$n_ev " "$TMP/screen"
freed=$(grep '^    freed:' "$TMP/hs" | tail -1 | awk -F', ' '{ print NF }')
check "... and its $freed freed objects" test "$(freed_of 60)" = "$freed"
# a on a cycle that holds more (classroom.dot's cycle 2 holds a bytes
# object): what the collection frees with it is in the part too, as in
# lesson --heap --cycle
(
	cd "$TOP/assets/heaps" || exit 1
	printf '3a<End>' >"$TMP/keys"
	"$BIN" classroom.dot --keys "$TMP/keys" --dump-screen "$TMP/screen" --size 200x60 2>"$TMP/err"
	"$BIN" lesson --heap classroom.dot --cycle 2 --script >"$TMP/hs2" 2>&1
)
freed=$(grep '^    freed:' "$TMP/hs2" | tail -1 | awk -F', ' '{ print NF }')
check "a on a cycle: the cycle and what only it holds, freed as lesson --heap frees them ($freed)" \
	sh -c "grep -q 'cycle 2 (2 objects, garbage) and what only it holds' '$TMP/screen' && [ '$(freed_of 60)' = '$freed' ] && [ '$freed' = 3 ]"
# lesson --heap without --script opens the same view on the part
printf '<End>' >"$TMP/keys"
"$BIN" lesson --heap small --cycle 1 --gc cpython --keys "$TMP/keys" --dump-screen "$TMP/screen" --size 200x60 2>"$TMP/err"
check "lesson --heap --keys: the animation on the part, the same $n_ev events" \
	sh -c "grep -q 'GC animation: cycle 1 (3 objects, garbage)' '$TMP/screen' && grep -q '^ step $n_ev/$n_ev ' '$TMP/screen'"
"$BIN" lesson --heap small --cycle 1 --gc mark-sweep --keys "$TMP/keys" --dump-screen "$TMP/screen" 2>"$TMP/err"
check "lesson --heap --gc mark-sweep starts with mark-and-sweep" grep -q ' mark-sweep ' "$TMP/screen"
# ] and [ on a heap jump by phase, and [ stops at the start
printf '3j<Enter><Enter>a]]]' >"$TMP/keys"
"$BIN" small --keys "$TMP/keys" --dump-screen "$TMP/screen" 2>"$TMP/err"
check "] on a heap goes to the start of a phase" sh -c "sed -n 22p '$TMP/screen' | grep -q 'update_refs\\|subtract_refs\\|move_unreachable\\|a full collection'"
printf '3j<Enter><Enter>a]]][[[[[[' >"$TMP/keys"
"$BIN" small --keys "$TMP/keys" --dump-screen "$TMP/screen" 2>"$TMP/err"
check "[ on a heap stops at step 0" grep -q '^ step 0/' "$TMP/screen"
printf '3j<Enter><Enter>aq' >"$TMP/keys"
"$BIN" small --keys "$TMP/keys" --dump-screen "$TMP/screen" 2>"$TMP/err"
check "q leaves the animation, back to the cycle" grep -q '^ Cycle 1' "$TMP/screen"
# The animation is a mode of the viewer's input loop: every key of a
# script, in the animation too, gets its --timing line, and mouse events
# reach it (the wheel steps back and forth like Left and Right).
printf '3j<Enter>a<Right><Right>q' >"$TMP/keys"
"$BIN" small --keys "$TMP/keys" --dump-screen "$TMP/screen" --timing "$TMP/timing" 2>"$TMP/err"
check "--timing: one line per key, the animation's included" \
	test "$(cut -f1 "$TMP/timing" | paste -sd' ' -)" = "3 j <Enter> a <Right> <Right> q"
check "... each with wall and CPU milliseconds" \
	sh -c "awk -F '\t' 'NF != 3 || \$2 !~ /^[0-9]+\\.[0-9]+\$/ || \$3 !~ /^[0-9]+\\.[0-9]+\$/ { exit 1 }' '$TMP/timing'"
printf '3j<Enter>a<Right><Right><Right><Left>' >"$TMP/keys"
"$BIN" small --keys "$TMP/keys" --dump-screen "$TMP/want" 2>"$TMP/err"
printf '3j<Enter>a<WheelDown><WheelDown><WheelDown><WheelUp>' >"$TMP/keys"
"$BIN" small --keys "$TMP/keys" --dump-screen "$TMP/screen" 2>"$TMP/err"
check "the wheel in the animation steps like Right and Left (step 2)" \
	sh -c "grep -q '^ step 2/' '$TMP/screen' && cmp -s '$TMP/want' '$TMP/screen'"
printf '3j<Enter>a?<Click 3,3>' >"$TMP/keys"
"$BIN" small --keys "$TMP/keys" --dump-screen "$TMP/screen" 2>"$TMP/err"
check "a click closes the animation's help, as a key does" \
	sh -c "! grep -q 'GC animation: keys' '$TMP/screen' && grep -q '^ step 0/' '$TMP/screen'"
printf 'a' >"$TMP/keys"
"$BIN" small --keys "$TMP/keys" --dump-screen "$TMP/screen" 2>"$TMP/err"
check "a on the overview animates the whole heap" grep -q 'GC animation: the whole heap (16 objects)' "$TMP/screen"
printf '?' >"$TMP/keys"
"$BIN" small --keys "$TMP/keys" --dump-screen "$TMP/screen" --size 80x60 2>"$TMP/err"
check "the viewer's help lists a" grep -q 'animate a collector' "$TMP/screen"
# a whole heap above ANIM_MAX_DRAW objects: counters, no drawing
cd "$TOP/assets" || exit 1
printf 'a<End>' >"$TMP/keys"
"$BIN" sample-python --keys "$TMP/keys" --dump-screen "$TMP/screen" 2>"$TMP/err"
check "a large heap runs with counters instead of a drawing" \
	sh -c "grep -q 'too many to draw' '$TMP/screen' && grep -q 'events done' '$TMP/screen'"
total=$(sed -n 's/.*the whole heap (\([0-9]*\) objects).*/\1/p' "$TMP/screen")
check "... and the counters add up to the heap's $total objects" \
	test "$(($(live_of 24) + $(freed_of 24)))" = "$total"

# ---- tmux: the real terminal ----
tmux_begin hganim "tmux tests"
S=anim
tm new-session -d -s "$S" -c "$TOP" -x 80 -y 24 "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BIN' lesson cycle-detector; echo EXIT=\$?; sleep 30"
tm set-option -t "$S" status off >/dev/null 2>&1
# wait PATTERN: up to 5 s for the pane to show PATTERN
wait_for() {
	_i=0
	while [ $_i -lt 100 ]; do
		tm capture-pane -p -t "$S" >"$TMP/pane" 2>/dev/null
		grep -q -- "$1" "$TMP/pane" && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}
check "tmux: the lesson opens in the animation" wait_for 'heapglass lesson: The cycle detector'
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13; do tm send-keys -t "$S" ']'; done
check "tmux: ] x13 reaches the collection" wait_for '\[line 21\] gc.collect()'
check "tmux: ... with the objects drawn as labels" sh -c "grep -q '○ a' '$TMP/pane' && grep -q '○ k' '$TMP/pane'"
tm send-keys -t "$S" Right Right
check "tmux: Right steps into the events" wait_for 'gc.get_count()\[0\]: 4 -> 0'
tm send-keys -t "$S" Left Left
check "tmux: Left steps back" sh -c "sleep 0.3; tmux -L '$SOCK' capture-pane -p -t '$S' | grep -q '^ \[line 21\] gc.collect()'"
# real time playback: at 25/s the end comes within a few seconds
tm send-keys -t "$S" + + + ' '
check "tmux: Space plays (the step counter moves by itself)" wait_for 'playing 25/s'
_i=0
while [ $_i -lt 100 ] && ! grep -q 'The end' "$TMP/pane"; do sleep 0.1; tm capture-pane -p -t "$S" >"$TMP/pane"; _i=$((_i + 1)); done
check "tmux: ... to the end, then stops" grep -q 'The end' "$TMP/pane"
tm resize-window -t "$S" -x 200 -y 60
check "tmux: resize to 200x60 re-lays out" sh -c "sleep 0.3; tmux -L '$SOCK' capture-pane -p -t '$S' | awk 'END { exit !(NR == 60) }' && tmux -L '$SOCK' capture-pane -p -t '$S' | grep -q 'step $last/$last'"
tm resize-window -t "$S" -x 30 -y 8
check "tmux: a tiny window says too small" wait_for 'Terminal too small'
tm resize-window -t "$S" -x 80 -y 24
check "tmux: back to 80x24 draws again" wait_for "step $last/$last"
tm send-keys -t "$S" q
check "tmux: q quits with status 0" wait_for 'EXIT=0'

# monochrome (NO_COLOR): states stay apart by glyph and attribute: a black
# object is in reverse video, and no colour reaches the pane
S=mono
tm new-session -d -s "$S" -c "$TOP" -x 80 -y 24 "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 NO_COLOR=1 '$BIN' lesson mark-sweep; sleep 30"
wait_for 'Mark-and-sweep' >/dev/null
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do tm send-keys -t "$S" ']'; done
tm send-keys -t "$S" Right Right Right Right Right Right
wait_for '● a' >/dev/null
tm capture-pane -p -e -t "$S" >"$TMP/mono"
check "tmux NO_COLOR: a black object is in reverse video" grep -q "$(printf '\033')\[[0-9;]*7m● a" "$TMP/mono"
check "tmux NO_COLOR: no colour in the pane" sh -c "! grep -qE '$(printf '\033')\[([0-9]+;)*(3[0-7]|4[0-7]|38;5)' '$TMP/mono'"
