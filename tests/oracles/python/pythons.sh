# Lists the CPython interpreters to test the dumper with, one "VERSION PATH"
# a line: the newest pyenv build of each of 3.8 .. 3.13, or, without pyenv,
# the python3 on PATH when it is 3.8 or newer.  Versions not installed are
# listed as "VERSION -" so callers can print a skip line.
# Source it and call python_list.
python_list() {
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
