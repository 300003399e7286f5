#include "loaders/fmt_lesson.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "graph/core/mem.h"
#include "graph/gc/world.h"

/* The parser's state while reading one script. */
struct parser {
	const char *path;
	struct lesson *l;
	struct error *err;
	uint32_t line;
	int started;			/* a step has been seen */
	uint32_t title_line, gc_line, threshold_line, python_line;
	uint32_t vars[LESSON_MAX_ACTIONS];	/* names `NAME = ...` bound, text offsets */
	uint32_t n_vars;
	int say_open;			/* the last line was a say: the next one continues it */
};

enum {
	MAX_WORDS = 6
};

struct cmd {
	const char *word;
	const char *usage;
	int (*parse)(struct parser *p, const struct cmd *c, char **w, int n, const char *rest);
	enum lesson_op op;
	int header;			/* title, gc, threshold: before any step */
};

static int fail(struct parser *p, const char *word, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, const char *word, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (word)
		return error_set(p->err, "%s:%u: %s: %s", p->path, (unsigned)p->line, word, msg);
	return error_set(p->err, "%s:%u: %s", p->path, (unsigned)p->line, msg);
}

static const char *q(char *buf, size_t size, const char *s)
{
	return error_quote(buf, size, s, strlen(s));
}

static int usage(struct parser *p, const struct cmd *c)
{
	return fail(p, c->word, "expected '%s'", c->usage);
}

static int is_name(const char *s, int allow_digit_first, int allow_dot)
{
	size_t n = 0;

	if (!*s)
		return 0;
	if (!allow_digit_first && *s >= '0' && *s <= '9')
		return 0;
	for (; *s; s++, n++) {
		char ch = *s;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '_' || (allow_dot && ch == '.')))
			return 0;
	}
	return n <= FMT_LESSON_MAX_NAME;
}

static int is_constant(const char *name)
{
	return strcmp(name, "None") == 0 || strcmp(name, "True") == 0 || strcmp(name, "False") == 0;
}

static int known_var(const struct parser *p, const char *name)
{
	for (uint32_t i = 0; i < p->n_vars; i++)
		if (strcmp(lesson_text(p->l, p->vars[i]), name) == 0)
			return 1;
	return 0;
}

/* Checks a name that must mean an object when the lesson runs: one made
 * by `new`, a variable bound by `=`, or (constants) None, True, False.
 * Stores it in the arena. */
static int object(struct parser *p, const struct cmd *c, const char *name, int constants, uint32_t *out)
{
	char b[100];

	if (constants && is_constant(name)) {
		*out = lesson_add_text(p->l, name, strlen(name));
		return 0;
	}
	if (!is_name(name, 0, 0))
		return fail(p, c->word, "'%s' is not an object name (letters, digits and _, not starting with a digit)",
			    q(b, sizeof b, name));
	if (is_constant(name))
		return fail(p, c->word, "'%s' cannot be used here", name);
	if (lesson_find(p->l, name) == LESSON_NONE && !known_var(p, name))
		return fail(p, c->word, "no object named '%s'", q(b, sizeof b, name));
	*out = lesson_add_text(p->l, name, strlen(name));
	return 0;
}

/* Splits "a.next", "items[0]", "d[key]" or "d['key']" into its object,
 * where (enum world_loc) and field, index or key. */
