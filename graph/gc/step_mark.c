#include "graph/gc/step_mark.h"

void step_mark_run(struct stepper *s)
{
	const struct heap *h = s->heap;

	stepper_phase(s, STEPPER_PH_MARK);
	for (uint32_t r = 0; r < h->n_roots; r++) {
		heap_node_t v = h->roots[r].node;
		if (s->colour[v] == STEPPER_WHITE && !(s->flags[v] & STEPPER_F_FREED))
			stepper_emit(s, STEPPER_ROOT, STEPPER_COL_COLOUR, v, STEPPER_GREY,
				     STEPPER_Q_PUSH, HEAP_NONE, HEAP_NONE);
	}
	while (s->qhead < s->qtail) {
		heap_node_t v = s->queue[s->qhead];

		stepper_emit(s, STEPPER_POP, STEPPER_COL_COLOUR, v, STEPPER_BLACK, STEPPER_Q_POP,
			     HEAP_NONE, HEAP_NONE);
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
			heap_node_t w = h->out_to[e];

			if (s->flags[w] & STEPPER_F_FREED)
				continue;
			if (!stepper_edge_retains(h, v, e))
				stepper_emit(s, STEPPER_SKIP_WEAK, STEPPER_COL_NONE, w, s->colour[w],
					     STEPPER_Q_NONE, v, e);
			else if (s->colour[w] == STEPPER_WHITE)
				stepper_emit(s, STEPPER_SCAN, STEPPER_COL_COLOUR, w, STEPPER_GREY,
					     STEPPER_Q_PUSH, v, e);
			else
				stepper_emit(s, STEPPER_SCAN, STEPPER_COL_NONE, w, s->colour[w],
					     STEPPER_Q_NONE, v, e);
		}
	}

	stepper_phase(s, STEPPER_PH_SWEEP);
	for (uint32_t v = 0; v < s->n; v++)
		if (s->colour[v] == STEPPER_WHITE && !(s->flags[v] & STEPPER_F_FREED))
			stepper_emit(s, STEPPER_SWEEP, STEPPER_COL_FLAGS, v,
				     s->flags[v] | STEPPER_F_FREED, STEPPER_Q_NONE, HEAP_NONE,
				     HEAP_NONE);
	/* Weak references to what was swept now point nowhere. */
	for (uint32_t v = 0; v < s->n; v++) {
		if (s->flags[v] & STEPPER_F_FREED)
			continue;
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
			heap_node_t w = h->out_to[e];
			if (h->out_kind[e] == HEAP_EDGE_WEAK && s->colour[w] == STEPPER_WHITE)
				stepper_emit(s, STEPPER_WEAKCLEAR, STEPPER_COL_NONE, w, 0,
					     STEPPER_Q_NONE, v, e);
		}
	}
	stepper_phase(s, STEPPER_PH_DONE);
}
