/* fmt_csv: the heapglass CSV interchange format (docs/csv-format.md).
 *
 * A snapshot is a folder with nodes.csv and edges.csv, or a pair of files
 * whose names differ only in "nodes"/"edges"; the loader accepts any of the
 * three paths.  Read with libcsv, streaming, 1 MiB at a time; an edges file
 * of 1 MiB or more is parsed on a second thread while the nodes load (its
 * rows wait in a bounded queue of raw rows until the ids can be resolved).
 */
#ifndef HEAPGLASS_FMT_CSV_H
#define HEAPGLASS_FMT_CSV_H

#include "loaders/loader.h"

extern const struct loader fmt_csv;

#endif