static int object_field(struct parser *p, const struct cmd *c, char *s, struct lesson_action *a)
{
	char *cut = s + strcspn(s, ".[");
	char delim = *cut, b[100];

	if (!delim)
		return fail(p, c->word, "'%s' should be OBJECT.FIELD, as in a.next", q(b, sizeof b, s));
	*cut = '\0';
	if (object(p, c, s, 0, &a->subj) != 0)
		return -1;
	if (delim == '[') {
		char *key = cut + 1;
		size_t len = strlen(key);
		if (len < 2 || key[len - 1] != ']')
			return fail(p, c->word, "'%s[%s' should be NAME[INDEX] or NAME[KEY], as in items[0]",
				    s, q(b, sizeof b, key));
		key[--len] = '\0';
		if (len >= 2 && (key[0] == '\'' || key[0] == '"') && key[len - 1] == key[0]) {
			key[len - 1] = '\0';
			key++;
			a->loc = WORLD_LOC_KEY;
		} else if (key[0] >= '0' && key[0] <= '9') {
			if (strspn(key, "0123456789") != len || len > 6)
				return fail(p, c->word, "'%s' is not an index (0, 1, 2, ...)", q(b, sizeof b, key));
			a->loc = WORLD_LOC_INDEX;
		} else {
			a->loc = WORLD_LOC_KEY;
		}
		if (a->loc == WORLD_LOC_KEY && !is_name(key, 1, 0))
			return fail(p, c->word, "'%s' is not a key (letters, digits and _)", q(b, sizeof b, key));
		a->text = lesson_add_text(p->l, key, strlen(key));
		return 0;
	}
	if (!is_name(cut + 1, 1, 0))
		return fail(p, c->word, "'%s' is not a field name (letters, digits and _)",
			    q(b, sizeof b, cut + 1));
	a->loc = WORLD_LOC_FIELD;
	a->text = lesson_add_text(p->l, cut + 1, strlen(cut + 1));
	return 0;
}

static int add(struct parser *p, struct lesson_action *a)
{
	a->line = p->line;
	if (lesson_add_action(p->l, a) != 0)
		return fail(p, NULL, "too many steps (a lesson has at most %d)", LESSON_MAX_ACTIONS);
	return 0;
}

static int p_new(struct parser *p, const struct cmd *c, char **w, int n, const char *rest)
{
	struct lesson_action a = { .op = LESSON_NEW };
	const char *type = n >= 3 ? w[2] : "object";
	char b[100];
	uint32_t prev;

	(void)rest;
	if (n < 2 || n > 3)
		return usage(p, c);
	if (!is_name(w[1], 0, 0))
		return fail(p, c->word, "'%s' is not an object name (letters, digits and _, not starting with a digit)",
			    q(b, sizeof b, w[1]));
	if (!is_name(type, 0, 1))
		return fail(p, c->word, "'%s' is not a type name", q(b, sizeof b, type));
	prev = lesson_find(p->l, w[1]);
	if (prev != LESSON_NONE)
		return fail(p, c->word, "'%s' already exists (line %u); give the new object another name",
			    w[1], (unsigned)p->l->obj_line[prev]);
	a.obj = lesson_add_object(p->l, w[1], type, p->line);
	if (a.obj == LESSON_NONE)
		return fail(p, c->word, "too many objects (a lesson has at most %d)", LESSON_MAX_OBJECTS);
	a.text = p->l->obj_type[a.obj];
	return add(p, &a);
}

static int p_link(struct parser *p, const struct cmd *c, char **w, int n, const char *rest)
{
	struct lesson_action a = { .op = c->op };
	char b[100];

	(void)rest;
	if (n != 3 && !(c->op == LESSON_WEAK && n == 4))
		return usage(p, c);
	if (object_field(p, c, w[1], &a) != 0 || object(p, c, w[2], c->op == LESSON_LINK, &a.target) != 0)
		return -1;
	if (n == 4) {
		if (!is_name(w[3], 0, 0))
			return fail(p, c->word, "'%s' is not a callback name (letters, digits and _)",
				    q(b, sizeof b, w[3]));
		a.cb = lesson_add_text(p->l, w[3], strlen(w[3]));
	}
	return add(p, &a);
}

static int p_unlink(struct parser *p, const struct cmd *c, char **w, int n, const char *rest)
{
	struct lesson_action a = { .op = LESSON_UNLINK };

	(void)rest;
	if (n != 2)
		return usage(p, c);
	if (object_field(p, c, w[1], &a) != 0)
		return -1;
	return add(p, &a);
}

static int p_append(struct parser *p, const struct cmd *c, char **w, int n, const char *rest)
{
	struct lesson_action a = { .op = LESSON_APPEND };

	(void)rest;
	if (n != 3)
		return usage(p, c);
	if (object(p, c, w[1], 0, &a.subj) != 0 || object(p, c, w[2], 1, &a.target) != 0)
		return -1;
	return add(p, &a);
}

