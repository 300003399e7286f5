#!/bin/sh
# Bad V8 snapshots: each is refused with one line naming the byte offset
# and what was wrong, a non-zero exit, and no crash (ASan/UBSan under
# `make asan`).  Every prefix of a real snapshot is covered by
# tests/unit/test_v8.c (test_truncated_everywhere); a few go through the
# command line here too.
. "$TOP/tests/e2e/lib.sh"

META='{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],"node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic"],"string","number","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"],"location_fields":["object_index","script_id","line","column"]}'
GOOD_NODES='9,0,1,0,1,0,0,3,1,3,10,1,0,0,3,2,5,20,0,0,0'
GOOD_EDGES='1,1,7,2,2,14'
GOOD_STRINGS='"","A","next"'

# mk FILE: writes a snapshot from $NC $EC $NODES $EDGES $LOCS $STRINGS $EXTRA
# (each defaulting to the good 3-node snapshot), then unsets them.
mk() {
	printf '{"snapshot":{"meta":%s,"node_count":%s,"edge_count":%s%s},\n"nodes":[%s],\n"edges":[%s],\n"locations":[%s],\n"strings":[%s]}\n' \
		"$META" "${NC:-3}" "${EC:-2}" "${SNAPX:-}" "${NODES:-$GOOD_NODES}" "${EDGES:-$GOOD_EDGES}" \
		"${LOCS:-7,1,2,3}" "${STRINGS:-$GOOD_STRINGS}" >"$1"
	unset NC EC NODES EDGES STRINGS SNAPX LOCS
}

mk "$TMP/good.heapsnapshot"
expect_ok "v8: the good base snapshot loads" "$BIN" info "$TMP/good.heapsnapshot"
grep -q '^objects: *3$' "$TMP/out" && ok "v8: good base has 3 objects" || notok "v8: good base: $(cat "$TMP/out")"

bad() { # NAME PATTERN: the file $TMP/b.heapsnapshot must fail with PATTERN
	expect_fail "v8 bad: $1" "byte [0-9]+: .*$2" "$BIN" info "$TMP/b.heapsnapshot"
}

