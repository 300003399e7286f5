# The CSV loader and `info`, on good and bad input.
. "$(dirname "$0")/lib.sh"
B=$FIX/csv/basic

# --- good input
expect_ok "info on a CSV folder" "$BIN" info "$B"
grep -q '^objects: *4$' "$TMP/out" && grep -q '^references: *5$' "$TMP/out" &&
	grep -q '^references to unknown ids: 1$' "$TMP/out" && ok "info counts objects, references, unknown ids" ||
	notok "info counts: $(cat "$TMP/out")"
expect_ok "info on the nodes file" "$BIN" info "$B/nodes.csv"
expect_ok "info on the edges file" "$BIN" info "$B/edges.csv"
expect_ok "info --json" "$BIN" info --json "$B"
python3 - "$TMP/out" <<'PY' && ok "info --json fields" || notok "info --json fields"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "csv" and d["objects"] == 4 and d["references"] == 5 and d["roots"] == 1
assert d["shallow_bytes"] == 232 and d["unknown_references"] == 1
assert d["generations"] == [{"generation": 0, "objects": 3, "bytes": 160},
                            {"generation": 2, "objects": 1, "bytes": 72}]
PY
# a UTF-8 byte order mark (Excel's "CSV UTF-8"): the same heap as without
run_cmd "$BIN" info --json "$B"
grep -v '"file"\|_seconds' "$TMP/out" >"$TMP/plain.json"
expect_ok "info on CSV files that start with a byte order mark" "$BIN" info --json "$FIX/csv/bom"
grep -v '"file"\|_seconds' "$TMP/out" >"$TMP/bom.json"
check "... reads the same heap as without one" cmp -s "$TMP/plain.json" "$TMP/bom.json"
expect_ok "... also given its nodes file (sniffed as CSV)" "$BIN" info "$FIX/csv/bom/nodes.csv"

# sizes that add up past 64 bits are refused, never wrapped (two objects of
# 2^64-1 bytes once read as 18446744073709551614 in all); a total of
# 2^63-1 is exact
mkdir -p "$TMP/huge"
printf 'from,to\n1,2\n' >"$TMP/huge/edges.csv"
printf 'id,type,size,root\n1,A,18446744073709551615,1\n2,B,18446744073709551615,\n' >"$TMP/huge/nodes.csv"
expect_fail "sizes adding up past 2^63-1 bytes are refused, naming the line" \
	'nodes.csv:2: object sizes add up to more than 2\^63-1 bytes' "$BIN" info "$TMP/huge"
printf 'id,type,size,root\n1,A,9223372036854775000,1\n2,B,807,\n' >"$TMP/huge/nodes.csv"
expect_ok "a total of exactly 2^63-1 bytes loads" "$BIN" info --json "$TMP/huge"
grep -q '"shallow_bytes": 9223372036854775807' "$TMP/out" && ok "... and is exact" || notok "total: $(grep shallow "$TMP/out")"
printf 'id,type,size,root\n1,A,9223372036854775000,1\n2,B,808,\n' >"$TMP/huge/nodes.csv"
expect_fail "one byte more is refused" 'nodes.csv:3: object sizes add up' "$BIN" info "$TMP/huge"
expect_ok "options after FILE (info FILE --json)" "$BIN" info "$B" --json
grep -q '"objects": 4' "$TMP/out" && ok "info FILE --json prints JSON" || notok "info FILE --json prints JSON"
expect_ok "--format csv forces the loader" "$BIN" info --format csv "$B"

# a pair of files named app.nodes.csv / app.edges.csv
cp "$B/nodes.csv" "$TMP/app.nodes.csv"; cp "$B/edges.csv" "$TMP/app.edges.csv"
expect_ok "info on a named pair" "$BIN" info "$TMP/app.edges.csv"