static int p_one(struct parser *p, const struct cmd *c, char **w, int n, const char *rest)
{
	struct lesson_action a = { .op = c->op };

	(void)rest;
	if (n != 2)
		return usage(p, c);
	if (object(p, c, w[1], c->op == LESSON_REFCOUNT, &a.subj) != 0)
		return -1;
	return add(p, &a);
}

static int p_finalizer(struct parser *p, const struct cmd *c, char **w, int n, const char *rest)
{
	struct lesson_action a = { .op = LESSON_FINALIZER };

	(void)rest;
	if (n != 2 && !(n == 3 && strcmp(w[2], "resurrect") == 0))
		return usage(p, c);
	if (p->l->gc == LESSON_GC_MARKSWEEP)
		return fail(p, c->word, "'gc mark-sweep' runs no finalizers (use 'gc cpython' or 'gc refcount')");
	if (object(p, c, w[1], 0, &a.subj) != 0)
		return -1;
	a.gen = n == 3;
	return add(p, &a);
}

/* del NAME (a variable) or del LOC (a reference) */
static int p_del(struct parser *p, const struct cmd *c, char **w, int n, const char *rest)
{
	static const struct cmd as_unlink = { .word = "del", .usage = "del NAME | del NAME.FIELD", .op = LESSON_UNLINK };
	static const struct cmd as_unroot = { .word = "del", .usage = "del NAME | del NAME.FIELD", .op = LESSON_UNROOT };

	if (n == 2 && (strchr(w[1], '.') || strchr(w[1], '[')))
		return p_unlink(p, &as_unlink, w, n, rest);
	(void)c;
	return p_one(p, &as_unroot, w, n, rest);
}

static int p_none(struct parser *p, const struct cmd *c, char **w, int n, const char *rest)
{
	struct lesson_action a = { .op = c->op };

	(void)w;
	(void)rest;
	if (n != 1)
		return usage(p, c);
	if (p->l->gc != LESSON_GC_CPYTHON && c->op == LESSON_TRACEMALLOC)
		return fail(p, c->word, "only 'gc cpython' runs Python's tracemalloc");
	if (p->l->gc != LESSON_GC_CPYTHON && c->op != LESSON_COUNTS)
		return fail(p, c->word, "only 'gc cpython' has gc.%s()", c->word);
	if (p->l->gc != LESSON_GC_CPYTHON)
		return fail(p, c->word, "only 'gc cpython' has generations and counts");
	return add(p, &a);
}

/* NAME = OTHER: a second name for an object (or None, True, False) */
static int p_assign(struct parser *p, char **w, int n)
{
	static const struct cmd c = { .word = "=", .usage = "NAME = OTHER" };
	struct lesson_action a = { .op = LESSON_ASSIGN };
	char b[100];

	if (n != 3)
		return usage(p, &c);
	if (!is_name(w[0], 0, 0) || is_constant(w[0]))
		return fail(p, c.word, "'%s' is not a variable name (letters, digits and _, not starting with a digit)",
			    q(b, sizeof b, w[0]));
	if (object(p, &c, w[2], 1, &a.target) != 0)
		return -1;
	a.subj = lesson_add_text(p->l, w[0], strlen(w[0]));
	if (add(p, &a) != 0)
		return -1;
	/* after add(): a variable is bound by a step, so vars[] cannot
	 * outgrow the steps' limit */
	if (!known_var(p, w[0]))
		p->vars[p->n_vars++] = a.subj;
	return 0;
}

static int p_collect(struct parser *p, const struct cmd *c, char **w, int n, const char *rest)
{
	struct lesson_action a = { .op = LESSON_COLLECT, .gen = -1, .obj = LESSON_NONE };
	char b[100];

	(void)rest;
	if (n > 2)
		return usage(p, c);
	if (p->l->gc == LESSON_GC_REFCOUNT)
		return fail(p, c->word, "'gc refcount' has no collector to run (use 'gc cpython' or 'gc mark-sweep')");
	if (n == 2) {
		if (p->l->gc == LESSON_GC_MARKSWEEP)
			return fail(p, c->word, "mark-and-sweep has no generations: write 'collect' alone");
		if (strlen(w[1]) != 1 || w[1][0] < '0' || w[1][0] > '2')
			return fail(p, c->word, "the generation is 0, 1 or 2, not '%s'", q(b, sizeof b, w[1]));
		a.gen = w[1][0] - '0';
	}
	return add(p, &a);
}

