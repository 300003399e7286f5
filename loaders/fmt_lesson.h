/* fmt_lesson: reads a classroom lesson script (docs/lessons.md) into a
 * struct lesson (graph/gc/lesson.h).
 *
 * The script is plain text, one command per line (docs/lessons.md):
 *   # comment          title TEXT          gc cpython|refcount|mark-sweep
 *   python 3.8..3.14   threshold N0 N1 N2  new NAME [TYPE]
 *   link LOC NAME      weak LOC NAME [CALLBACK]      unlink LOC
 *   append LIST NAME   NAME = OTHER        root NAME   unroot NAME
 *   del NAME | del LOC finalizer NAME [resurrect]    collect [GEN]
 *   freeze   unfreeze  refcount NAME       counts      say TEXT | say "TEXT"
 * where LOC is NAME.FIELD, NAME[INDEX] or NAME[KEY] and OTHER a name,
 * None, True or False.
 * Errors are one line, "PATH:LINE: WORD: problem", e.g.
 *   lesson.txt:7: link: no object named 'c'
 * Files over FMT_LESSON_MAX_BYTES, lines over FMT_LESSON_MAX_LINE bytes and
 * NUL bytes are refused.
 */
#ifndef HEAPGLASS_FMT_LESSON_H
#define HEAPGLASS_FMT_LESSON_H

#include <stddef.h>

#include "graph/core/error.h"
#include "graph/gc/lesson.h"

enum {
	FMT_LESSON_MAX_BYTES = 1 << 20,
	FMT_LESSON_MAX_LINE = 1000,
	FMT_LESSON_MAX_NAME = 64
};

/* Parses len bytes of script text; path names it in messages.  Returns 0
 * and the lesson in *out (caller frees with lesson_free), or -1 with err. */
int fmt_lesson_parse(const char *path, const char *text, size_t len, struct lesson **out,
		     struct error *err);

/* Reads and parses the file at path. */
int fmt_lesson_load(const char *path, struct lesson **out, struct error *err);

#endif