# --- bad paths
expect_fail "missing file" "nope: No such file" "$BIN" info "$TMP/nope"
: >"$TMP/empty"
expect_fail "empty file" "empty file" "$BIN" info "$TMP/empty"
mkdir "$TMP/dir"
expect_fail "directory that is no snapshot" "not a heapglass CSV snapshot" "$BIN" info "$TMP/dir"
printf 'hello world\n' >"$TMP/text.txt"
expect_fail "file in the wrong format" "not a heap snapshot heapglass knows" "$BIN" info "$TMP/text.txt"
mkfifo "$TMP/fifo"
expect_fail "FIFO" "not a regular file" "$BIN" info "$TMP/fifo"
expect_fail "/dev/zero" "not a regular file" "$BIN" info /dev/zero
expect_fail "unknown --format" "unknown format 'xml'" "$BIN" info --format xml "$B"
expect_fail "no FILE" "a FILE is needed" "$BIN" info
expect_fail "unknown option" "unknown option '--bogus'" "$BIN" info --bogus "$B"
if [ "$(id -u)" -ne 0 ]; then
	cp "$B/nodes.csv" "$TMP/locked.nodes.csv"; cp "$B/edges.csv" "$TMP/locked.edges.csv"
	chmod 000 "$TMP/locked.nodes.csv"
	expect_fail "unreadable file" "Permission denied" "$BIN" info "$TMP/locked.nodes.csv"
else
	skip "unreadable file (running as root)"
fi

# bad CSV content: mk NAME NODES EDGES makes $TMP/NAME/{nodes,edges}.csv
mk() {
	mkdir -p "$TMP/$1"
	printf "$2" >"$TMP/$1/nodes.csv"
	printf "$3" >"$TMP/$1/edges.csv"
}
E='from,to\n'
mk trunc 'id,type,size\n1,A,8\n2,B' "$E"
expect_fail "truncated row" "nodes.csv:3: expected 3 fields as in the header, found 2" "$BIN" info "$TMP/trunc"
mk quote 'id,type,size\n1,"A,8\n' "$E"
expect_fail "unterminated quote" "nodes.csv:2: malformed CSV at the end of the file" "$BIN" info "$TMP/quote"
mk nocol 'id,type\n1,A\n' "$E"
expect_fail "missing column" "nodes.csv:1: the header has no 'size' column" "$BIN" info "$TMP/nocol"
mk nonnum 'id,type,size\n1,A,8\n2,B,lots\n' "$E"
expect_fail "non-numeric field" "nodes.csv:3: column 'size': 'lots' is not an unsigned integer" "$BIN" info "$TMP/nonnum"
mk big 'id,type,size\n18446744073709551616,A,8\n' "$E"
expect_fail "number above 2^64" "nodes.csv:2: column 'id': number too large" "$BIN" info "$TMP/big"
mk neg 'id,type,size\n1,A,-8\n' "$E"
expect_fail "negative size" "nodes.csv:2: column 'size': '-8' is not an unsigned integer" "$BIN" info "$TMP/neg"
mk dup 'id,type,size\n1,A,8\n2,B,8\n1,C,8\n' "$E"
expect_fail "duplicate id names both lines" "nodes.csv:4: object id 1 appears again \\(first on line 2\\)" "$BIN" info "$TMP/dup"
mk kind 'id,type,size\n1,A,8\n' 'from,to,kind\n1,1,sticky\n'
expect_fail "unknown edge kind" "edges.csv:2: column 'kind': unknown kind 'sticky'" "$BIN" info "$TMP/kind"
mk edgecol 'id,type,size\n1,A,8\n' 'source,target\n1,1\n'
expect_fail "edges file without from/to" "edges.csv:1: the header has no 'from' column" "$BIN" info "$TMP/edgecol"
mk gen 'id,type,size,generation\n1,A,8,300\n' "$E"
expect_fail "generation out of range" "nodes.csv:2: column 'generation': number too large \\(the limit is 254\\)" "$BIN" info "$TMP/gen"
mk flag 'id,type,size,flags\n1,A,8,sparkly\n' "$E"
expect_fail "unknown flag" "nodes.csv:2: column 'flags': unknown flag 'sparkly'" "$BIN" info "$TMP/flag"
mkdir -p "$TMP/noedges"; printf 'id,type,size\n1,A,8\n' >"$TMP/noedges/nodes.csv"
expect_fail "edges file missing" "edges.csv: the edges file of this CSV snapshot is missing" "$BIN" info "$TMP/noedges/nodes.csv"
mk multiline 'id,type,size,name\n1,A,8,"two\nlines"\n2,B,x,\n' "$E"
expect_fail "line numbers count newlines inside quotes" "nodes.csv:4: column 'size'" "$BIN" info "$TMP/multiline"
mk crlf 'id,type,size\r\n1,A,8\r\n2,B,y\r\n' "$E"
expect_fail "CRLF line numbers" "nodes.csv:3: column 'size'" "$BIN" info "$TMP/crlf"