/* The text of say and title: the rest of the line, or a quoted string. */
static int text_arg(struct parser *p, const struct cmd *c, const char *rest, uint32_t *out)
{
	size_t len = strlen(rest);

	while (len && (rest[len - 1] == ' ' || rest[len - 1] == '\t'))
		len--;
	if (len && rest[0] == '"') {
		const char *end = strrchr(rest, '"');
		const char *after;

		if (end == rest)
			return fail(p, c->word, "the opening \" has no closing \"");
		for (after = end + 1; *after == ' ' || *after == '\t'; after++)
			;
		if (*after && *after != '#')
			return fail(p, c->word, "text after the closing \"");
		rest++;
		len = (size_t)(end - rest);
	}
	if (!len)
		return fail(p, c->word, "needs some text");
	*out = lesson_add_text(p->l, rest, len);
	return 0;
}

/* A say line; say lines in a row make one paragraph (one action, its
 * lines joined by newlines) until a blank line or another command. */
static int p_say(struct parser *p, const struct cmd *c, char **w, int n, const char *rest)
{
	struct lesson_action a = { .op = LESSON_SAY, .obj = LESSON_NONE };
	struct lesson *l = p->l;

	(void)w;
	(void)n;
	if (text_arg(p, c, rest, &a.text) != 0)
		return -1;
	if (p->say_open && l->n_actions && l->actions[l->n_actions - 1].op == LESSON_SAY) {
		struct lesson_action *prev = &l->actions[l->n_actions - 1];
		size_t a_len = strlen(lesson_text(l, prev->text)), b_len = strlen(lesson_text(l, a.text));
		char *joined = mem_alloc(a_len + b_len + 2);
		memcpy(joined, lesson_text(l, prev->text), a_len);
		joined[a_len] = '\n';
		memcpy(joined + a_len + 1, lesson_text(l, a.text), b_len + 1);
		prev->text = lesson_add_text(l, joined, a_len + b_len + 1);
		free(joined);
		return 0;
	}
	p->say_open = 1;
	return add(p, &a);
}

static int p_title(struct parser *p, const struct cmd *c, char **w, int n, const char *rest)
{
	(void)w;
	(void)n;
	if (p->title_line)
		return fail(p, c->word, "given twice (first at line %u)", (unsigned)p->title_line);
	p->title_line = p->line;
	return text_arg(p, c, rest, &p->l->title);
}

static int p_gc(struct parser *p, const struct cmd *c, char **w, int n, const char *rest)
{
	char b[100];

	(void)rest;
	if (n != 2)
		return usage(p, c);
	if (p->gc_line)
		return fail(p, c->word, "given twice (first at line %u)", (unsigned)p->gc_line);
	p->gc_line = p->line;
	if (strcmp(w[1], "cpython") == 0)
		p->l->gc = LESSON_GC_CPYTHON;
	else if (strcmp(w[1], "refcount") == 0)
		p->l->gc = LESSON_GC_REFCOUNT;
	else if (strcmp(w[1], "mark-sweep") == 0)
		p->l->gc = LESSON_GC_MARKSWEEP;
	else
		return fail(p, c->word, "unknown collector '%s' (cpython, refcount or mark-sweep)",
			    q(b, sizeof b, w[1]));
	return 0;
}

static int p_threshold(struct parser *p, const struct cmd *c, char **w, int n, const char *rest)
{
	char b[100];

	(void)rest;
	if (n != 4)
		return usage(p, c);
	if (p->threshold_line)
		return fail(p, c->word, "given twice (first at line %u)", (unsigned)p->threshold_line);
	p->threshold_line = p->line;
	for (int i = 0; i < 3; i++) {
		char *end;
		long v;

		errno = 0;
		v = strtol(w[i + 1], &end, 10);
		if (errno || *end || end == w[i + 1] || v < 0 || v > 1000000)
			return fail(p, c->word, "'%s' is not a count from 0 to 1000000",
				    q(b, sizeof b, w[i + 1]));
		p->l->threshold[i] = v;
	}
	p->l->has_threshold = 1;
	return 0;
}

