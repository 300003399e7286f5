/* fmt_hprof: Java heap dumps in the HPROF binary format (docs/hprof-format.md).
 *
 * Reads "JAVA PROFILE 1.0.1", "1.0.2" and Android's "1.0.3" with 4- or
 * 8-byte identifiers, as written by `jcmd PID GC.heap_dump`, `jmap -dump`,
 * -XX:+HeapDumpOnOutOfMemoryError, HotSpotDiagnosticMXBean.dumpHeap() and
 * Android (before or after hprof-conv).
 *
 * The file is mapped read-only and walked three times: pass 1 collects the
 * UTF8 strings, LOAD_CLASS names and CLASS_DUMP layouts and counts objects;
 * pass 2 adds one node per object in file order; pass 3 adds roots and
 * references.  Pages already walked are dropped from the mapping as the
 * passes go, so a dump larger than memory still loads.
 *
 * What the loader makes of a dump (types, sizes, edge names and kinds,
 * roots) is stated in docs/hprof-format.md.
 */
#ifndef HEAPGLASS_FMT_HPROF_H
#define HEAPGLASS_FMT_HPROF_H

#include "loaders/loader.h"

extern const struct loader fmt_hprof;

#endif
