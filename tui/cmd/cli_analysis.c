#include "tui/cmd/cli_analysis.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "graph/core/text.h"
#include "graph/label.h"
#include "tui/cmd/cli.h"

int cli_analysis_open(struct cli_args *args, struct heap **h, struct analysis **a)
{
	int rc;

	if (args->argc != 1)
		return cli_usage(args->cmd, args->argc == 0 ? "a FILE is needed" : "one FILE only");
	rc = cli_open(args->argv[0], &args->common, h);
	if (rc != CLI_OK)
		return rc;
	rc = cli_analysis_run(*h, a);
	if (rc != CLI_OK) {
		heap_free(*h);
		*h = NULL;
	}
	return rc;
}

int cli_analysis_run(const struct heap *h, struct analysis **out)
{
	struct cli_progress cp;
	struct error err;
	int rc;

	cli_progress_begin(&cp);
	rc = analysis_run(h, &cp.prog, out, &err);
	cli_progress_end(&cp);
	if (rc)
		return cli_fail("analysis: %s", err.msg);
	return CLI_OK;
}

int cli_analysis_find(const struct command *cmd, const struct heap *h, const char *file,
		      const char *id, heap_node_t *out)
{
	uint64_t v;
	char safe[128];

	if (cli_parse_u64(id, &v) != 0) {
		error_quote(safe, sizeof safe, id, strlen(id));
		return cli_usage(cmd, "'%s' is not an object id (a decimal or 0x hex number)", safe);
	}
	*out = heap_find(h, v);
	if (*out == HEAP_NONE) {
		error_quote(safe, sizeof safe, file, strlen(file));
		return cli_fail("%s: no object with id %llu", safe, (unsigned long long)v);
	}
	return CLI_OK;
}

json_t *cli_analysis_node_json(const struct heap *h, heap_node_t v)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", cli_json_u64(h->id[v]));
	json_object_set_new(o, "type", cli_json_str(h, h->type[v]));
	json_object_set_new(o, "name", cli_json_str(h, h->name[v]));
	if (!label_has_name(h, v)) {
		char holder[256], safe[512];
		size_t len = label_holder(h, NULL, v, holder, sizeof holder);
		if (len) {
			text_escape(safe, sizeof safe, holder, len, 0);
			json_object_set_new(o, "holder", json_string(safe));
		}
	}
	if (h->n_locations) {
		char loc[128], safe[256];
		size_t len = label_location(h, v, loc, sizeof loc);
		if (len) {
			text_escape(safe, sizeof safe, loc, len, 0);
			json_object_set_new(o, "location", json_string(safe));
		}
	}
	return o;
}

const char *cli_analysis_node_text(const struct heap *h, heap_node_t v, char *buf, size_t size)
{
	char type[256], name[256], loc[128], where[260] = "";
	size_t ll = h->n_locations ? label_location(h, v, loc, sizeof loc) : 0;

	cli_str(h, h->type[v], type, sizeof type);
	if (label_has_name(h, v)) {
		cli_str(h, h->name[v], name, sizeof name);
	} else {
		/* no name of its own: named by what holds it, as in the viewer
		 * (label.h): "dict cache of __main__", "Array undoLog" */
		char holder[256];
		size_t len = label_holder(h, NULL, v, holder, sizeof holder);
		text_escape(name, sizeof name, holder, len, 0);
	}
	if (ll) {
		/* a V8 closure: where its code is (label.h) */
		where[0] = ' ';
		text_escape(where + 1, sizeof where - 1, loc, ll, 0);
	}
	/* (V8 names an object by its constructor, as its type:
	 * label_has_name() says it once) */
	if (*name)
		snprintf(buf, size, "%s %s%s @%llu", type, name, where, (unsigned long long)h->id[v]);
	else
		snprintf(buf, size, "%s%s @%llu", type, where, (unsigned long long)h->id[v]);
	return buf;
}

const char *cli_analysis_bytes(uint64_t bytes, char *buf, size_t size)
{
	return text_bytes(buf, size, bytes);
}