static int p_python(struct parser *p, const struct cmd *c, char **w, int n, const char *rest)
{
	enum world_py py;
	char b[100];

	(void)rest;
	if (n != 2)
		return usage(p, c);
	if (p->python_line)
		return fail(p, c->word, "given twice (first at line %u)", (unsigned)p->python_line);
	p->python_line = p->line;
	if (world_py_parse(w[1], &py) != 0)
		return fail(p, c->word, "'%s' is not a version heapglass models (3.8 to 3.14)", q(b, sizeof b, w[1]));
	p->l->py = (int)py;
	return 0;
}

static const struct cmd commands[] = {
	{ .word = "title", .usage = "title TEXT", .parse = p_title, .header = 1 },
	{ .word = "gc", .usage = "gc cpython|refcount|mark-sweep", .parse = p_gc, .header = 1 },
	{ .word = "python", .usage = "python VERSION", .parse = p_python, .header = 1 },
	{ .word = "threshold", .usage = "threshold GEN0 GEN1 GEN2", .parse = p_threshold, .header = 1 },
	{ .word = "new", .usage = "new NAME [TYPE]", .parse = p_new, .op = LESSON_NEW },
	{ .word = "link", .usage = "link NAME.FIELD NAME", .parse = p_link, .op = LESSON_LINK },
	{ .word = "weak", .usage = "weak NAME.FIELD NAME [CALLBACK]", .parse = p_link, .op = LESSON_WEAK },
	{ .word = "unlink", .usage = "unlink NAME.FIELD", .parse = p_unlink, .op = LESSON_UNLINK },
	{ .word = "append", .usage = "append LIST NAME", .parse = p_append, .op = LESSON_APPEND },
	{ .word = "root", .usage = "root NAME", .parse = p_one, .op = LESSON_ROOT },
	{ .word = "unroot", .usage = "unroot NAME", .parse = p_one, .op = LESSON_UNROOT },
	{ .word = "del", .usage = "del NAME | del NAME.FIELD", .parse = p_del, .op = LESSON_UNROOT },
	{ .word = "finalizer", .usage = "finalizer NAME [resurrect]", .parse = p_finalizer, .op = LESSON_FINALIZER },
	{ .word = "collect", .usage = "collect [GEN]", .parse = p_collect, .op = LESSON_COLLECT },
	{ .word = "freeze", .usage = "freeze", .parse = p_none, .op = LESSON_FREEZE },
	{ .word = "unfreeze", .usage = "unfreeze", .parse = p_none, .op = LESSON_UNFREEZE },
	{ .word = "refcount", .usage = "refcount NAME", .parse = p_one, .op = LESSON_REFCOUNT },
	{ .word = "counts", .usage = "counts", .parse = p_none, .op = LESSON_COUNTS },
	{ .word = "tracemalloc", .usage = "tracemalloc", .parse = p_none, .op = LESSON_TRACEMALLOC },
	{ .word = "say", .usage = "say TEXT", .parse = p_say, .op = LESSON_SAY },
};

#define COMMAND_WORDS "title gc python threshold new link weak unlink append root unroot del finalizer " \
		      "collect freeze unfreeze refcount counts tracemalloc say, NAME = OTHER"

