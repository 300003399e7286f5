# Lists the CPython interpreters to test the dumper with, one "VERSION PATH"
# a line: the newest pyenv build of each of 3.8 .. 3.13, or, without pyenv,
# the python3 on PATH when it is 3.8 or newer.  Versions not installed are
# listed as "VERSION -" so callers can print a skip line.
# Source it and call python_list.
#
# With HG_STAGE=asan (tests/check's second stage, the same scripts again
# under ASan + UBSan) only the oldest and the newest of them are listed:
# what the sanitizers check is heapglass's C code, which the versions in
# between drive the same way, and the unit stage has run them all.
python_list() {
	if [ "${HG_STAGE:-}" = asan ]; then
		HG_STAGE= python_list | awk '$2 != "-" { l[++n] = $0 } END { if (n) print l[1]; if (n > 1) print l[n] }'
		return
	fi
	_root=${PYENV_ROOT:-$HOME/.pyenv}
	_any=
	for _v in 3.8 3.9 3.10 3.11 3.12 3.13; do
		_p=$(ls -d "$_root"/versions/"$_v".*/bin/python3 2>/dev/null | sort -V | tail -n 1)
		if [ -n "$_p" ] && [ -x "$_p" ]; then
			echo "$_v $_p"
			_any=1
		else
			echo "$_v -"
		fi
	done
	if [ -z "$_any" ] && command -v python3 >/dev/null 2>&1; then
		_v=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2]) if sys.version_info >= (3, 8) else None' 2>/dev/null)
		[ -n "$_v" ] && [ "$_v" != None ] && echo "$_v $(command -v python3)"
	fi
}
