#!/bin/sh
# Hostile inputs against the resource bounds (issue 9): a 100 MB string,
# counts that overflow 32 bits, a few-KB file claiming huge counts in every
# loader, and a file that needs more memory than the machine has.  Each
# must load or fail with one clear line, in bounded time and memory.  Peak
# memory is measured with /usr/bin/time -f %M (resident KB); the size and
# time checks skip themselves under HEAPGLASS_WRAP (valgrind), where the
# 100 MB cases are left out too.
. "$TOP/tests/e2e/lib.sh"

# peak CMD...: like run_cmd, and sets $kb (peak resident KB) and $secs
peak() {
	/usr/bin/time -f '%M %e' -o "$TMP/time" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	set -- $(tail -n 1 "$TMP/time")
	kb=${1:-0} secs=${2:-0}
}

# A few-KB input must stay below SMALL_KB resident; ASan's shadow memory
# and quarantine raise the floor of its build.
case $BIN in *-asan) SMALL_KB=262144 ;; *) SMALL_KB=65536 ;; esac
WRAPPED=${HEAPGLASS_WRAP:+1}
HAVE_TIME=1
[ -x /usr/bin/time ] || HAVE_TIME=0
if [ -n "$WRAPPED" ] || [ "$HAVE_TIME" = 0 ]; then
	skip "peak memory and time of each case (under HEAPGLASS_WRAP, or no /usr/bin/time)"
fi

# small NAME PATTERN CMD...: CMD fails with one line matching PATTERN (or,
# with PATTERN "", exits 0), stays under SMALL_KB and takes under 5 s.
small() {
	_n=$1 _p=$2
	shift 2
	if [ -n "$_p" ]; then expect_fail "$_n" "$_p" "$@"; else expect_ok "$_n" "$@"; fi
	[ -n "$WRAPPED" ] || [ "$HAVE_TIME" = 0 ] && return
	peak "$@"
	check "$_n: peak memory $kb KB < $SMALL_KB KB, $secs s < 5 s" \
		awk -v k="$kb" -v m="$SMALL_KB" -v s="$secs" 'BEGIN { exit !(k < m && s < 5) }'
}

# ---- V8 ----
META='{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],"node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic"],"string","number","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"]}'
NODES='9,0,1,0,1,0,0,3,1,3,10,1,0,0,3,2,5,20,0,0,0'
EDGES='1,1,7,2,2,14'
v8() { # FILE NODE_COUNT EDGE_COUNT [STRINGS]
	printf '{"snapshot":{"meta":%s,"node_count":%s,"edge_count":%s},\n"nodes":[%s],\n"edges":[%s],\n"strings":[%s]}\n' \
		"$META" "$2" "$3" "$NODES" "$EDGES" "${4:-\"\",\"A\",\"next\"}" >"$1"
}
v8 "$TMP/ok.heapsnapshot" 3 2
expect_ok "v8: the base snapshot loads" "$BIN" info "$TMP/ok.heapsnapshot"

# counts that are right modulo 2^32: a loader that kept 32 bits would
# accept them
v8 "$TMP/n32.heapsnapshot" 4294967299 2
small "v8: node_count 2^32+3 over 3 nodes is refused, not wrapped" \
	'byte [0-9]+: snapshot: node_count 4294967299 .*cannot fit in a file of' "$BIN" info "$TMP/n32.heapsnapshot"
v8 "$TMP/e32.heapsnapshot" 3 4294967298
small "v8: edge_count 2^32+2 over 2 edges is refused, not wrapped" \
	'byte [0-9]+: snapshot: .*edge_count 4294967298 cannot fit in a file of' "$BIN" info "$TMP/e32.heapsnapshot"