NC=4 mk "$TMP/b.heapsnapshot"; bad "node_count larger than the nodes array" "node_count says 4"
NC=2 mk "$TMP/b.heapsnapshot"; bad "node_count smaller than the nodes array" "more nodes than node_count"
EC=3 mk "$TMP/b.heapsnapshot"; bad "edge_count disagrees with the edges array" "edge_count says 3"
NODES='9,0,1,0,2,0,0,3,1,3,10,1,0,0,3,2,5,20,0,0,0' mk "$TMP/b.heapsnapshot"
bad "edge counts add up to more than the edges" "fewer than the nodes' edge_count"
EC=3 EDGES='1,1,7,2,2,14,2,2,0' mk "$TMP/b.heapsnapshot"
bad "more edges than the edge counts add up to" "more edges than"
NODES='9,0,1,0,1,0,0,3,1,3,10,1,0,0,3,2,5,20' mk "$TMP/b.heapsnapshot"
bad "nodes array not a multiple of the node fields" "not a multiple of the 7 node fields"
EDGES='1,1,7,2,2' mk "$TMP/b.heapsnapshot"
bad "edges array not a multiple of the edge fields" "not a multiple of the 3 edge fields"
EDGES='1,1,7,2,2,21' mk "$TMP/b.heapsnapshot"; bad "to_node past the last node" "to_node 21 is past the last node"
EDGES='1,1,8,2,2,14' mk "$TMP/b.heapsnapshot"; bad "to_node not a multiple of the node field count" "to_node 8 is not a multiple"
LOCS='21,1,2,3' mk "$TMP/b.heapsnapshot"; bad "a location past the last node" "location object_index 21 is not a node"
LOCS='8,1,2,3' mk "$TMP/b.heapsnapshot"; bad "a location inside a node" "location object_index 8 is not a node"
LOCS='7,1,2,3,14,1' mk "$TMP/b.heapsnapshot"; bad "locations ending inside a location" "locations array ends inside a location"
NODES='9,0,1,0,1,0,0,3,9,3,10,1,0,0,3,2,5,20,0,0,0' mk "$TMP/b.heapsnapshot"
bad "node name index past the string table" "node name index 9 past the string table \\(3 strings\\)"
EDGES='1,1,7,2,7,14' mk "$TMP/b.heapsnapshot"; bad "edge name index past the string table" "edge name index 7 past"
NODES='9,0,1,0,1,0,0,12,1,3,10,1,0,0,3,2,5,20,0,0,0' mk "$TMP/b.heapsnapshot"
bad "unknown node type" "node type 12 is not one of the 10 node_types"
EDGES='1,1,7,9,2,14' mk "$TMP/b.heapsnapshot"; bad "unknown edge type" "edge type 9 is not one of the 7 edge_types"
NODES='9,0,1,0,1,0,0,3,1,3,-10,1,0,0,3,2,5,20,0,0,0' mk "$TMP/b.heapsnapshot"; bad "negative number" "negative number"
NODES='9,0,1,0,1,0,0,3,1,18446744073709551616,10,1,0,0,3,2,5,20,0,0,0' mk "$TMP/b.heapsnapshot"
bad "number just above 2^64-1" "too large for 64 bits"
NODES='9,0,1,0,1,0,0,3,1,123456789012345678901234567890,10,1,0,0,3,2,5,20,0,0,0' mk "$TMP/b.heapsnapshot"
bad "30-digit number" "too large for 64 bits"
NODES='9,0,1,0,1,0,0,3,1,3,1.5,1,0,0,3,2,5,20,0,0,0' mk "$TMP/b.heapsnapshot"; bad "fraction" "fraction or exponent"
NODES='9,0,1,0,1,0,0,3,1,3,1e3,1,0,0,3,2,5,20,0,0,0' mk "$TMP/b.heapsnapshot"; bad "exponent" "fraction or exponent"
NODES='9,0,1,0,1,0,0,3,1,3,010,1,0,0,3,2,5,20,0,0,0' mk "$TMP/b.heapsnapshot"; bad "leading zero" "leading zero"
NODES='9,0,1,0,1,0,0,3,1,3,"10",1,0,0,3,2,5,20,0,0,0' mk "$TMP/b.heapsnapshot"; bad "string in the nodes array" "expected an unsigned integer"
NODES='9,0,1,0,1,0,0,3,1,3,,10,1,0,0,3,2,5,20,0,0,0' mk "$TMP/b.heapsnapshot"; bad "empty element" "expected an unsigned integer"
STRINGS=$(printf '"","A\377B","next"') mk "$TMP/b.heapsnapshot"; bad "invalid UTF-8 byte" "invalid UTF-8 \\(byte 0xff\\)"
STRINGS=$(printf '"","A\300\257","next"') mk "$TMP/b.heapsnapshot"; bad "overlong UTF-8" "invalid UTF-8"
STRINGS=$(printf '"","\355\240\200","next"') mk "$TMP/b.heapsnapshot"; bad "UTF-8 encoded surrogate" "invalid UTF-8"
STRINGS=$(printf '"","A\342\202","next"') mk "$TMP/b.heapsnapshot"; bad "UTF-8 cut short" "invalid UTF-8"
STRINGS='"","A\q","next"' mk "$TMP/b.heapsnapshot"; bad "invalid escape" "invalid escape in a string$"
STRINGS='"","\u12G4","next"' mk "$TMP/b.heapsnapshot"; bad "bad hex in \\u" "invalid escape in a string: u and four hex digits"
STRINGS='"","A\u12","next"' mk "$TMP/b.heapsnapshot"; bad "\\u cut short" "invalid escape in a string: u and four hex digits"
STRINGS='"","A\","next"' mk "$TMP/b.heapsnapshot"; bad "a backslash before the closing quote" "expected"
STRINGS=$(printf '"","A\001","next"') mk "$TMP/b.heapsnapshot"; bad "raw control character in a string" "control character 0x01"
STRINGS='"",7,"next"' mk "$TMP/b.heapsnapshot"; bad "number in the strings array" "expected a string"
SNAPX=',"root_index":5' mk "$TMP/b.heapsnapshot"; bad "root_index not a node" "root_index does not name a node"
NODES='9,0,1,0,1,0,0,3,1,3,9223372036854775807,1,0,0,3,2,5,20,0,0,0' mk "$TMP/b.heapsnapshot"
bad "self sizes adding up past 2^63-1 bytes" "object sizes add up to more than 2\\^63-1 bytes"
NC=999999999999 mk "$TMP/b.heapsnapshot"; bad "node_count the file cannot hold" "cannot fit in a file of"
EC=99999999999 mk "$TMP/b.heapsnapshot"; bad "edge_count the file cannot hold" "cannot fit in a file of"
NC=-3 mk "$TMP/b.heapsnapshot"; bad "negative node_count" "node_count and edge_count must be non-negative"

# structure
printf '{"snapshot":{"meta":%s,"node_count":3,"edge_count":2},"edges":[%s],"nodes":[%s],"strings":[%s]}' \
	"$META" "$GOOD_EDGES" "$GOOD_NODES" "$GOOD_STRINGS" >"$TMP/b.heapsnapshot"
bad "edges before nodes" "\"edges\" comes before \"nodes\""
printf '{"snapshot":{"meta":%s,"node_count":3,"edge_count":2},"nodes":[%s],"edges":[%s]}' \
	"$META" "$GOOD_NODES" "$GOOD_EDGES" >"$TMP/b.heapsnapshot"
bad "no strings array" "no \"strings\" array"
mk "$TMP/b.heapsnapshot"; printf 'x' >>"$TMP/b.heapsnapshot"; bad "data after the snapshot" "data after the end"
printf '{"snapshot":{"meta":%s,"node_count":3,"edge_count":2},"nodes":[%s],"nodes":[%s]}' \
	"$META" "$GOOD_NODES" "$GOOD_NODES" >"$TMP/b.heapsnapshot"