# hostile labels load, and nothing raw reaches stdout/stderr
mk hostile 'id,type,size,name\n1,"\033]0;pwned\007",8,"\033[2J\000\377\342\200\256bidi"\n' 'from,to,name\n1,1,"\033[31mred"\n'
expect_ok "hostile labels load" "$BIN" info "$TMP/hostile"
if LC_ALL=C grep -q "$(printf '\033')" "$TMP/out" "$TMP/err"; then notok "escape bytes reached the output"; else ok "no escape bytes in the output"; fi
mk hostile2 'id,type,size\n1,A,"\033]0;pwned\007"\n' "$E"
expect_fail "hostile bytes in an error are escaped" "'\\\\e\\]0;pwned\\\\x07' is not an unsigned integer" "$BIN" info "$TMP/hostile2"
if LC_ALL=C grep -q "$(printf '\033')" "$TMP/err"; then notok "escape bytes reached stderr"; else ok "no escape bytes on stderr"; fi

# an error on a row before a later row's: the earlier one (node rows wait
# a few rows for their names to be looked up)
mk early 'id,type,size\n1,A,18446744073709551615\n2,B,18446744073709551615\n3,C,x\n' "$E"
expect_fail "an earlier row's error comes before a later row's" 'nodes.csv:2: object sizes add up' "$BIN" info "$TMP/early"

# edges.csv from 1 MiB on is parsed on a second thread, in blocks, while
# nodes.csv loads: 200000 references in 3 blocks, quoted names, CRLF, the
# names of a planted path (R -al,pha-> P1 -gam"ma\nline-> P2) met first in
# the first block and used again in the last; the counts are the generator's
python3 - "$TMP/big" >"$TMP/big.expect" <<'PY'
import os, random, sys
out = sys.argv[1]
rnd = random.Random(19)
os.makedirs(out, exist_ok=True)
def q(s):
    return '"' + s.replace('"', '""') + '"' if any(c in s for c in ',"\n') else s
words = ["f%d" % i for i in range(3000)] + ["al,pha", 'gam"ma\nline', "x" * 40]
n, base = 5000, 0x7f3a00000000
ids = [base + 48 * i for i in range(n)]	# 0, 1, 2: R, P1, P2
with open(os.path.join(out, "nodes.csv"), "w", newline="") as f:
    f.write("id,type,size,name,root\n")
    for i in range(n):
        f.write("%d,T%d,%d,%s,%s\n" % (ids[i], i % 7, 16 + i % 5, q(rnd.choice(words)), "stack" if i == 0 else ""))
refs = unknown = 0
with open(os.path.join(out, "edges.csv"), "w", newline="") as f:
    f.write("from,to,name,index,kind\n")
    for k in range(200000):
        a, b = rnd.randrange(3, n), rnd.randrange(3, n + 100)
        name = rnd.choice(words) if k % 5 else ""
        f.write("%d,%d,%s,%s,%s\r\n" % (ids[a], ids[b] if b < n else base + 1, q(name),
                                       "" if name else k % 1000, rnd.choice(["", "weak", "meta"])))
        refs, unknown = refs + (b < n), unknown + (b >= n)
    f.write('%d,%d,"al,pha",,\n%d,%d,"gam""ma\nline",,\n' % (ids[0], ids[1], ids[1], ids[2]))