# a node whose edge_count field is 2^32+1, and an edge to node 2^32 + 7
NODES='9,0,1,0,4294967297,0,0,3,1,3,10,1,0,0,3,2,5,20,0,0,0' v8 "$TMP/f32.heapsnapshot" 3 2
small "v8: a node's edge_count 2^32+1 is refused" 'byte [0-9]+: .*4294967297' "$BIN" info "$TMP/f32.heapsnapshot"
EDGES='1,1,4294967303,2,2,14' v8 "$TMP/t32.heapsnapshot" 3 2
small "v8: an edge to node offset 2^32+7 is refused" 'byte [0-9]+: .*4294967303' "$BIN" info "$TMP/t32.heapsnapshot"

# a 4 KB file that claims a billion objects: refused at once, small
v8 "$TMP/claim.heapsnapshot" 1000000000 2000000000
head -c 3500 /dev/zero | tr '\0' ' ' >>"$TMP/claim.heapsnapshot"
small "v8: a 4 KB file claiming 10^9 objects fails fast and small" \
	'node_count 1000000000 / edge_count 2000000000 cannot fit in a file of 4[0-9]{3} bytes' \
	"$BIN" info "$TMP/claim.heapsnapshot"

# counts the file can hold (a sparse file) but no machine here can: the
# message names the need and what is available
printf '{"snapshot":{"meta":%s,"node_count":4000000000,"edge_count":4000000000},"nodes":[' "$META" \
	>"$TMP/huge.heapsnapshot"
if truncate -s 100G "$TMP/huge.heapsnapshot" 2>/dev/null; then
	availkb=$(awk '/^(MemAvailable|SwapFree):/ { s += $2 } END { print s + 0 }' /proc/meminfo)
	if [ "$availkb" -gt 230000000 ]; then
		skip "v8: more memory than the machine has (this one has $((availkb / 1048576)) GiB)"
	else
		small "v8: 4*10^9 objects in a 100 GB (sparse) file: refused, naming the need and what is free" \
			'4000000000 objects and 4000000000 references: needs at least 170 GiB of memory, only [0-9.]+ [GM]iB available \(free memory and swap\)' \
			"$BIN" info "$TMP/huge.heapsnapshot"
	fi
	rm -f "$TMP/huge.heapsnapshot"
else
	skip "v8: more memory than the machine has (no sparse files here)"
fi

# the same against an address-space limit (ulimit -v): 5 million objects
# and 12 million references need about 400 MiB, and at least 308 MiB
# (heap_estimate_bytes() and the loader's own offsets): more than the
# whole limit
printf '{"snapshot":{"meta":%s,"node_count":5000000,"edge_count":12000000},"nodes":[' "$META" >"$TMP/mid.heapsnapshot"
truncate -s 200M "$TMP/mid.heapsnapshot"
if [ -n "$WRAPPED" ] || ! sh -c 'ulimit -v 300000 && exec "$1" --version' sh "$BIN" >/dev/null 2>&1; then
	skip "v8: refused under ulimit -v (the binary cannot start under a 300 MB limit: sanitizer or valgrind)"
else
	(ulimit -v 300000 && exec "$BIN" info "$TMP/mid.heapsnapshot") >"$TMP/out" 2>"$TMP/err"
	rc=$?
	check "v8: under ulimit -v 300000, 5M objects are refused naming the need and the limit ($(cat "$TMP/err"))" \
		sh -c "[ $rc -eq 1 ] && [ \$(wc -l <'$TMP/err') -eq 1 ] && grep -qE 'needs at least 30[0-9] MiB of memory, only [0-9]+ MiB available \\(address-space limit, ulimit -v\\)' '$TMP/err'"
fi
rm -f "$TMP/mid.heapsnapshot"

# ---- CSV ----
mkdir -p "$TMP/ids"
# (2^62 bytes: the largest size a total of three can hold; sizes that add
# up past 2^63-1 are refused, below)
printf 'id,type,size,name,root\n18446744073709551615,T,4611686018427387904,max,global\n4294967297,T,1,two32,\n1,T,1,one,\n' \
	>"$TMP/ids/nodes.csv"