bad "nodes twice" "second \"nodes\""
printf '{"snapshot":{"meta":{"node_fields":["type","name","id","self_size"],"node_types":[["hidden"]],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["weak"]]}},"nodes":[]}' >"$TMP/b.heapsnapshot"
bad "node_fields without edge_count" "node_fields lacks"
printf '{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["hidden"]],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["weak"]]},"node_count":1,"edge_count":0},"nodes":[0,0,1,0,0],"edges":[],"strings":[""' >"$TMP/b.heapsnapshot"
bad "cut inside the strings array" "unexpected end of file"
printf '{"snapshot":{"meta":{"node_fields":["type" "name"]}}}' >"$TMP/b.heapsnapshot"
bad "broken JSON inside the meta" "snapshot meta:"
printf '{"snapshot":[1,2]}' >"$TMP/b.heapsnapshot"; bad "snapshot not an object" "must be an object"

# deep nesting: where the JSON is valid it loads (no recursion to
# exhaust), where it cannot be it fails cleanly
deep=$(awk 'BEGIN { for (i = 0; i < 200000; i++) printf "["; for (i = 0; i < 200000; i++) printf "]" }')
printf '{"snapshot":{"meta":%s,"node_count":3,"edge_count":2},"nodes":[%s],"edges":[%s],"trace_tree":%s,"strings":[%s]}' \
	"$META" "$GOOD_NODES" "$GOOD_EDGES" "$deep" "$GOOD_STRINGS" >"$TMP/deep.heapsnapshot"
expect_ok "v8: 200000-deep nesting in a skipped array loads" "$BIN" info "$TMP/deep.heapsnapshot"
open=$(awk 'BEGIN { for (i = 0; i < 200000; i++) printf "[" }')
printf '{"snapshot":{"meta":%s,"node_count":3,"edge_count":2},"nodes":[%s],"edges":[%s],"trace_tree":%s' \
	"$META" "$GOOD_NODES" "$GOOD_EDGES" "$open" >"$TMP/b.heapsnapshot"
bad "200000 unclosed brackets" "unexpected end of file"
printf '{"snapshot":{"meta":%s,"x":%s,"node_count":3,"edge_count":2}}' "$META" "$deep" >"$TMP/b.heapsnapshot"
bad "200000-deep nesting inside the meta" "snapshot meta:"
printf '{"snapshot":{"meta":%s,"node_count":3,"edge_count":2},"nodes":[%s],"edges":[%s],"strings":%s}' \
	"$META" "$GOOD_NODES" "$GOOD_EDGES" "$deep" >"$TMP/b.heapsnapshot"
bad "nesting inside the strings array" "expected a string"

# truncations through the command line (every prefix: tests/unit/test_v8.c)
size=$(wc -c <"$TMP/good.heapsnapshot")
for cut in 1 10 100 500 600 $((size - 40)) $((size - 3)); do
	head -c "$cut" "$TMP/good.heapsnapshot" >"$TMP/b.heapsnapshot"
	expect_fail "v8 bad: cut after $cut of $size bytes" "byte [0-9]+: " "$BIN" info --format v8 "$TMP/b.heapsnapshot"
done

# good variants
STRINGS='"","caf\u00e9 \ud83d\ude00","next"' mk "$TMP/esc.heapsnapshot"
expect_ok "v8: escapes with a surrogate pair load" "$BIN" info "$TMP/esc.heapsnapshot"
# a lone surrogate is valid JSON (a JavaScript string may hold one; writers
# other than Node.js escape it): kept, and shown as \u{D800}
STRINGS='"","lone \ud800, low \uDE00, high then A \ud83d\u0041","next"' mk "$TMP/lone.heapsnapshot"
expect_ok "v8: lone surrogate escapes load" "$BIN" top --all "$TMP/lone.heapsnapshot"
check "... and show as \\u{D800}" grep -qF 'lone \u{D800}, low \u{DE00}, high then A \u{D83D}A' "$TMP/out"
printf '\357\273\277' >"$TMP/bom.heapsnapshot"; cat "$TMP/good.heapsnapshot" >>"$TMP/bom.heapsnapshot"
expect_ok "v8: a UTF-8 byte order mark is accepted" "$BIN" info "$TMP/bom.heapsnapshot"
META='{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic"],"string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"]}'
NODES='9,0,1,0,1,3,1,3,10,1,3,2,5,20,0' EDGES='1,1,5,2,2,10' mk "$TMP/old.heapsnapshot"
expect_ok "v8: a snapshot without trace_node_id and detachedness loads" "$BIN" info "$TMP/old.heapsnapshot"
NODES='3,1,3,10,1,9,0,1,0,1,3,2,5,20,0' EDGES='2,2,10,1,1,0' SNAPX=',"root_index":5' mk "$TMP/rooted.heapsnapshot"
expect_ok "v8: root_index other than 0 loads" "$BIN" info "$TMP/rooted.heapsnapshot"
