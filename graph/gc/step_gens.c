#include "graph/gc/step_gens.h"

#include "graph/gc/step_cpython.h"

void step_gens_collect(struct stepper *s, unsigned g)
{
	if (g >= STEPPER_GENS)
		g = STEPPER_GENS - 1;
	stepper_emit(s, STEPPER_COLLECT, STEPPER_COL_NONE, g, 0, STEPPER_Q_NONE, HEAP_NONE,
		     HEAP_NONE);
	step_cpython_run(s, g, 1);
}

int step_gens_auto(struct stepper *s)
{
	for (int i = STEPPER_GENS - 1; i >= 0; i--) {
		stepper_note(s, STEPPER_THRESHOLD, (uint32_t)i, s->gen_count[i], s->threshold[i]);
		if (s->gen_count[i] > s->threshold[i]) {
			step_gens_collect(s, (unsigned)i);
			return i;
		}
	}
	return -1;
}

int step_gens_alloc(struct stepper *s)
{
	stepper_emit(s, STEPPER_COUNT, STEPPER_COL_GENCOUNT, 0, s->gen_count[0] + 1, STEPPER_Q_NONE,
		     HEAP_NONE, HEAP_NONE);
	if (s->threshold[0] == 0 || s->gen_count[0] <= s->threshold[0])
		return -1;
	return step_gens_auto(s);
}