printf 'from,to,name\n18446744073709551615,4294967297,a\n4294967297,1,b\n1,18446744073709551615,c\n' >"$TMP/ids/edges.csv"
small "csv: ids 2^64-1 and 2^32+1 load as three objects, small (no id-indexed array)" "" \
	"$BIN" info "$TMP/ids"
check "csv: ... and 2^32+1 is not confused with 1" grep -q '^objects: *3$' "$TMP/out"
mkdir -p "$TMP/ovf"
printf 'id,type,size,name\n18446744073709551616,T,1,x\n' >"$TMP/ovf/nodes.csv"
printf 'from,to\n' >"$TMP/ovf/edges.csv"
mkdir -p "$TMP/bigsize"
printf 'id,type,size,name\n1,T,18446744073709551615,x\n2,T,1,y\n' >"$TMP/bigsize/nodes.csv"
printf 'from,to\n' >"$TMP/bigsize/edges.csv"
small "csv: a size of 2^64-1 is refused, never wrapped" \
	'nodes.csv:2: object sizes add up to more than 2\^63-1 bytes' "$BIN" info "$TMP/bigsize"
small "csv: an id of 2^64 is refused" 'nodes.csv:2.*18446744073709551616|nodes.csv:2:.*(range|large|64)' "$BIN" info "$TMP/ovf"

# ---- HPROF: a few-KB file whose counts claim gigabytes ----
HP=$TMP/hp
mkdir -p "$HP"
python3 - "$HP" <<'EOF'
import struct, sys
out = sys.argv[1]
def hprof(name, body):
    # header, id size 8, then one HEAP_DUMP_SEGMENT holding body
    head = b"JAVA PROFILE 1.0.2\0" + struct.pack(">IQ", 8, 0)
    seg = struct.pack(">BII", 0x1C, 0, len(body)) + body
    open(out + "/" + name, "wb").write(head + seg + b"\0" * 2048)
# a primitive array of 2^32-1 longs (32 GB)
hprof("prim.hprof", struct.pack(">BQIIB", 0x23, 0x100, 0, 0xFFFFFFFF, 11))
# an instance claiming 0xFFFFFFF0 bytes of field values
hprof("inst.hprof", struct.pack(">BQIQI", 0x21, 0x100, 0, 0x200, 0xFFFFFFF0))
# a class with 65535 constant-pool entries, statics and fields in 40 bytes
hprof("class.hprof", struct.pack(">BQIQQQQQQIH", 0x20, 0x300, 0, 0, 0, 0, 0, 0, 0, 16, 0xFFFF))
EOF
small "hprof: a primitive array of 2^32-1 longs in a 2 KB file" 'offset [0-9]+: PRIM_ARRAY_DUMP of 4294967295 elements \(34359738360 bytes\) runs past the end' "$BIN" info "$HP/prim.hprof"
small "hprof: an instance claiming 4 GB of fields in a 2 KB file" 'offset [0-9]+: INSTANCE_DUMP sub-record runs past the end' "$BIN" info "$HP/inst.hprof"
small "hprof: a class with 65535 constant-pool entries in a 2 KB file" 'offset [0-9]+: CLASS_DUMP sub-record runs past the end' "$BIN" info "$HP/class.hprof"
small "hprof: bad-count.hprof (2^32-1 elements) stays small" 'OBJ_ARRAY_DUMP of 4294967295 elements' \
	"$BIN" info "$FIX/hprof/bad-count.hprof"
small "hprof: bad-reclen.hprof (a 4 GB record) stays small" 'record of 4294967280 bytes runs past the end' \
	"$BIN" info "$FIX/hprof/bad-reclen.hprof"

# ---- DOT and lessons: numbers as big as they come ----
printf 'digraph g {\n a [hg_id=18446744073709551615, hg_size=4611686018427387904];\n b [hg_id=4294967297, hg_size=1];\n c [hg_id=1];\n a -> b; b -> a; b -> c;\n}\n' >"$TMP/big.dot"
small "dot: ids 2^64-1 and 2^32+1 load, small" "" "$BIN" info "$TMP/big.dot"
check "dot: ... as three objects" grep -q '^objects: *3$' "$TMP/out"
printf 'digraph g {\n a [hg_size=18446744073709551615];\n b [hg_size=1];\n}\n' >"$TMP/bigsize.dot"
small "dot: a size of 2^64-1 is refused, never wrapped" 'object sizes add up to more than 2\^63-1 bytes' \
	"$BIN" info "$TMP/bigsize.dot"
