#include "tui/core/list.h"

#include "tui/core/draw.h"
#include "tui/core/screen.h"

static void scroll_to_cursor(struct list *l, int center)
{
	uint32_t rows = l->rows > 0 ? (uint32_t)l->rows : 1;

	if (l->count == 0) {
		l->top = l->cur = 0;
		return;
	}
	if (l->cur >= l->count)
		l->cur = l->count - 1;
	if (l->cur < l->top || l->cur >= l->top + rows) {
		if (center)
			l->top = l->cur > rows / 2 ? l->cur - rows / 2 : 0;
		else if (l->cur < l->top)
			l->top = l->cur;
		else
			l->top = l->cur - rows + 1;
	}
	if (l->count > rows && l->top > l->count - rows)
		l->top = l->count - rows;
	if (l->count <= rows)
		l->top = 0;
}

void list_set_count(struct list *l, uint32_t count)
{
	l->count = count;
	scroll_to_cursor(l, 0);
}

void list_set_cursor(struct list *l, uint32_t i)
{
	l->cur = i;
	if (l->rows <= 0) {
		/* never drawn: the page height is not known yet */
		l->center_pending = 1;
		if (l->cur >= l->count)
			l->cur = l->count ? l->count - 1 : 0;
		return;
	}
	scroll_to_cursor(l, 1);
}

int list_move(struct list *l, enum action a)
{
	uint32_t page = l->rows > 1 ? (uint32_t)l->rows - 1 : 1;

	if (l->count == 0)
		return a == ACT_UP || a == ACT_DOWN || a == ACT_PGUP || a == ACT_PGDN ||
		       a == ACT_HOME || a == ACT_END;
	switch (a) {
	case ACT_UP:
		if (l->cur > 0)
			l->cur--;
		break;
	case ACT_DOWN:
		if (l->cur + 1 < l->count)
			l->cur++;
		break;
	case ACT_PGUP:
		l->cur = l->cur > page ? l->cur - page : 0;
		l->top = l->top > page ? l->top - page : 0;
		break;
	case ACT_PGDN:
		l->cur = l->cur + page < l->count ? l->cur + page : l->count - 1;
		l->top += page;
		break;
	case ACT_HOME:
		l->cur = 0;
		break;
	case ACT_END:
		l->cur = l->count - 1;
		break;
	default:
		return 0;
	}
	scroll_to_cursor(l, 0);
	return 1;
}

void list_draw(struct list *l, WINDOW *w, int y0, int rows, int cols, list_row_fn fn, void *ctx)
{
	l->rows = rows;
	l->y0 = y0;
	scroll_to_cursor(l, l->center_pending);
	l->center_pending = 0;
	for (int r = 0; r < rows; r++) {
		uint32_t i = l->top + (uint32_t)r;
		int sel = i == l->cur;

		draw_fill(w, y0 + r, 0, cols, sel ? screen_attr(ROLE_CURSOR) : A_NORMAL);
		if (i < l->count)
			fn(ctx, i, w, y0 + r, cols, sel);
	}
}

uint32_t list_row_at(const struct list *l, int y)
{
	uint32_t i;

	if (y < l->y0 || y >= l->y0 + l->rows)
		return UINT32_MAX;
	i = l->top + (uint32_t)(y - l->y0);
	return i < l->count ? i : UINT32_MAX;
}

/* From i, the nearest row skip() accepts in direction dir (+1/-1), then
 * the other way; i itself when there is none. */
static uint32_t accepted(const struct list *l, uint32_t i, int dir, list_skip_fn skip, void *ctx)
{
	for (int pass = 0; pass < 2; pass++, dir = -dir)
		for (int64_t j = i; j >= 0 && j < (int64_t)l->count; j += dir)
			if (!skip(ctx, (uint32_t)j))
				return (uint32_t)j;
	return i;
}

int list_move_skip(struct list *l, enum action a, list_skip_fn skip, void *ctx)
{
	int up = a == ACT_UP || a == ACT_PGUP || a == ACT_HOME;
	uint32_t top;

	if (!list_move(l, a))
		return 0;
	if (l->count == 0)
		return 1;
	top = l->top;
	l->cur = accepted(l, l->cur, up ? -1 : +1, skip, ctx);
	l->top = top;
	if (up) {
		/* only headings above: show them (the list's first lines) */
		uint32_t j = l->cur;
		while (j > 0 && skip(ctx, j - 1))
			j--;
		if (j == 0)
			l->top = 0;
	}
	scroll_to_cursor(l, 0);
	return 1;
}

void list_set_cursor_skip(struct list *l, uint32_t i, list_skip_fn skip, void *ctx)
{
	if (l->count == 0)
		return;
	if (i >= l->count)
		i = l->count - 1;
	list_set_cursor(l, accepted(l, i, +1, skip, ctx));
}