/* Parses one line (NUL-terminated, writable, no newline). */
static int parse_line(struct parser *p, char *s)
{
	char *w[MAX_WORDS];
	const struct cmd *c = NULL;
	char *word, *rest, b[100];
	int n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		p->say_open = 0;	/* a blank line ends a paragraph */
	if (!*s || *s == '#')
		return 0;
	word = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (*s)
		*s++ = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	rest = s;
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].word, word) == 0)
			c = &commands[i];
	if (!c && rest[0] == '=' && (rest[1] == ' ' || rest[1] == '\t')) {
		/* NAME = OTHER */
		char *other = rest + 2, *end;
		while (*other == ' ' || *other == '\t')
			other++;
		for (end = other; *end && *end != ' ' && *end != '\t' && *end != '#'; end++)
			;
		if (*end)
			*end++ = '\0';
		while (*end == ' ' || *end == '\t')
			end++;
		p->started = 1;
		p->say_open = 0;
		w[0] = word;
		w[1] = "=";
		w[2] = other;
		return p_assign(p, w, (*end && *end != '#') || !*other ? 4 : 3);
	}
	if (!c)
		return fail(p, NULL, "unknown command '%s' (commands: " COMMAND_WORDS ")", q(b, sizeof b, word));
	if (c->header && p->started)
		return fail(p, c->word, "must come before the first step of the lesson");
	if (c->parse != p_say)
		p->say_open = 0;
	if (c->parse == p_say || c->parse == p_title)
		goto parse;

	/* Words, up to a comment. */
	w[n++] = word;
	while (*s) {
		if (*s == '#')
			break;
		if (n == MAX_WORDS)
			return usage(p, c);
		w[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
	}
parse:
	if (!c->header)
		p->started = 1;
	return c->parse(p, c, w, n, rest);
}

int fmt_lesson_parse(const char *path, const char *text, size_t len, struct lesson **out,
		     struct error *err)
{
	struct parser p = { .path = path, .err = err };
	char *buf = mem_alloc(FMT_LESSON_MAX_LINE + 2);
	size_t i = 0;
	int rc = 0;

	p.l = lesson_new(path);
	while (i < len && rc == 0) {
		size_t start = i, n;

		p.line++;
		while (i < len && text[i] != '\n')
			i++;
		n = i - start;
		if (i < len)
			i++;	/* the newline */
		if (n && text[start + n - 1] == '\r')
			n--;
		if (memchr(text + start, '\0', n)) {
			rc = fail(&p, NULL, "a NUL byte: this is not a text file");
			break;
		}
		if (n > FMT_LESSON_MAX_LINE) {
			rc = fail(&p, NULL, "line longer than %d bytes", FMT_LESSON_MAX_LINE);
			break;
		}
		memcpy(buf, text + start, n);
		buf[n] = '\0';
		rc = parse_line(&p, buf);
	}
	free(buf);
	if (rc == 0 && p.l->n_actions == 0)
		rc = error_set(err, "%s: the lesson has no steps (new, link, say, collect, ...)", path);
	if (rc == 0 && p.threshold_line && p.l->gc != LESSON_GC_CPYTHON) {
		p.line = p.threshold_line;
		rc = fail(&p, "threshold", "only 'gc cpython' has generations and thresholds");
	}
	if (rc == 0 && !p.threshold_line)
		memcpy(p.l->threshold, world_py_info(lesson_py(p.l))->threshold, sizeof p.l->threshold);
	if (rc != 0) {
		lesson_free(p.l);
		return -1;
	}
	*out = p.l;
	return 0;
}

int fmt_lesson_load(const char *path, struct lesson **out, struct error *err)
{
	struct stat st;
	FILE *f;
	char *text;
	size_t len;
	int rc;

	if (stat(path, &st) != 0)
		return error_set(err, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return error_set(err, "%s: not a regular file", path);
	if (st.st_size > FMT_LESSON_MAX_BYTES)
		return error_set(err, "%s: too big for a lesson (over %d bytes)", path, FMT_LESSON_MAX_BYTES);
	f = fopen(path, "rb");
	if (!f)
		return error_set(err, "%s: %s", path, strerror(errno));
	text = mem_alloc((size_t)st.st_size + 1);
	len = fread(text, 1, (size_t)st.st_size + 1, f);
	if (ferror(f) || len > (size_t)st.st_size) {
		rc = error_set(err, "%s: %s", path, ferror(f) ? "read error" : "the file grew while being read");
	} else {
		rc = fmt_lesson_parse(path, text, len, out, err);
	}
	fclose(f);
	free(text);
	return rc;
}