printf 'digraph g {\n a [hg_size=99999999999999999999999];\n}\n' >"$TMP/ovf.dot"
small "dot: a size past 2^64 is refused" "node 'a': size='99999999999999999999999' is not a number of bytes" \
	"$BIN" info "$TMP/ovf.dot"
printf 'title t\ngc cpython\nthreshold 1000000 1000000 1000000\nnew a Node\nnew b Node\nlink a.x b\nlink b.x a\nunroot a\nunroot b\ncollect\n' >"$TMP/big.lesson"
small "lesson: the largest thresholds play in bounded memory" "" "$BIN" lesson "$TMP/big.lesson"

# ---- a single string of 100 MB ----
if [ -n "$WRAPPED" ]; then
	skip "100 MB strings (not under valgrind)"
	exit 0
fi
BIG_KB=1048576
# csv: a 100 MB name (kept cut to 1 KB with "...")
mkdir -p "$TMP/long"
{ printf 'id,type,size,name\n1,T,8,'; head -c 100000000 /dev/zero | tr '\0' 'x'; printf '\n2,T,8,b\n'; } >"$TMP/long/nodes.csv"
printf 'from,to\n1,2\n' >"$TMP/long/edges.csv"
peak "$BIN" info "$TMP/long"
check "csv: a 100 MB name loads ($rc) in $kb KB < $BIG_KB KB, $secs s < 60 s" \
	sh -c "[ $rc -eq 0 ] && grep -q '^objects: *2\$' '$TMP/out' && awk -v k=$kb -v s=$secs -v m=$BIG_KB 'BEGIN { exit !(k < m && s < 60) }'"
rm -rf "$TMP/long"
# v8: a 100 MB string in the strings table: a name like any other
{
	printf '{"snapshot":{"meta":%s,"node_count":3,"edge_count":2},\n"nodes":[%s],\n"edges":[%s],\n"strings":["","' \
		"$META" "$NODES" "$EDGES"
	head -c 100000000 /dev/zero | tr '\0' 'y'
	printf '","next"]}\n'
} >"$TMP/long.heapsnapshot"
peak "$BIN" info "$TMP/long.heapsnapshot"
check "v8: a 100 MB string loads ($rc) in $kb KB < $BIG_KB KB, $secs s < 60 s" \
	sh -c "[ $rc -eq 0 ] && grep -q '^objects: *3\$' '$TMP/out' && awk -v k=$kb -v s=$secs -v m=$BIG_KB 'BEGIN { exit !(k < m && s < 60) }'"
# ... and one past the 64 MiB a string token may take when it must be
# decoded (escapes): refused with one line
{
	printf '{"snapshot":{"meta":%s,"node_count":3,"edge_count":2},\n"nodes":[%s],\n"edges":[%s],\n"strings":["","\\n' \
		"$META" "$NODES" "$EDGES"
	head -c 100000000 /dev/zero | tr '\0' 'y'
	printf '","next"]}\n'
} >"$TMP/long.heapsnapshot"
peak "$BIN" info "$TMP/long.heapsnapshot"
check "v8: a 100 MB string with an escape: loads or one line ($rc: $(head -c 200 "$TMP/err")), in $kb KB < $BIG_KB KB, $secs s < 60 s" \
	sh -c "{ [ $rc -eq 0 ] || { [ $rc -eq 1 ] && [ \$(wc -l <'$TMP/err') -eq 1 ]; }; } && awk -v k=$kb -v s=$secs -v m=$BIG_KB 'BEGIN { exit !(k < m && s < 60) }'"
rm -f "$TMP/long.heapsnapshot"