print(n, refs + 2, unknown, ids[2])
PY
read -r n refs unknown p2 <"$TMP/big.expect"
expect_ok "a 5 MB edges file (read on a second thread)" "$BIN" info --json "$TMP/big"
python3 - "$TMP/out" "$n" "$refs" "$unknown" <<'PY' && ok "... counts objects, references, unknown ids" || notok "... counts: $(cat "$TMP/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert (d["objects"], d["references"], d["unknown_references"]) == tuple(map(int, sys.argv[2:5])), d
PY
expect_ok "... path to the planted object" "$BIN" path "$TMP/big" "$p2"
grep -q -- '-al,pha-> T1 ' "$TMP/out" && grep -q -- '-gam"ma\\nline-> T2 ' "$TMP/out" &&
	ok "... names its references (first met three blocks before)" || notok "... path: $(cat "$TMP/out")"
# errors: the line of a late row; nodes.csv's error when both files fail
cp "$TMP/big/nodes.csv" "$TMP/nodes.good"
sed -i '150000s/,\r$/,sticky\r/; 150000s/,weak\r$/,sticky\r/; 150000s/,meta\r$/,sticky\r/' "$TMP/big/edges.csv"
expect_fail "... an error on row 150000" "edges.csv:150000: column 'kind': unknown kind 'sticky'" "$BIN" info "$TMP/big"
sed -i '4000s/,T\([0-9]\),/,T\1,-/' "$TMP/big/nodes.csv"
expect_fail "... and one in nodes.csv: nodes.csv's" "nodes.csv:4000: column 'size'" "$BIN" info "$TMP/big"

# every truncation of a small snapshot either loads or fails with one line
# that names the file, and never crashes
N="$FIX/csv/basic/nodes.csv" bad=0 total=0
len=$(wc -c <"$N")
i=0
while [ "$i" -lt "$len" ]; do
	mkdir -p "$TMP/cut"
	head -c "$i" "$N" >"$TMP/cut/nodes.csv"
	cp "$FIX/csv/basic/edges.csv" "$TMP/cut/edges.csv"
	"$BIN" info "$TMP/cut" >/dev/null 2>"$TMP/cuterr"
	r=$?
	total=$((total + 1))
	if [ "$r" -ge 128 ] || { [ "$r" -ne 0 ] && { [ "$(wc -l <"$TMP/cuterr")" -ne 1 ] || ! grep -q 'nodes.csv' "$TMP/cuterr"; }; }; then
		bad=$((bad + 1))
		echo "truncated at $i: exit $r: $(cat "$TMP/cuterr")"
	fi
	i=$((i + 1))
done
[ "$bad" -eq 0 ] && ok "nodes.csv truncated at each of $total byte offsets" || notok "$bad of $total truncations misbehaved"

# make install honours PREFIX and DESTDIR
if [ "${BUILD:-build}" != build ]; then
	skip "make install (tested in the plain build, not in $BUILD)"
elif [ -f "$TOP/loaders/python/heapglass_dump.py" ]; then
	make -s -C "$TOP" install DESTDIR="$TMP/root" PREFIX=/opt/hg >/dev/null 2>&1 &&
		[ -x "$TMP/root/opt/hg/bin/heapglass" ] && [ -f "$TMP/root/opt/hg/share/man/man1/heapglass.1" ] &&
		[ -f "$TMP/root/opt/hg/share/heapglass/heapglass_dump.py" ] &&
		ok "make install DESTDIR= PREFIX=" || notok "make install DESTDIR= PREFIX="
else
	skip "make install (the Python dumper is not in this tree yet)"
fi
