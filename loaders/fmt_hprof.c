#include "loaders/fmt_hprof.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph/core/hmap.h"
#include "graph/core/mem.h"
#include "graph/core/text.h"

/* Top-level record tags. */
enum {
	TAG_UTF8 = 0x01,
	TAG_LOAD_CLASS = 0x02,
	TAG_UNLOAD_CLASS = 0x03,
	TAG_FRAME = 0x04,
	TAG_TRACE = 0x05,
	TAG_ALLOC_SITES = 0x06,
	TAG_HEAP_SUMMARY = 0x07,
	TAG_START_THREAD = 0x0a,
	TAG_END_THREAD = 0x0b,
	TAG_HEAP_DUMP = 0x0c,
	TAG_CPU_SAMPLES = 0x0d,
	TAG_CONTROL_SETTINGS = 0x0e,
	TAG_HEAP_DUMP_SEGMENT = 0x1c,
	TAG_HEAP_DUMP_END = 0x2c
};

/* Heap dump sub-record tags that are not roots. */
enum {
	SUB_CLASS_DUMP = 0x20,
	SUB_INSTANCE_DUMP = 0x21,
	SUB_OBJ_ARRAY_DUMP = 0x22,
	SUB_PRIM_ARRAY_DUMP = 0x23,
	SUB_UNREACHABLE = 0x90,		/* Android, obsolete: marks, is no root */
	SUB_PRIM_ARRAY_NODATA = 0xc3,	/* Android, obsolete: an array without its bytes */
	SUB_HEAP_DUMP_INFO = 0xfe	/* Android: the following objects are in heap X */
};

/* HPROF basic types. */
enum {
	T_OBJECT = 2,
	T_BOOLEAN = 4,
	T_CHAR = 5,
	T_FLOAT = 6,
	T_DOUBLE = 7,
	T_BYTE = 8,
	T_SHORT = 9,
	T_INT = 10,
	T_LONG = 11,
	T_LIMIT = 12
};

enum {
	LABEL_CHARS = 40,		/* characters of a String shown as its name */
	LABELS_AHEAD = 8,		/* String labels interned this many Strings late */
	REFS_AHEAD = 32,		/* references resolved this many references late */
	HEADER_MAX = 64,		/* the version string is shorter than this */
	RELEASE_STEP = 64 << 20,	/* drop walked pages every 64 MiB */
	WINDOW = 512 << 10,		/* bytes a walk reads at a time */
	ARRAY_BLOCK = 4096,		/* OBJ_ARRAY_DUMP elements read at a time */
	TICK_EVERY = 8192,		/* sub-records between progress ticks */
	PASS_LOCATE = 4			/* a walk that only finds two objects' offsets */
};

static const uint64_t WRAP = UINT64_C(1) << 32;	/* record lengths are 32-bit */

/* Root sub-records: the kind shown to users and the bytes that follow the
 * object id (ids and u4s).  Indexed by tag; kind NULL = not a root. */
static const struct root_tag {
	const char *kind;
	uint8_t ids;		/* extra identifiers after the object id */
	uint8_t bytes;		/* extra plain bytes after those */
} root_tags[256] = {
	[0x01] = { .kind = "JNI global", .ids = 1 },
	[0x02] = { .kind = "JNI local", .bytes = 8 },
	[0x03] = { .kind = "Java frame", .bytes = 8 },
	[0x04] = { .kind = "native stack", .bytes = 4 },
	[0x05] = { .kind = "sticky class" },
	[0x06] = { .kind = "thread block", .bytes = 4 },
	[0x07] = { .kind = "monitor used" },
	[0x08] = { .kind = "thread object", .bytes = 8 },
	[0x89] = { .kind = "interned string" },
	[0x8a] = { .kind = "finalizing" },
	[0x8b] = { .kind = "debugger" },
	[0x8c] = { .kind = "reference cleanup" },
	[0x8d] = { .kind = "VM internal" },
	[0x8e] = { .kind = "JNI monitor", .bytes = 8 },
	[0xff] = { .kind = "unknown" },
};

static const char *const record_names[256] = {
	[TAG_UTF8] = "UTF8", [TAG_LOAD_CLASS] = "LOAD_CLASS", [TAG_UNLOAD_CLASS] = "UNLOAD_CLASS",
	[TAG_FRAME] = "FRAME", [TAG_TRACE] = "TRACE", [TAG_ALLOC_SITES] = "ALLOC_SITES",
	[TAG_HEAP_SUMMARY] = "HEAP_SUMMARY", [TAG_START_THREAD] = "START_THREAD",
	[TAG_END_THREAD] = "END_THREAD", [TAG_HEAP_DUMP] = "HEAP_DUMP",
	[TAG_CPU_SAMPLES] = "CPU_SAMPLES", [TAG_CONTROL_SETTINGS] = "CONTROL_SETTINGS",
	[TAG_HEAP_DUMP_SEGMENT] = "HEAP_DUMP_SEGMENT", [TAG_HEAP_DUMP_END] = "HEAP_DUMP_END",
};

static const char *const sub_names[256] = {
	[0x01] = "ROOT_JNI_GLOBAL", [0x02] = "ROOT_JNI_LOCAL", [0x03] = "ROOT_JAVA_FRAME",
	[0x04] = "ROOT_NATIVE_STACK", [0x05] = "ROOT_STICKY_CLASS", [0x06] = "ROOT_THREAD_BLOCK",
	[0x07] = "ROOT_MONITOR_USED", [0x08] = "ROOT_THREAD_OBJECT",
	[SUB_CLASS_DUMP] = "CLASS_DUMP", [SUB_INSTANCE_DUMP] = "INSTANCE_DUMP",
	[SUB_OBJ_ARRAY_DUMP] = "OBJ_ARRAY_DUMP", [SUB_PRIM_ARRAY_DUMP] = "PRIM_ARRAY_DUMP",
	[0x89] = "ROOT_INTERNED_STRING", [0x8a] = "ROOT_FINALIZING", [0x8b] = "ROOT_DEBUGGER",
	[0x8c] = "ROOT_REFERENCE_CLEANUP", [0x8d] = "ROOT_VM_INTERNAL", [0x8e] = "ROOT_JNI_MONITOR",
	[SUB_UNREACHABLE] = "UNREACHABLE", [SUB_PRIM_ARRAY_NODATA] = "PRIMITIVE_ARRAY_NODATA",
	[SUB_HEAP_DUMP_INFO] = "HEAP_DUMP_INFO", [0xff] = "ROOT_UNKNOWN",
};

/* Bytes of a value of each basic type in the file (objects: the id size,
 * filled in at run time) and in memory (references: 4, compressed). */
static const uint8_t file_size[T_LIMIT] = {
	[T_BOOLEAN] = 1, [T_CHAR] = 2, [T_FLOAT] = 4, [T_DOUBLE] = 8,
	[T_BYTE] = 1, [T_SHORT] = 2, [T_INT] = 4, [T_LONG] = 8,
};

static const char *const prim_array_names[T_LIMIT] = {
	[T_BOOLEAN] = "boolean[]", [T_CHAR] = "char[]", [T_FLOAT] = "float[]",
	[T_DOUBLE] = "double[]", [T_BYTE] = "byte[]", [T_SHORT] = "short[]",
	[T_INT] = "int[]", [T_LONG] = "long[]",
};

/* Java's descriptor letters for primitive element types. */
static const struct {
	char letter;
	const char *name;
} descriptor_letters[] = {
	{ 'Z', "boolean" }, { 'C', "char" }, { 'F', "float" }, { 'D', "double" },
	{ 'B', "byte" }, { 'S', "short" }, { 'I', "int" }, { 'J', "long" },
};

/* The user graph (docs/user-graph.md, "Java HPROF", says why each rule is
 * there): the JVM's own bookkeeping, marked once per class in
 * finish_classes(), so that an object costs nothing more than a flags word
 * copied from its class.
 *
 * Instances of these classes and of their subclasses get these node flags.
 * Names are the JVM's (java/lang/ClassLoader); a name ending in '/' is a
 * package and every class in it or under it. */
static const struct class_rule {
	const char *name;
	uint16_t flags;
} class_rules[] = {
	/* referent is weak (field_rules): the object is a weak reference */
	{ "java/lang/ref/Reference", HEAP_F_WEAKREF },
	/* permanent infrastructure user objects hang from */
	{ "java/lang/ClassLoader", HEAP_F_ANCHOR },
	{ "java/lang/Module", HEAP_F_ANCHOR },
	{ "java/lang/ModuleLayer", HEAP_F_ANCHOR },
	{ "java/lang/module/Configuration", HEAP_F_ANCHOR },
	{ "java/lang/module/ResolvedModule", HEAP_F_ANCHOR },
	{ "java/lang/ThreadGroup", HEAP_F_ANCHOR },
	{ "java/nio/file/FileSystem", HEAP_F_ANCHOR },
	{ "java/nio/file/spi/FileSystemProvider", HEAP_F_ANCHOR },
	{ "java/security/Provider", HEAP_F_ANCHOR },
	{ "java/util/logging/LogManager", HEAP_F_ANCHOR },
	{ "java/util/logging/LogManager$", HEAP_F_ANCHOR },
	{ "java/io/ObjectStreamClass", HEAP_F_ANCHOR },
	{ "jdk/internal/jimage/", HEAP_F_ANCHOR },
	/* the JVM's code: method handles, lambda forms, call sites, the
	 * class files it spins for them and its reflection accessors */
	{ "java/lang/invoke/", HEAP_F_RUNTIME },
	{ "sun/invoke/", HEAP_F_RUNTIME },
	{ "jdk/internal/org/objectweb/asm/", HEAP_F_RUNTIME },
	{ "jdk/internal/reflect/", HEAP_F_RUNTIME },
};

/* Instance fields, by the class that declares them, that are not the
 * user's references: a weak referent, or the links the JDK keeps between
 * references it has to process (reference queues, finalization, cleaners).
 * Each rule's kind is what the field's references get. */
static const struct field_rule {
	const char *class_name;
	const char *field;
	uint8_t kind;
} field_rules[] = {
	/* ART's class pointer, a field of java.lang.Object since Android 6 */
	{ "java/lang/Object", "shadow$_klass_", HEAP_EDGE_INTERNAL | HEAP_EDGE_META },
	{ "java/lang/ref/Reference", "referent", HEAP_EDGE_WEAK },
	{ "java/lang/ref/Reference", "next", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/lang/ref/Reference", "discovered", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/lang/ref/Finalizer", "next", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/lang/ref/Finalizer", "prev", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/lang/ref/FinalizerReference", "next", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/lang/ref/FinalizerReference", "prev", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "jdk/internal/ref/Cleaner", "next", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "jdk/internal/ref/Cleaner", "prev", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "sun/misc/Cleaner", "next", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "sun/misc/Cleaner", "prev", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "jdk/internal/ref/PhantomCleanable", "next", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "jdk/internal/ref/PhantomCleanable", "prev", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "jdk/internal/ref/PhantomCleanable", "list", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "jdk/internal/ref/WeakCleanable", "next", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "jdk/internal/ref/WeakCleanable", "prev", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "jdk/internal/ref/WeakCleanable", "list", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "jdk/internal/ref/SoftCleanable", "next", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "jdk/internal/ref/SoftCleanable", "prev", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "jdk/internal/ref/SoftCleanable", "list", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	/* a descriptor's back links to the streams that share it */
	{ "java/io/FileDescriptor", "parent", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/io/FileDescriptor", "otherParents", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	/* the object a stream synchronizes on (itself by default) */
	{ "java/io/Writer", "lock", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/io/Reader", "lock", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/Collections$SynchronizedCollection", "mutex", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/Collections$SynchronizedMap", "mutex", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	/* what a parked thread waits on (diagnostics: LockSupport.getBlocker),
	 * and a pool worker's handle on the thread that runs it */
	{ "java/lang/Thread", "parkBlocker", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/concurrent/ThreadPoolExecutor$Worker", "thread", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	/* the writers a PrintStream makes over itself to print text */
	{ "java/io/PrintStream", "charOut", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/io/PrintStream", "textOut", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	/* back links of the JDK's collections, which shark's readers do not
	 * follow either: from an entry to the one before it or its parent,
	 * from a view to its map (inner classes' this$0 are already) */
	{ "java/util/LinkedList$Node", "prev", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/LinkedHashMap$Entry", "before", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/TreeMap$Entry", "parent", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/TreeMap$KeySet", "m", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/HashMap$TreeNode", "parent", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/HashMap$TreeNode", "prev", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/concurrent/ConcurrentHashMap$TreeNode", "parent", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/concurrent/ConcurrentHashMap$TreeNode", "prev", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/concurrent/ConcurrentHashMap$CollectionView", "map", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/concurrent/ConcurrentSkipListMap$KeySet", "m", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/concurrent/ConcurrentSkipListMap$Values", "m", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/concurrent/ConcurrentSkipListMap$EntrySet", "m", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/concurrent/ConcurrentLinkedDeque$Node", "prev", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/concurrent/LinkedBlockingDeque$Node", "prev", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/concurrent/locks/AbstractQueuedSynchronizer$Node", "prev", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/concurrent/locks/AbstractQueuedLongSynchronizer$Node", "prev", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/stream/AbstractPipeline", "nextStage", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	/* caches' back links from an entry's reference to its key */
	{ "java/lang/ClassValue$Version", "classValue", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/ResourceBundle$KeyElementReference", "cacheKey", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/ResourceBundle$BundleReference", "cacheKey", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	/* a native resource's handle on the cleaner that frees it */
	{ "java/util/zip/Deflater$DeflaterZStreamRef", "cleanable", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/util/zip/Inflater$InflaterZStreamRef", "cleanable", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	/* object streams' block-data streams and the data streams over them */
	{ "java/io/ObjectInputStream$BlockDataInputStream", "din", HEAP_EDGE_STRONG | HEAP_EDGE_META },
	{ "java/io/ObjectOutputStream$BlockDataOutputStream", "dout", HEAP_EDGE_STRONG | HEAP_EDGE_META },
};

/* The kinds of the references the dump states outside fields: every
 * object's class, a class's superclass, loader, signers and protection
 * domain, its constant pool and HotSpot's <resolved_references> static. */
#define KIND_CLASS_META (HEAP_EDGE_INTERNAL | HEAP_EDGE_META)
#define KIND_POOL_META (HEAP_EDGE_STRONG | HEAP_EDGE_META)

/* The loader's own bit in a field's kind, never given to the builder: a
 * reference from the object to itself is HEAP_EDGE_META.  Set on every
 * reference field a class of the boot loader declares (the JDK's "this"
 * sentinels: Throwable.cause, Writer.lock, a list head's prev and next). */
#define KIND_SELF_META 0x40u

/* The id maps (strings, loaded classes, classes) give HEAP_NONE for an
 * id they do not have. */
_Static_assert(HMAP_NONE == HEAP_NONE, "hmap's 'absent' is the heap's");

/* A reference-typed instance field of one class (its own, not inherited). */
struct jfield {
	uint64_t name_id;	/* UTF8 id of the name */
	heap_str_t name;	/* interned after pass 1 */
	uint32_t offset;	/* within this class's part of the instance bytes */
	uint8_t kind;		/* enum heap_edge_kind, with HEAP_EDGE_META */
};

enum class_state {
	CLASS_NEW,
	CLASS_ACTIVE,		/* on the superclass walk now: meeting it again is a loop */
	CLASS_DONE
};

struct jclass {
	uint64_t id;
	uint64_t super_id;
	uint64_t offset;	/* of the CLASS_DUMP sub-record */
	uint64_t own_bytes;	/* bytes of its own fields in an INSTANCE_DUMP */
	uint64_t own_mem;	/* the same without references (their count: own_refs) */
	uint64_t total_bytes;	/* own + every superclass's: an instance's byte count */
	uint64_t total_mem;
	uint64_t statics_mem;	/* static values without references ... */
	uint32_t own_refs;	/* reference-typed instance fields of its own */
	uint32_t statics_refs;	/* ... and reference-typed statics */
	uint32_t pool_refs;	/* reference-typed constant pool entries */
	uint64_t total_refs;	/* own + every superclass's reference fields */
	uint64_t shallow;	/* shallow size of one instance */
	uint32_t inst_size;	/* as the CLASS_DUMP says */
	uint32_t super;		/* index into classes, HEAP_NONE at the top */
	uint32_t field_first;	/* own reference fields: fields[first .. first+count) */
	uint32_t field_count;
	heap_node_t node;	/* the class object's node (pass 2) */
	heap_str_t name;	/* Java name, "java.lang.String" */
	uint8_t state;		/* enum class_state */
	uint16_t inst_flags;	/* node flags of its instances (class_rules) */
	uint8_t boot;		/* loaded by the boot loader: the JDK's own */
};

/* A rank bitmap over the object ids, for dumps whose ids are aligned
 * addresses in a few dense ranges (every HotSpot dump: the Java heap and
 * the CDS archive): slot d = (id - min) >> shift; the slots are cut into
 * chunks of 2^16, a directory maps each chunk to its bitmap words (or none),
 * and the node of an id is its word's base plus the set bits before it in
 * the word: nodes are numbered in file order, and a dump lists most objects
 * in address order (words where it does not go through perm).  One mostly
 * cached lookup instead of two random misses in a hash table. */
enum {
	CHUNK_SHIFT = 16,			/* id slots per chunk: 2^16 */
	CHUNK_WORDS = 1 << (CHUNK_SHIFT - 6)
};

struct idword {
	uint64_t bits;
	uint32_t base;		/* node of the first set bit, or its rank when indirect */
	uint32_t indirect;	/* the nodes of this word are not consecutive: use perm */
};

struct idindex {
	struct idword *words;	/* NULL: not built, use heap_builder_find */
	uint32_t *dir;		/* chunk -> first word, HEAP_NONE: empty chunk */
	uint64_t min;
	uint64_t nchunks;
	unsigned shift;
	uint32_t *perm;		/* the nodes of the indirect words, in id order */
};

/* A String's label waiting to be interned (pass 2): its node and text. */
struct label {
	heap_node_t node;
	uint32_t len;
	char text[LABEL_CHARS * 4 + 8];
};

/* A reference waiting to be added (pass 3): to an object id, or (direct)
 * to a node known already. */
struct pending_ref {
	uint64_t id;
	heap_node_t from, to;
	uint32_t name;
	uint8_t kind;
	uint8_t direct;
};

/* A byte[] or char[] and its sub-record offset (String labels). */
struct arrpos {
	uint64_t id;
	uint64_t at;
};

/* The object layouts of 64-bit HotSpot (docs/hprof-format.md). */
enum layout {
	LAYOUT_COOPS,		/* compressed oops and class pointers: heaps < 32 GB */
	LAYOUT_WIDE,		/* 8-byte references, compressed class pointers (JDK 15+) */
	LAYOUT_WIDE_KLASS,	/* 8-byte references and class pointers (JDK 8-14) */
	N_LAYOUTS
};

static const struct {
	uint8_t hdr_obj, hdr_arr, ref;
} layouts[N_LAYOUTS] = {
	[LAYOUT_COOPS] = { .hdr_obj = 12, .hdr_arr = 16, .ref = 4 },
	[LAYOUT_WIDE] = { .hdr_obj = 12, .hdr_arr = 16, .ref = 8 },
	[LAYOUT_WIDE_KLASS] = { .hdr_obj = 16, .hdr_arr = 24, .ref = 8 },
};

/* The file is read two ways.  The walks read it front to back through a
 * window, a buffer that pread() fills (on a loaded 2-core machine a third
 * of the cost of faulting the same bytes in through a mapping, and no file
 * pages in the resident set): hp->map + off is byte off of the file for
 * off in [win_lo, win_hi), which holds the sub-record being read (from
 * hp->cur on).  What is read out of order (names in UTF8 records, a
 * String's value array, a CLASS_DUMP again) is read through the mapping,
 * hp->file + off. */
struct hp {
	const char *path;
	const uint8_t *map;	/* the window, indexed by file offset */
	const uint8_t *file;	/* the whole file, mapped */
	uint64_t size;
	int fd;
	uint8_t *buf;		/* the window's bytes */
	size_t buf_cap;
	uint64_t win_lo, win_hi, cur;
	unsigned idsz;
	int version;		/* 1, 2 or 3: "JAVA PROFILE 1.0.x" */
	int art;		/* Android runtime: sizes as ART states them */
	uint64_t body;		/* offset of the first record */
	struct heap_builder *b;
	struct progress *prog;
	struct error *err;
	int pass;
	uint64_t released;	/* mapping below this offset was given back */
	uint64_t ticks;

	/* UTF8 records: id -> index of (offset, length) */
	struct hmap strmap;
	uint64_t *str_off;
	uint32_t *str_len;
	size_t n_str, cap_str;
	/* Per UTF8 record, its interned form and its Java class name form,
	 * made the first time they are asked for (0: not yet): a name that a
	 * million fields, classes or arrays share is copied and hashed once.
	 * Allocated when first needed, once every UTF8 record is read. */
	heap_str_t *str_interned, *str_java;

	/* LOAD_CLASS records: class object id -> name UTF8 id */
	struct hmap lcmap;
	uint64_t *lc_name;
	size_t n_lc, cap_lc;

	/* CLASS_DUMP records */
	struct hmap clsmap;
	struct jclass *cls;
	size_t n_cls, cap_cls;
	struct jfield *fld;
	size_t n_fld, cap_fld;

	int saw_dump, dump_done, saw_info;
	uint64_t n_objects;	/* counted by pass 1 */
	uint64_t edges_max;	/* pass 2: references pass 3 may add, at most */
	uint32_t next_node;	/* passes 3 and 4: node index of the next object */
	uint8_t category;	/* pass 2: the Android heap of the next objects */

	/* the shallow size rule (docs/hprof-format.md) */
	uint64_t hdr_obj, hdr_arr;
	unsigned ref_size;
	/* pass 1: which 64-bit layout the addresses show.  After an array,
	 * the next object's address minus the array's is the array's size in
	 * memory, which differs between the layouts. */
	uint64_t prev_arr, prev_size[N_LAYOUTS];
	uint64_t votes[N_LAYOUTS];

	heap_str_t s_class, s_super, s_loader, s_signers, s_domain, s_cpool, s_jlclass;
	heap_str_t s_resolved;		/* HotSpot's "<resolved_references>" static */
	heap_str_t root_kind[256];
	heap_str_t prim_type[T_LIMIT];
	uint32_t prim_class[T_LIMIT];	/* class index of "int[]" etc., or HEAP_NONE */
	uint32_t jlclass;		/* class index of java.lang.Class, or HEAP_NONE */

	struct idindex idx;

	/* java.lang.String labels: the class, where its value and coder are in
	 * an instance's bytes, and byte[]/char[] id -> sub-record offset */
	uint32_t jlstring;
	int64_t str_value_at, str_coder_at;	/* -1: no such field */
	struct arrpos *arr;		/* sorted by id after pass 1 */
	size_t n_arr, cap_arr, arr_cursor;
	/* the labels of the last Strings, interned LABELS_AHEAD Strings late:
	 * interning a new string costs a cache miss in the intern table, which
	 * the prefetch made when the label was read has hidden by then.  Any
	 * other string pass 2 interns waits until they are (labels_flush()),
	 * so strings are interned in file order as before. */
	struct label labels[LABELS_AHEAD];
	unsigned label_first, n_labels;
	/* pass 3: the last references, added REFS_AHEAD references late, in
	 * the order they came: the lookup of an id costs a cache miss in
	 * the index (a random reference), which the prefetch made when it
	 * was read has hidden by then */
	struct pending_ref refs[REFS_AHEAD];
	unsigned ref_first, n_refs;

	/* PASS_LOCATE: which node indexes to find, and where they were */
	heap_node_t find_a, find_b;
	uint64_t at_a, at_b;
};

/* ---- small helpers ---- */

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

/* Big-endian reads: one load and a byte swap where the machine is
 * little-endian (every field read of the scan goes through these). */
static uint32_t be32(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint32_t v;

	memcpy(&v, p, 4);
	return __builtin_bswap32(v);
#else
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
#endif
}

static uint64_t be64(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t v;

	memcpy(&v, p, 8);
	return __builtin_bswap64(v);
#else
	return (uint64_t)be32(p) << 32 | be32(p + 4);
#endif
}

static inline uint64_t rd_id(const struct hp *hp, uint64_t at)
{
	return hp->idsz == 8 ? be64(hp->map + at) : be32(hp->map + at);
}

/* The same, out of order: through the mapping. */
static uint64_t rd_file_id(const struct hp *hp, uint64_t at)
{
	return hp->idsz == 8 ? be64(hp->file + at) : be32(hp->file + at);
}

static uint64_t align8(uint64_t v)
{
	return (v + 7) & ~(uint64_t)7;
}

static uint64_t round_up(uint64_t v, uint64_t to)
{
	return to ? (v + to - 1) / to * to : v;
}

/* Bytes of a value of basic type t in the file, 0 for an invalid type. */
static unsigned value_size(const struct hp *hp, unsigned t)
{
	if (t == T_OBJECT)
		return hp->idsz;
	return t < T_LIMIT ? file_size[t] : 0;
}

/* Bytes of a primitive value of type t in the runtime's memory (references
 * are counted apart: their size depends on the layout, hp->ref_size). */
static unsigned mem_size(unsigned t)
{
	return t == T_OBJECT ? 0 : file_size[t];
}

static int fail_at(struct hp *hp, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(struct hp *hp, uint64_t off, const char *fmt, ...)
{
	char msg[ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return error_set(hp->err, "%s: offset %llu: %s", hp->path, (unsigned long long)off, msg);
}

static const char *sub_name(unsigned tag)
{
	return sub_names[tag] ? sub_names[tag] : "sub-record";
}

/* ---- the window ---- */

/* Reads the file's bytes [from, upto) (upto <= size), and as many after
 * them as the window holds, into the window.  Returns 0, or -1 with the
 * error filled. */
static int fill(struct hp *hp, uint64_t from, uint64_t upto)
{
	uint64_t want = upto - from, got = 0;

	if (want < WINDOW)
		want = WINDOW;
	if (want > hp->size - from)
		want = hp->size - from;
	if (want > hp->buf_cap) {
		free(hp->buf);
		hp->buf_cap = (size_t)want;
		hp->buf = mem_alloc(hp->buf_cap);
	}
	while (got < want) {
		ssize_t r = pread(hp->fd, hp->buf + got, (size_t)(want - got), (off_t)(from + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			hp->win_lo = hp->win_hi = 0;
			if (r < 0)
				return fail_at(hp, from + got, "cannot read the file: %s", strerror(errno));
			return fail_at(hp, from + got, "the file ends early: it was cut short while being read");
		}
		got += (uint64_t)r;
	}
	hp->win_lo = from;
	hp->win_hi = from + want;
	/* the window's base, shifted back by its offset: hp->map + off is
	 * file byte off for off in [win_lo, win_hi) */
	hp->map = (const uint8_t *)((uintptr_t)hp->buf - (uintptr_t)from);
	return 0;
}

/* Makes the bytes [hp->cur, upto) readable through hp->map (upto <= size).
 * Returns 0, or -1 with the error filled. */
static inline int ensure(struct hp *hp, uint64_t upto)
{
	if (hp->cur >= hp->win_lo && upto <= hp->win_hi)
		return 0;
	return fill(hp, hp->cur, upto);
}

/* The bytes [at, at + n) of the file (inside it), from the window when they
 * are in it, else through the mapping. */
static const uint8_t *bytes_at(const struct hp *hp, uint64_t at, uint64_t n)
{
	return at >= hp->win_lo && at <= hp->win_hi && n <= hp->win_hi - at ? hp->map + at : hp->file + at;
}

/* A sub-record at `at` (hp->cur) needs n more bytes from p, inside a record
 * ending at end: checks that they are there, and reads them into the
 * window.  Returns 0, or -1 with the error filled. */
static inline int need(struct hp *hp, uint64_t at, uint64_t p, uint64_t n, uint64_t end)
{
	if (p <= end && n <= end - p)
		return ensure(hp, p + n);
	if (end == hp->size)
		return fail_at(hp, at, "%s sub-record cut short by the end of the file (truncated dump?)",
			       sub_name(hp->map[at]));
	return fail_at(hp, at, "%s sub-record runs past the end of its heap dump record (offset %llu)",
		       sub_name(hp->map[at]), (unsigned long long)end);
}

/* ---- growable arrays ---- */

/* Makes room for one more element in a growable array. */
static void *grow(void *p, size_t n, size_t *cap, size_t elem)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 256;
	return mem_realloc_array(p, *cap, elem);
}

/* ---- names ---- */

/* Interns the oldest waiting String label and names its node with it. */
static void label_intern(struct hp *hp)
{
	struct label *l = &hp->labels[hp->label_first];
	struct heap_builder_view v;
	heap_str_t s = heap_builder_intern(hp->b, l->text, l->len);

	heap_builder_view(hp->b, &v);
	v.name[l->node] = s;
	hp->label_first = (hp->label_first + 1) % LABELS_AHEAD;
	hp->n_labels--;
}

/* Interns every waiting String label: before any other string is. */
static void labels_flush(struct hp *hp)
{
	while (hp->n_labels)
		label_intern(hp);
}

/* Interns the UTF8 string with the given id, or "<unresolved 0x..>". */
static heap_str_t utf8_intern(struct hp *hp, uint64_t id)
{
	uint32_t i = hmap_get(&hp->strmap, id);
	char buf[64];

	labels_flush(hp);
	if (i != HEAP_NONE) {
		if (!hp->str_interned)
			hp->str_interned = mem_calloc(hp->n_str + 1, sizeof *hp->str_interned);
		if (!hp->str_interned[i])
			hp->str_interned[i] = heap_builder_intern(hp->b, (const char *)hp->file + hp->str_off[i],
								  hp->str_len[i]);
		return hp->str_interned[i];
	}
	snprintf(buf, sizeof buf, "<unresolved name 0x%llx>", (unsigned long long)id);
	return heap_builder_intern_cstr(hp->b, buf);
}

/* Turns a JVM internal class name into the Java form and interns it:
 * "java/lang/String" -> "java.lang.String", "[I" -> "int[]",
 * "[[Ljava/lang/Object;" -> "java.lang.Object[][]".  Names that are not
 * well-formed descriptors keep their text (slashes become dots). */
static heap_str_t java_name(struct hp *hp, const uint8_t *s, size_t len)
{
	char *out = mem_alloc(len * 2 + 16);
	size_t dims = 0, n = 0;
	const uint8_t *elem = s;
	size_t elen = len;
	const char *prim = NULL;
	heap_str_t r;

	while (dims < len && s[dims] == '[')
		dims++;
	if (dims && dims < len) {
		if (s[dims] == 'L' && len - dims >= 3 && s[len - 1] == ';') {
			elem = s + dims + 1;
			elen = len - dims - 2;
		} else if (len - dims == 1) {
			for (size_t k = 0; k < sizeof descriptor_letters / sizeof descriptor_letters[0]; k++)
				if (descriptor_letters[k].letter == (char)s[dims])
					prim = descriptor_letters[k].name;
		}
		if (elem == s && !prim)
			dims = 0;	/* not a descriptor: keep the text */
	} else {
		dims = 0;
	}
	if (prim) {
		n = strlen(prim);
		memcpy(out, prim, n);
	} else {
		for (size_t i = 0; i < elen; i++)
			out[n++] = elem[i] == '/' ? '.' : (char)elem[i];
	}
	for (size_t d = 0; d < dims; d++) {
		out[n++] = '[';
		out[n++] = ']';
	}
	r = heap_builder_intern(hp->b, out, n);
	free(out);
	return r;
}

/* The Java name of the class with object id `id`, from LOAD_CLASS. */
static heap_str_t class_name_by_id(struct hp *hp, uint64_t id)
{
	uint32_t lc = hmap_get(&hp->lcmap, id);
	uint32_t s = lc == HEAP_NONE ? HEAP_NONE : hmap_get(&hp->strmap, hp->lc_name[lc]);
	char buf[64];

	labels_flush(hp);
	if (s != HEAP_NONE) {
		if (!hp->str_java)
			hp->str_java = mem_calloc(hp->n_str + 1, sizeof *hp->str_java);
		if (!hp->str_java[s])
			hp->str_java[s] = java_name(hp, hp->file + hp->str_off[s], hp->str_len[s]);
		return hp->str_java[s];
	}
	snprintf(buf, sizeof buf, "unknown class 0x%llx", (unsigned long long)id);
	return heap_builder_intern_cstr(hp->b, buf);
}

/* The raw name of a class for an error message (quoted, cut to fit). */
static const char *class_text(const struct hp *hp, uint64_t id, char *buf, size_t size)
{
	uint32_t lc = hmap_get(&hp->lcmap, id);
	uint32_t s = lc == HEAP_NONE ? HEAP_NONE : hmap_get(&hp->strmap, hp->lc_name[lc]);

	if (s == HEAP_NONE) {
		snprintf(buf, size, "0x%llx", (unsigned long long)id);
		return buf;
	}
	return error_quote(buf, size, (const char *)hp->file + hp->str_off[s],
			   hp->str_len[s] > 60 ? 60 : hp->str_len[s]);
}

static int str_is(const struct hp *hp, uint32_t s, const char *text)
{
	size_t n = strlen(text);

	return s != HEAP_NONE && hp->str_len[s] == n && memcmp(hp->file + hp->str_off[s], text, n) == 0;
}

/* Whether UTF8 string s starts with text. */
static int str_has_prefix(const struct hp *hp, uint32_t s, const char *text)
{
	size_t n = strlen(text);

	return s != HEAP_NONE && hp->str_len[s] >= n && memcmp(hp->file + hp->str_off[s], text, n) == 0;
}

/* Whether the class named by UTF8 string s is in the package or the
 * class that `outer` names and ends with '/' or '$' ("java/lang/invoke/",
 * "java/util/logging/LogManager$"), or under it. */
static int str_in_package(const struct hp *hp, uint32_t s, const char *outer)
{
	size_t n = strlen(outer);

	return n && (outer[n - 1] == '/' || outer[n - 1] == '$') && str_has_prefix(hp, s, outer);
}

/* ---- the builder side ---- */

static int add_node(struct hp *hp, uint64_t at, uint64_t id, heap_str_t type, heap_str_t name,
		    uint64_t size, uint16_t flags)
{
	struct heap_node_rec rec = {
		.id = id, .type = type, .name = name, .size = size, .flags = flags,
		.generation = HEAP_GEN_UNKNOWN, .category = hp->category,
	};

	if (id == 0)
		return fail_at(hp, at, "%s with object id 0 (0 means null)", sub_name(hp->map[at]));
	if (heap_builder_add_node(hp->b, &rec, hp->err) == HEAP_NONE) {
		char msg[ERROR_MSG_MAX];
		snprintf(msg, sizeof msg, "%s", hp->err->msg);
		return fail_at(hp, at, "%s", msg);
	}
	return 0;
}

/* Set bits in v (no popcnt instruction is assumed). */
static uint32_t popcount64(uint64_t v)
{
	v = v - ((v >> 1) & UINT64_C(0x5555555555555555));
	v = (v & UINT64_C(0x3333333333333333)) + ((v >> 2) & UINT64_C(0x3333333333333333));
	v = (v + (v >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
	return (uint32_t)((v * UINT64_C(0x0101010101010101)) >> 56);
}

/* The bitmap word and bit of id, or NULL. */
static const struct idword *slot(const struct idindex *x, uint64_t id, uint64_t *bit)
{
	uint64_t d, c;
	uint32_t w;

	if (id < x->min)
		return NULL;
	d = id - x->min;
	if (d & ((UINT64_C(1) << x->shift) - 1))
		return NULL;
	d >>= x->shift;
	c = d >> CHUNK_SHIFT;
	if (c >= x->nchunks || (w = x->dir[c]) == HEAP_NONE)
		return NULL;
	*bit = UINT64_C(1) << (d & 63);
	return &x->words[w + ((d >> 6) & (CHUNK_WORDS - 1))];
}

/* The node of object `id`, or HEAP_NONE. */
static heap_node_t find(const struct hp *hp, uint64_t id)
{
	const struct idindex *x = &hp->idx;
	const struct idword *w;
	uint64_t bit;
	uint32_t r;

	if (!x->words)
		return heap_builder_find(hp->b, id);
	w = slot(x, id, &bit);
	if (!w || !(w->bits & bit))
		return HEAP_NONE;
	r = w->base + popcount64(w->bits & (bit - 1));
	return w->indirect ? x->perm[r] : r;
}

/* A hint that find(hp, id) is coming: starts loading its bitmap word. */
static inline void find_prefetch(const struct hp *hp, uint64_t id)
{
	const struct idindex *x = &hp->idx;
	const struct idword *w;
	uint64_t bit;

	if (!x->words) {
		heap_builder_prefetch_id(hp->b, id);
		return;
	}
	w = slot(x, id, &bit);
	if (w)
		__builtin_prefetch(w);
}

static void index_free(struct idindex *x)
{
	free(x->words);
	free(x->dir);
	free(x->perm);
	memset(x, 0, sizeof *x);
}

/* Builds hp->idx when the ids are dense enough (directory and bitmaps
 * within about 64 bytes per object).  Returns 0, or 1 when it was not built
 * (sparse ids, or a duplicate id: the caller then uses heap_builder_index,
 * which names it). */
static int index_build(struct hp *hp)
{
	struct idindex *x = &hp->idx;
	struct heap_builder_view view;
	uint32_t n = heap_builder_count(hp->b), nwords = 0;
	uint64_t min = UINT64_MAX, max = 0, differ = 0, indirect = 0;

	if (n == 0)
		return 1;
	heap_builder_view(hp->b, &view);
	/* the low bits every id shares with the first are the ones every
	 * id - min has zero */
	for (uint32_t v = 0; v < n; v++) {
		min = heap_builder_view_id(&view, v) < min ? heap_builder_view_id(&view, v) : min;
		max = heap_builder_view_id(&view, v) > max ? heap_builder_view_id(&view, v) : max;
		differ |= heap_builder_view_id(&view, v) ^ heap_builder_view_id(&view, 0);
	}
	x->min = min;
	x->shift = differ ? (unsigned)__builtin_ctzll(differ) : 0;
	x->nchunks = (((max - min) >> x->shift) >> CHUNK_SHIFT) + 1;
	if (x->nchunks > (uint64_t)n * 4 + 65536)
		return 1;
	x->dir = mem_alloc((size_t)x->nchunks * sizeof *x->dir);
	memset(x->dir, 0xff, (size_t)x->nchunks * sizeof *x->dir);
	for (uint32_t v = 0; v < n; v++) {
		uint64_t c = ((heap_builder_view_id(&view, v) - min) >> x->shift) >> CHUNK_SHIFT;
		if (x->dir[c] == HEAP_NONE) {
			if ((uint64_t)nwords + CHUNK_WORDS > (uint64_t)n * 4 + CHUNK_WORDS * 64) {
				index_free(x);
				return 1;
			}
			x->dir[c] = nwords;
			nwords += CHUNK_WORDS;
		}
	}
	/* words in chunk order, so that ranks follow id order */
	nwords = 0;
	for (uint64_t c = 0; c < x->nchunks; c++)
		if (x->dir[c] != HEAP_NONE) {
			x->dir[c] = nwords;
			nwords += CHUNK_WORDS;
		}
	x->words = mem_calloc(nwords, sizeof *x->words);
	/* the bits; a word maps directly (base + rank) while each node set in
	 * it is the one after the last, at a bit above the others: its nodes
	 * are consecutive and in id order */
	for (uint32_t v = 0; v < n; v++) {
		uint64_t bit;
		struct idword *w = (struct idword *)slot(x, heap_builder_view_id(&view, v), &bit);
		if (w->bits & bit) {
			index_free(x);
			return 1;
		}
		if (!w->bits)
			w->base = v;
		else if (!w->indirect && (bit < w->bits || v != w->base + popcount64(w->bits)))
			w->indirect = 1;
		w->bits |= bit;
	}
	/* the others (few: class objects out of order) keep their nodes in
	 * perm, in id order */
	for (uint32_t w = 0; w < nwords; w++)
		if (x->words[w].indirect) {
			x->words[w].base = (uint32_t)indirect;
			indirect += popcount64(x->words[w].bits);
		}
	if (indirect) {
		x->perm = mem_alloc((size_t)indirect * sizeof *x->perm);
		for (uint32_t v = 0; v < n; v++) {
			uint64_t bit;
			const struct idword *w = slot(x, heap_builder_view_id(&view, v), &bit);
			if (w->indirect)
				x->perm[w->base + popcount64(w->bits & (bit - 1))] = v;
		}
	}
	return 0;
}

/* Adds the oldest waiting reference. */
static int ref_add(struct hp *hp)
{
	const struct pending_ref *r = &hp->refs[hp->ref_first];
	heap_node_t to = r->to;
	uint8_t kind = r->kind;

	hp->ref_first = (hp->ref_first + 1) % REFS_AHEAD;
	hp->n_refs--;
	if (!r->direct) {
		to = find(hp, r->id);
		if (to == HEAP_NONE) {
			heap_builder_unknown_ref(hp->b);
			return 0;
		}
		if (kind & KIND_SELF_META)
			kind = (uint8_t)((kind & ~KIND_SELF_META) | (to == r->from ? HEAP_EDGE_META : 0));
	}
	return heap_builder_add_edge(hp->b, r->from, to, (enum heap_edge_kind)kind, r->name, hp->err);
}

/* Adds every waiting reference.  Returns 0, or -1 with the error filled. */
static int refs_flush(struct hp *hp)
{
	while (hp->n_refs)
		if (ref_add(hp) != 0)
			return -1;
	return 0;
}

/* Queues a reference from -> object `id` (direct: to node `to`), adding
 * the oldest when the queue is full. */
static inline int ref_queue(struct hp *hp, heap_node_t from, uint64_t id, heap_node_t to, uint8_t kind,
		     uint32_t name, int direct)
{
	if (hp->n_refs == REFS_AHEAD && ref_add(hp) != 0)
		return -1;
	if (!direct)
		find_prefetch(hp, id);
	hp->refs[(hp->ref_first + hp->n_refs++) % REFS_AHEAD] = (struct pending_ref){
		.id = id, .from = from, .to = to, .name = name, .kind = kind, .direct = (uint8_t)direct,
	};
	return 0;
}

/* Adds a reference from -> object `id` (0 = null, skipped; an id no object
 * has is counted as unknown); kind is an enum heap_edge_kind, with
 * HEAP_EDGE_META or-ed in for the JVM's bookkeeping, or KIND_SELF_META. */
static inline int add_ref(struct hp *hp, heap_node_t from, uint64_t id, uint8_t kind, uint32_t name)
{
	return id ? ref_queue(hp, from, id, HEAP_NONE, kind, name, 0) : 0;
}

/* Adds a reference from -> node to, whose node is known (a class). */
static int add_edge(struct hp *hp, heap_node_t from, heap_node_t to, uint8_t kind, uint32_t name)
{
	return ref_queue(hp, from, 0, to, kind, name, 1);
}

/* Counts one object in passes that walk objects in node order, and returns
 * its node index. */
static heap_node_t next_object(struct hp *hp, uint64_t at)
{
	heap_node_t v = hp->next_node++;

	if (hp->pass == PASS_LOCATE) {
		if (v == hp->find_a)
			hp->at_a = at;
		if (v == hp->find_b)
			hp->at_b = at;
	}
	return v;
}

/* ---- sub-records ---- */

/* Pass 1: an object with id `id` starts a sub-record.  If an array came
 * just before it, the address gap is that array's size in memory: each
 * layout whose prediction matches gets a vote.  If this object is an array
 * of `count` elements (esz: element bytes, 0 for references; is_array),
 * the predictions for the next gap are made. */
static void layout_vote(struct hp *hp, uint64_t id, int is_array, unsigned esz, uint64_t count)
{
	if (hp->pass != 1)
		return;
	if (hp->prev_arr && id > hp->prev_arr)
		for (int l = 0; l < N_LAYOUTS; l++)
			hp->votes[l] += id - hp->prev_arr == hp->prev_size[l];
	hp->prev_arr = 0;
	if (is_array && id) {
		hp->prev_arr = id;
		for (int l = 0; l < N_LAYOUTS; l++) {
			unsigned e = esz ? esz : layouts[l].ref;
			hp->prev_size[l] = align8(round_up(layouts[l].hdr_arr, e) + count * e);
		}
	}
}

static int sub_root(struct hp *hp, uint64_t at, uint64_t end, uint64_t *next)
{
	const struct root_tag *rt = &root_tags[hp->map[at]];
	uint64_t n = (uint64_t)hp->idsz * (1u + rt->ids) + rt->bytes;

	if (need(hp, at, at + 1, n, end) != 0)
		return -1;
	*next = at + 1 + n;
	if (hp->pass == 3) {
		uint64_t id = rd_id(hp, at + 1);
		heap_node_t v;
		if (id == 0)
			return 0;
		v = find(hp, id);
		if (v == HEAP_NONE) {
			heap_builder_unknown_ref(hp->b);
			return 0;
		}
		return heap_builder_add_root(hp->b, v, hp->root_kind[hp->map[at]], hp->err);
	}
	return 0;
}

/* Walks the constant pool and statics of a CLASS_DUMP from p (validated in
 * pass 1) and adds the class's references. */
static int class_refs(struct hp *hp, heap_node_t from, uint64_t p)
{
	unsigned I = hp->idsz;
	uint32_t ncp, nst;

	ncp = be16(hp->map + p);
	p += 2;
	for (uint32_t i = 0; i < ncp; i++) {
		unsigned t = hp->map[p + 2];
		if (t == T_OBJECT && add_ref(hp, from, rd_id(hp, p + 3), KIND_POOL_META, hp->s_cpool) != 0)
			return -1;
		p += 3 + value_size(hp, t);
	}
	nst = be16(hp->map + p);
	p += 2;
	for (uint32_t i = 0; i < nst; i++) {
		unsigned t = hp->map[p + I];
		if (t == T_OBJECT) {
			uint64_t id = rd_id(hp, p + I + 1);
			heap_str_t name = id ? utf8_intern(hp, rd_id(hp, p)) : 0;
			if (id && add_ref(hp, from, id, name == hp->s_resolved ? KIND_POOL_META : HEAP_EDGE_STRONG,
					  name) != 0)
				return -1;
		}
		p += I + 1 + value_size(hp, t);
	}
	return 0;
}

static int sub_class(struct hp *hp, uint64_t at, uint64_t end, uint64_t *next)
{
	unsigned I = hp->idsz;
	uint64_t p = at + 1, fixed = 7 * (uint64_t)I + 8, cp_at, id, own_bytes = 0, own_mem = 0;
	uint64_t statics_mem = 0;
	uint32_t ncp, nst, nf, first_field = (uint32_t)hp->n_fld, own_refs = 0, statics_refs = 0;
	uint32_t pool_refs = 0;

	if (need(hp, at, p, fixed + 2, end) != 0)
		return -1;
	id = rd_id(hp, p);
	p += fixed;
	cp_at = p;
	ncp = be16(hp->map + p);
	p += 2;
	for (uint32_t i = 0; i < ncp; i++) {
		unsigned sz;
		if (need(hp, at, p, 3, end) != 0)
			return -1;
		sz = value_size(hp, hp->map[p + 2]);
		if (sz == 0)
			return fail_at(hp, p + 2, "CLASS_DUMP constant pool entry of invalid type %u",
				       hp->map[p + 2]);
		if (need(hp, at, p, 3 + (uint64_t)sz, end) != 0)
			return -1;
		pool_refs += hp->map[p + 2] == T_OBJECT;
		p += 3 + sz;
	}
	if (need(hp, at, p, 2, end) != 0)
		return -1;
	nst = be16(hp->map + p);
	p += 2;
	for (uint32_t i = 0; i < nst; i++) {
		unsigned sz, t;
		if (need(hp, at, p, I + 1, end) != 0)
			return -1;
		t = hp->map[p + I];
		sz = value_size(hp, t);
		if (sz == 0)
			return fail_at(hp, p + I, "CLASS_DUMP static field of invalid type %u", t);
		if (need(hp, at, p, I + 1 + (uint64_t)sz, end) != 0)
			return -1;
		statics_mem += mem_size(t);
		statics_refs += t == T_OBJECT;
		p += I + 1 + sz;
	}
	if (need(hp, at, p, 2, end) != 0)
		return -1;
	nf = be16(hp->map + p);
	p += 2;
	if (need(hp, at, p, (uint64_t)nf * (I + 1), end) != 0)
		return -1;
	for (uint32_t i = 0; i < nf; i++, p += I + 1) {
		unsigned t = hp->map[p + I], sz = value_size(hp, t);
		if (sz == 0)
			return fail_at(hp, p + I, "CLASS_DUMP instance field of invalid type %u", t);
		if (hp->pass == 1 && t == T_OBJECT) {
			hp->fld = grow(hp->fld, hp->n_fld, &hp->cap_fld, sizeof *hp->fld);
			hp->fld[hp->n_fld++] = (struct jfield){
				.name_id = rd_id(hp, p), .offset = (uint32_t)own_bytes,
				.kind = HEAP_EDGE_STRONG,
			};
		}
		own_bytes += sz;
		own_mem += mem_size(t);
		own_refs += t == T_OBJECT;
	}
	*next = p;

	if (hp->pass == 1) {
		struct jclass *c;
		uint32_t old;
		layout_vote(hp, id, 0, 0, 0);
		if (id == 0)
			return fail_at(hp, at, "CLASS_DUMP with class id 0");
		hp->cls = grow(hp->cls, hp->n_cls, &hp->cap_cls, sizeof *hp->cls);
		c = &hp->cls[hp->n_cls];
		*c = (struct jclass){
			.id = id, .super_id = rd_id(hp, at + 1 + I + 4), .offset = at,
			.boot = rd_id(hp, at + 1 + 2 * (uint64_t)I + 4) == 0,
			.own_bytes = own_bytes, .own_mem = own_mem, .statics_mem = statics_mem,
			.own_refs = own_refs, .statics_refs = statics_refs, .pool_refs = pool_refs,
			.inst_size = be32(hp->map + at + 1 + 7 * (uint64_t)I + 4),
			.super = HEAP_NONE, .field_first = first_field,
			.field_count = (uint32_t)hp->n_fld - first_field, .node = HEAP_NONE,
		};
		old = hmap_put(&hp->clsmap, id, (uint32_t)hp->n_cls);
		if (old != HEAP_NONE)
			return fail_at(hp, at, "class 0x%llx is dumped twice (first at offset %llu)",
				       (unsigned long long)id, (unsigned long long)hp->cls[old].offset);
		hp->n_cls++;
		hp->n_objects++;
	} else if (hp->pass == 2) {
		uint32_t ci = hmap_get(&hp->clsmap, id);
		struct jclass *c = &hp->cls[ci];
		uint64_t size;
		if (hp->art)
			size = hp->jlclass != HEAP_NONE && hp->cls[hp->jlclass].inst_size ?
			       hp->cls[hp->jlclass].inst_size : hp->hdr_obj;
		else
			size = align8((hp->jlclass != HEAP_NONE ? hp->cls[hp->jlclass].shallow : hp->hdr_obj) +
				      c->statics_mem + (uint64_t)c->statics_refs * hp->ref_size);
		c->node = heap_builder_count(hp->b);
		hp->edges_max += 4 + (uint64_t)c->pool_refs + c->statics_refs;
		return add_node(hp, at, id, hp->s_jlclass, c->name, size, HEAP_F_CLASS | HEAP_F_ANCHOR);
	} else {
		heap_node_t v = next_object(hp, at);
		uint64_t q = at + 1 + I + 4;
		if (hp->pass != 3)
			return 0;
		if (add_ref(hp, v, rd_id(hp, q), KIND_CLASS_META, hp->s_super) != 0 ||
		    add_ref(hp, v, rd_id(hp, q + I), KIND_CLASS_META, hp->s_loader) != 0 ||
		    add_ref(hp, v, rd_id(hp, q + 2 * I), KIND_CLASS_META, hp->s_signers) != 0 ||
		    add_ref(hp, v, rd_id(hp, q + 3 * I), KIND_CLASS_META, hp->s_domain) != 0)
			return -1;
		return class_refs(hp, v, cp_at);
	}
	return 0;
}

static int arrpos_cmp(const void *a, const void *b)
{
	const struct arrpos *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Sorts the byte[]/char[] list by id (a dump in address order is sorted
 * already). */
static void arrays_sort(struct hp *hp)
{
	for (size_t i = 1; i < hp->n_arr; i++)
		if (hp->arr[i - 1].id > hp->arr[i].id) {
			qsort(hp->arr, hp->n_arr, sizeof *hp->arr, arrpos_cmp);
			return;
		}
}

/* Index of array `id` in hp->arr, or HEAP_NONE.  A String and its value
 * are neighbours in a dump, and pass 2 meets Strings in file order, so the
 * few entries after the last hit are tried before a binary search. */
static uint32_t array_find(struct hp *hp, uint64_t id)
{
	size_t lo = 0, hi = hp->n_arr;

	for (size_t i = hp->arr_cursor; i < hp->n_arr && i < hp->arr_cursor + 4; i++)
		if (hp->arr[i].id == id) {
			hp->arr_cursor = i;
			return (uint32_t)i;
		}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (hp->arr[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < hp->n_arr && hp->arr[lo].id == id) {
		hp->arr_cursor = lo;
		return (uint32_t)lo;
	}
	return HEAP_NONE;
}

/* Appends code point c as UTF-8 to out at *n (room for 4 bytes assumed). */
static void put_utf8(char *out, size_t *n, uint32_t c)
{
	if (c < 0x80) {
		out[(*n)++] = (char)c;
	} else if (c < 0x800) {
		out[(*n)++] = (char)(0xc0 | c >> 6);
		out[(*n)++] = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		out[(*n)++] = (char)(0xe0 | c >> 12);
		out[(*n)++] = (char)(0x80 | (c >> 6 & 0x3f));
		out[(*n)++] = (char)(0x80 | (c & 0x3f));
	} else {
		out[(*n)++] = (char)(0xf0 | c >> 18);
		out[(*n)++] = (char)(0x80 | (c >> 12 & 0x3f));
		out[(*n)++] = (char)(0x80 | (c >> 6 & 0x3f));
		out[(*n)++] = (char)(0x80 | (c & 0x3f));
	}
}

/* The name of a java.lang.String instance whose field values start at
 * data, into out: its first LABEL_CHARS characters as UTF-8 ("..." when
 * longer; "" quoted when empty).  Returns its length, or 0 when the value
 * array is not in the dump.  JDK 9+ keeps a byte[] with a
 * coder (0: Latin-1, 1: UTF-16 in the machine's order, little-endian on
 * every platform HotSpot dumps come from); JDK 8 and Android a char[]
 * (big-endian in HPROF). */
static size_t string_text(struct hp *hp, uint64_t data, char *out)
{
	size_t n = 0;
	uint64_t aid, at, count, shown;
	uint32_t ai;
	unsigned t, coder = 0;
	const uint8_t *e;

	if (hp->str_value_at < 0)
		return 0;
	aid = rd_id(hp, data + (uint64_t)hp->str_value_at);
	ai = array_find(hp, aid);
	if (ai == HEAP_NONE)
		return 0;
	at = hp->arr[ai].at;
	{
		/* the header, and the bytes of LABEL_CHARS chars (or fewer,
		 * the array's own: checked in pass 1) */
		uint64_t head = 1 + (uint64_t)hp->idsz + 9, len = head + 2 * LABEL_CHARS;
		const uint8_t *a = bytes_at(hp, at, len > hp->size - at ? hp->size - at : len);
		count = be32(a + 1 + hp->idsz + 4);
		t = a[1 + hp->idsz + 8];
		e = a + head;
	}
	if (hp->str_coder_at >= 0)
		coder = hp->map[data + (uint64_t)hp->str_coder_at];
	if (t == T_BYTE && coder == 1)
		count /= 2;
	shown = count > LABEL_CHARS ? LABEL_CHARS : count;
	for (uint64_t i = 0; i < shown; i++) {
		uint32_t c;
		if (t == T_BYTE && coder != 1)
			c = e[i];
		else if (t == T_BYTE)
			c = (uint32_t)e[2 * i] | (uint32_t)e[2 * i + 1] << 8;
		else
			c = be16(e + 2 * i);
		if (c >= 0xd800 && c <= 0xdfff)
			c = 0xfffd;	/* surrogate halves: not worth pairing for a label */
		put_utf8(out, &n, c);
	}
	if (count > shown) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	if (n == 0) {
		memcpy(out, "\"\"", 2);
		n = 2;
	}
	return n;
}

static int sub_instance(struct hp *hp, uint64_t at, uint64_t end, uint64_t *next)
{
	unsigned I = hp->idsz;
	uint64_t p = at + 1, id, class_id, nbytes, data;
	uint32_t ci;

	if (need(hp, at, p, 2 * (uint64_t)I + 8, end) != 0)
		return -1;
	id = rd_id(hp, p);
	class_id = rd_id(hp, p + I + 4);
	nbytes = be32(hp->map + p + 2 * I + 4);
	data = p + 2 * I + 8;
	if (need(hp, at, data, nbytes, end) != 0)
		return -1;
	*next = data + nbytes;
	if (hp->pass == 1) {
		hp->n_objects++;
		layout_vote(hp, id, 0, 0, 0);
		return 0;
	}
	ci = hmap_get(&hp->clsmap, class_id);
	if (hp->pass == 2) {
		char buf[256];
		const struct jclass *c;
		if (ci == HEAP_NONE) {
			snprintf(buf, sizeof buf, "unknown class 0x%llx", (unsigned long long)class_id);
			labels_flush(hp);
			return add_node(hp, at, id, heap_builder_intern_cstr(hp->b, buf), 0,
					align8(hp->hdr_obj + nbytes), 0);
		}
		c = &hp->cls[ci];
		hp->edges_max += 1 + c->total_refs;
		if (nbytes != c->total_bytes)
			return fail_at(hp, at, "instance 0x%llx of class %s holds %llu bytes of field values, "
				       "but the class and its superclasses declare %llu", (unsigned long long)id,
				       class_text(hp, class_id, buf, sizeof buf), (unsigned long long)nbytes,
				       (unsigned long long)c->total_bytes);
		if (ci == hp->jlstring) {
			/* its label waits in the ring (the oldest goes first) */
			struct label *l;
			if (hp->n_labels == LABELS_AHEAD)
				label_intern(hp);
			l = &hp->labels[(hp->label_first + hp->n_labels) % LABELS_AHEAD];
			l->len = (uint32_t)string_text(hp, data, l->text);
			if (l->len) {
				heap_builder_prefetch(hp->b, l->text, l->len);
				l->node = heap_builder_count(hp->b);
				hp->n_labels++;
			}
		}
		return add_node(hp, at, id, c->name, 0, c->shallow, c->inst_flags);
	}
	{
		heap_node_t v = next_object(hp, at);
		uint64_t base = data;
		if (hp->pass != 3 || ci == HEAP_NONE)
			return 0;
		if (add_edge(hp, v, hp->cls[ci].node, KIND_CLASS_META, hp->s_class) != 0)
			return -1;
		for (uint32_t k = ci; k != HEAP_NONE; k = hp->cls[k].super) {
			const struct jclass *c = &hp->cls[k];
			for (uint32_t f = c->field_first; f < c->field_first + c->field_count; f++) {
				const struct jfield *fd = &hp->fld[f];
				if (add_ref(hp, v, rd_id(hp, base + fd->offset), fd->kind, fd->name) != 0)
					return -1;
			}
			base += c->own_bytes;
		}
	}
	return 0;
}

/* Shallow size of an array of n elements of mem_size esz (docs/hprof-format.md). */
static uint64_t array_size(const struct hp *hp, uint64_t n, unsigned esz)
{
	return align8(round_up(hp->hdr_arr, esz) + n * esz);
}

static int sub_obj_array(struct hp *hp, uint64_t at, uint64_t end, uint64_t *next)
{
	unsigned I = hp->idsz;
	uint64_t p = at + 1, id, count, class_id, data;
	uint32_t ci;

	if (need(hp, at, p, 2 * (uint64_t)I + 8, end) != 0)
		return -1;
	id = rd_id(hp, p);
	count = be32(hp->map + p + I + 4);
	class_id = rd_id(hp, p + I + 8);
	data = p + 2 * I + 8;
	if (count * I > end - data)
		return fail_at(hp, at, "OBJ_ARRAY_DUMP of %llu elements (%llu bytes) runs past the end of "
			       "its heap dump record (offset %llu)", (unsigned long long)count,
			       (unsigned long long)(count * I), (unsigned long long)end);
	*next = data + count * I;
	if (hp->pass == 1) {
		hp->n_objects++;
		layout_vote(hp, id, 1, 0, count);
		return 0;
	}
	ci = hmap_get(&hp->clsmap, class_id);
	if (hp->pass == 2) {
		hp->edges_max += 1 + count;
		return add_node(hp, at, id, ci != HEAP_NONE ? hp->cls[ci].name : class_name_by_id(hp, class_id),
				0, array_size(hp, count, hp->ref_size), 0);
	}
	{
		heap_node_t v = next_object(hp, at);
		if (hp->pass != 3)
			return 0;
		if (ci != HEAP_NONE) {
			if (add_edge(hp, v, hp->cls[ci].node, KIND_CLASS_META, hp->s_class) != 0)
				return -1;
		} else if (add_ref(hp, v, class_id, KIND_CLASS_META, hp->s_class) != 0) {
			return -1;
		}
		/* the elements a block at a time through the window (the
		 * sub-record's header is not read again) */
		for (uint64_t i = 0; i < count; i++) {
			if (i % ARRAY_BLOCK == 0) {
				uint64_t n = count - i < ARRAY_BLOCK ? count - i : ARRAY_BLOCK;
				hp->cur = data + i * I;
				if (ensure(hp, hp->cur + n * I) != 0)
					return -1;
			}
			if (add_ref(hp, v, rd_id(hp, data + i * I), HEAP_EDGE_STRONG,
				    HEAP_NAME_INDEX | (uint32_t)(i & 0x7fffffff)) != 0)
				return -1;
		}
	}
	return 0;
}

/* PRIM_ARRAY_DUMP, and Android's PRIMITIVE_ARRAY_NODATA (the same without
 * the element bytes). */
static int sub_prim_array(struct hp *hp, uint64_t at, uint64_t end, uint64_t *next)
{
	unsigned I = hp->idsz, t, esz;
	int nodata = hp->map[at] == SUB_PRIM_ARRAY_NODATA;
	uint64_t p = at + 1, id, count, data, bytes;

	if (need(hp, at, p, (uint64_t)I + 9, end) != 0)
		return -1;
	id = rd_id(hp, p);
	count = be32(hp->map + p + I + 4);
	t = hp->map[p + I + 8];
	data = p + I + 9;
	esz = t == T_OBJECT ? 0 : value_size(hp, t);
	if (esz == 0)
		return fail_at(hp, p + I + 8, "%s of invalid element type %u", sub_name(hp->map[at]), t);
	bytes = nodata ? 0 : count * esz;
	if (bytes > end - data)
		return fail_at(hp, at, "%s of %llu elements (%llu bytes) runs past the end of its heap "
			       "dump record (offset %llu)", sub_name(hp->map[at]), (unsigned long long)count,
			       (unsigned long long)bytes, (unsigned long long)end);
	*next = data + bytes;
	if (hp->pass == 1) {
		hp->n_objects++;
		layout_vote(hp, id, 1, esz, count);
		if (!nodata && id && (t == T_BYTE || t == T_CHAR)) {
			hp->arr = grow(hp->arr, hp->n_arr, &hp->cap_arr, sizeof *hp->arr);
			hp->arr[hp->n_arr++] = (struct arrpos){ .id = id, .at = at };
		}
		return 0;
	}
	if (hp->pass == 2) {
		hp->edges_max += hp->prim_class[t] != HEAP_NONE;
		return add_node(hp, at, id, hp->prim_type[t], 0, array_size(hp, count, esz), 0);
	}
	{
		heap_node_t v = next_object(hp, at);
		uint32_t ci = hp->prim_class[t];
		if (hp->pass == 3 && ci != HEAP_NONE &&
		    add_edge(hp, v, hp->cls[ci].node, KIND_CLASS_META, hp->s_class) != 0)
			return -1;
	}
	return 0;
}

static int sub_heap_info(struct hp *hp, uint64_t at, uint64_t end, uint64_t *next)
{
	if (need(hp, at, at + 1, 4 + (uint64_t)hp->idsz, end) != 0)
		return -1;
	*next = at + 5 + hp->idsz;
	if (hp->pass == 1)
		hp->saw_info = 1;
	else if (hp->pass == 2)
		hp->category = heap_builder_category(hp->b, utf8_intern(hp, rd_id(hp, at + 5)));
	return 0;
}

/* Walks the sub-records of one HEAP_DUMP / HEAP_DUMP_SEGMENT body. */
static int subrecords(struct hp *hp, uint64_t pos, uint64_t end)
{
	hp->category = 0;	/* each segment starts in the default heap (ART) */
	while (pos < end) {
		unsigned tag;
		uint64_t next = pos;
		int rc;

		hp->cur = pos;
		if (ensure(hp, pos + 1) != 0)
			return -1;
		tag = hp->map[pos];
		if (root_tags[tag].kind) {
			rc = sub_root(hp, pos, end, &next);
		} else {
			switch (tag) {
			case SUB_CLASS_DUMP:
				rc = sub_class(hp, pos, end, &next);
				break;
			case SUB_INSTANCE_DUMP:
				rc = sub_instance(hp, pos, end, &next);
				break;
			case SUB_OBJ_ARRAY_DUMP:
				rc = sub_obj_array(hp, pos, end, &next);
				break;
			case SUB_PRIM_ARRAY_DUMP:
			case SUB_PRIM_ARRAY_NODATA:
				rc = sub_prim_array(hp, pos, end, &next);
				break;
			case SUB_HEAP_DUMP_INFO:
				rc = sub_heap_info(hp, pos, end, &next);
				break;
			case SUB_UNREACHABLE:
				rc = need(hp, pos, pos + 1, hp->idsz, end);
				next = pos + 1 + hp->idsz;
				break;
			default:
				return fail_at(hp, pos, "unknown heap dump sub-record tag 0x%02x", tag);
			}
		}
		if (rc != 0)
			return -1;
		pos = next;
		if (++hp->ticks % TICK_EVERY == 0 &&
		    progress_tick(hp->prog, "reading HPROF", (uint64_t)(hp->pass - 1) * hp->size + pos,
				  3 * hp->size))
			return error_set(hp->err, "%s: interrupted", hp->path);
	}
	return 0;
}

/* Gives back the pages of the mapping below pos (they are re-read from the
 * page cache if needed again), so a dump larger than memory loads. */
static void release(struct hp *hp, uint64_t pos)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t upto = pos / page * page;

	if (upto < hp->released + RELEASE_STEP && pos < hp->size)
		return;
	if (pos >= hp->size)
		upto = round_up(hp->size, page);
	if (upto > hp->released)
		madvise((void *)(uintptr_t)(hp->file + hp->released), (size_t)(upto - hp->released),
			MADV_DONTNEED);
	hp->released = upto;
}

/* The length of a HEAP_DUMP(_SEGMENT) record whose 32-bit length field may
 * have wrapped (dumps over 4 GiB): as Eclipse MAT does, when the file holds
 * 4 GiB or more after the header and the length agrees modulo 2^32 with
 * "to the end of the file" (or "up to a final 9-byte HEAP_DUMP_END"), the
 * record is taken to run that far. */
static uint64_t record_length(const struct hp *hp, uint64_t start, uint64_t len)
{
	uint64_t left = hp->size - start;

	if (left < WRAP)
		return len;
	if ((left - len) % WRAP == 0)
		return left;
	if (hp->file[hp->size - 9] == TAG_HEAP_DUMP_END && (left - 9 - len) % WRAP == 0)
		return left - 9;
	return len;
}

/* One walk over every record of the file, doing the work of hp->pass. */
static int walk(struct hp *hp)
{
	uint64_t pos = hp->body;

	hp->saw_dump = hp->dump_done = 0;
	hp->next_node = 0;
	hp->released = 0;
	hp->win_lo = hp->win_hi = 0;
	while (pos < hp->size) {
		unsigned tag;
		uint64_t len, start = pos + 9;

		if (hp->size - pos < 9)
			return fail_at(hp, pos, "record header cut short: %llu of 9 bytes (truncated dump?)",
				       (unsigned long long)(hp->size - pos));
		hp->cur = pos;
		if (ensure(hp, start) != 0)
			return -1;
		tag = hp->map[pos];
		if (!record_names[tag])
			return fail_at(hp, pos, "unknown record tag 0x%02x", tag);
		len = be32(hp->map + pos + 5);
		if (tag == TAG_HEAP_DUMP || tag == TAG_HEAP_DUMP_SEGMENT)
			len = record_length(hp, start, len);
		if (len > hp->size - start)
			return fail_at(hp, pos, "%s record of %llu bytes runs past the end of the file "
				       "(%llu bytes left): truncated dump?", record_names[tag],
				       (unsigned long long)len, (unsigned long long)(hp->size - start));
		switch (tag) {
		case TAG_UTF8:
			if (len < hp->idsz)
				return fail_at(hp, pos, "UTF8 record of %llu bytes, shorter than an id",
					       (unsigned long long)len);
			if (hp->pass == 1) {
				uint64_t id;
				if (ensure(hp, start + hp->idsz) != 0)
					return -1;
				id = rd_id(hp, start);
				if (len - hp->idsz > 0x7fffffff)
					return fail_at(hp, pos, "UTF8 record of %llu bytes: too long for a name",
						       (unsigned long long)len);
				if (id == 0)
					break;
				if (hp->n_str == hp->cap_str) {
					hp->cap_str = hp->cap_str ? hp->cap_str * 2 : 1024;
					hp->str_off = mem_realloc_array(hp->str_off, hp->cap_str, sizeof *hp->str_off);
					hp->str_len = mem_realloc_array(hp->str_len, hp->cap_str, sizeof *hp->str_len);
				}
				hp->str_off[hp->n_str] = start + hp->idsz;
				hp->str_len[hp->n_str] = (uint32_t)(len - hp->idsz);
				hmap_put(&hp->strmap, id, (uint32_t)hp->n_str++);
			}
			break;
		case TAG_LOAD_CLASS:
			if (len < 8 + 2 * (uint64_t)hp->idsz)
				return fail_at(hp, pos, "LOAD_CLASS record of %llu bytes, %u expected",
					       (unsigned long long)len, 8 + 2 * hp->idsz);
			if (hp->pass == 1) {
				uint64_t id;
				if (ensure(hp, start + 8 + 2 * (uint64_t)hp->idsz) != 0)
					return -1;
				id = rd_id(hp, start + 4);
				if (id == 0)
					break;
				hp->lc_name = grow(hp->lc_name, hp->n_lc, &hp->cap_lc, sizeof *hp->lc_name);
				hp->lc_name[hp->n_lc] = rd_id(hp, start + 8 + hp->idsz);
				hmap_put(&hp->lcmap, id, (uint32_t)hp->n_lc++);
			}
			break;
		case TAG_HEAP_DUMP:
		case TAG_HEAP_DUMP_SEGMENT:
			if (hp->dump_done)
				break;	/* a second dump in the same file: the first one is read */
			if (subrecords(hp, start, start + len) != 0)
				return -1;
			hp->saw_dump = 1;
			if (tag == TAG_HEAP_DUMP)
				hp->dump_done = 1;
			break;
		case TAG_HEAP_DUMP_END:
			if (hp->saw_dump)
				hp->dump_done = 1;
			break;
		default:
			break;	/* stack traces, thread and CPU records: not needed */
		}
		pos = start + len;
		release(hp, pos);
		if (progress_tick(hp->prog, "reading HPROF", (uint64_t)(hp->pass - 1) * hp->size + pos,
				  3 * hp->size))
			return error_set(hp->err, "%s: interrupted", hp->path);
	}
	release(hp, hp->size);
	if (!hp->saw_dump)
		return error_set(hp->err, "%s: no heap dump in this HPROF file (no HEAP_DUMP or "
				 "HEAP_DUMP_SEGMENT record)", hp->path);
	return 0;
}

/* Finds java.lang.String and where its value and coder fields are (it has
 * no superclass fields, so its own offsets are the instance's), re-reading
 * its CLASS_DUMP (validated in pass 1). */
static void string_fields(struct hp *hp)
{
	unsigned I = hp->idsz;
	uint64_t p, off = 0;
	uint32_t n, ci = HEAP_NONE;

	hp->jlstring = HEAP_NONE;
	hp->str_value_at = hp->str_coder_at = -1;
	for (size_t i = 0; i < hp->n_cls && ci == HEAP_NONE; i++) {
		uint32_t lc = hmap_get(&hp->lcmap, hp->cls[i].id);
		if (lc != HEAP_NONE && str_is(hp, hmap_get(&hp->strmap, hp->lc_name[lc]), "java/lang/String"))
			ci = (uint32_t)i;
	}
	if (ci == HEAP_NONE || hp->cls[ci].super_id == 0 ||
	    hp->cls[ci].super_id == hp->cls[ci].id)
		return;
	p = hp->cls[ci].offset + 1 + 7 * (uint64_t)I + 8;
	n = be16(hp->file + p);
	p += 2;
	for (uint32_t i = 0; i < n; i++)
		p += 3 + value_size(hp, hp->file[p + 2]);
	n = be16(hp->file + p);
	p += 2;
	for (uint32_t i = 0; i < n; i++)
		p += I + 1 + value_size(hp, hp->file[p + I]);
	n = be16(hp->file + p);
	p += 2;
	for (uint32_t i = 0; i < n; i++, p += I + 1) {
		unsigned t = hp->file[p + I];
		uint32_t name = hmap_get(&hp->strmap, rd_file_id(hp, p));
		if (t == T_OBJECT && str_is(hp, name, "value"))
			hp->str_value_at = (int64_t)off;
		if (t == T_BYTE && str_is(hp, name, "coder"))
			hp->str_coder_at = (int64_t)off;
		off += value_size(hp, t);
	}
	hp->jlstring = ci;
}

/* Marks class c, whose JVM name is the UTF8 string s, by class_rules
 * (the flags of its instances; its subclasses inherit them in
 * finish_classes()) and field_rules (the kinds of the fields it declares).
 * Once per class: what an object costs is its class's flags word. */
static void user_rules(struct hp *hp, struct jclass *c, uint32_t s)
{
	for (uint32_t f = c->field_first; f < c->field_first + c->field_count && c->boot; f++) {
		struct jfield *fd = &hp->fld[f];
		fd->kind |= KIND_SELF_META;
		if (str_has_prefix(hp, hmap_get(&hp->strmap, fd->name_id), "this$"))
			fd->kind |= HEAP_EDGE_META;
	}
	for (size_t r = 0; r < sizeof class_rules / sizeof class_rules[0]; r++)
		if (str_is(hp, s, class_rules[r].name) || str_in_package(hp, s, class_rules[r].name))
			c->inst_flags |= class_rules[r].flags;
	for (size_t r = 0; r < sizeof field_rules / sizeof field_rules[0]; r++) {
		if (!str_is(hp, s, field_rules[r].class_name))
			continue;
		for (uint32_t f = c->field_first; f < c->field_first + c->field_count; f++)
			if (str_is(hp, hmap_get(&hp->strmap, hp->fld[f].name_id), field_rules[r].field))
				hp->fld[f].kind = (uint8_t)(field_rules[r].kind | (hp->fld[f].kind & KIND_SELF_META));
	}
}

/* After pass 1: names, superclasses, instance layouts through the class
 * chain (with loop detection), shallow sizes, the user graph's marks. */
static int finish_classes(struct hp *hp)
{
	uint32_t *stack;
	int rc = 0;

	/* Sizes: ART states real object sizes; HotSpot states field bytes. */
	for (size_t s = 0; s < hp->n_str && !hp->art; s++)
		if (str_is(hp, (uint32_t)s, "$classOverhead"))
			hp->art = 1;
	if (hp->version == 3 || hp->saw_info)
		hp->art = 1;
	hp->ref_size = 4;
	if (hp->art || hp->idsz == 4) {
		hp->hdr_obj = 8;
		hp->hdr_arr = 12;
	} else {
		/* the layout the address gaps agree with most; compressed oops
		 * (the default below 32 GB) when nothing tells */
		int best = LAYOUT_COOPS;
		for (int l = 1; l < N_LAYOUTS; l++)
			if (hp->votes[l] > hp->votes[best])
				best = l;
		hp->hdr_obj = layouts[best].hdr_obj;
		hp->hdr_arr = layouts[best].hdr_arr;
		hp->ref_size = layouts[best].ref;
	}

	hp->jlclass = HEAP_NONE;
	for (int t = 0; t < T_LIMIT; t++)
		hp->prim_class[t] = HEAP_NONE;
	for (size_t i = 0; i < hp->n_cls; i++) {
		struct jclass *c = &hp->cls[i];
		uint32_t lc = hmap_get(&hp->lcmap, c->id);
		uint32_t s = lc == HEAP_NONE ? HEAP_NONE : hmap_get(&hp->strmap, hp->lc_name[lc]);

		if ((i & 0xffff) == 0 && progress_tick(hp->prog, "classes", i, hp->n_cls))
			return error_set(hp->err, "%s: interrupted", hp->path);

		c->name = class_name_by_id(hp, c->id);
		c->super = hmap_get(&hp->clsmap, c->super_id);
		if (str_is(hp, s, "java/lang/Class"))
			hp->jlclass = (uint32_t)i;
		for (int t = 0; t < T_LIMIT; t++)
			if (prim_array_names[t] && c->name == hp->prim_type[t])
				hp->prim_class[t] = (uint32_t)i;
		for (uint32_t f = c->field_first; f < c->field_first + c->field_count; f++)
			hp->fld[f].name = utf8_intern(hp, hp->fld[f].name_id);
		user_rules(hp, c, s);
	}

	string_fields(hp);
	arrays_sort(hp);
	stack = mem_alloc((hp->n_cls + 1) * sizeof *stack);
	for (size_t i = 0; i < hp->n_cls && rc == 0; i++) {
		size_t sp = 0;
		uint32_t k = (uint32_t)i;
		while (k != HEAP_NONE && hp->cls[k].state == CLASS_NEW) {
			hp->cls[k].state = CLASS_ACTIVE;
			stack[sp++] = k;
			k = hp->cls[k].super;
		}
		if (k != HEAP_NONE && hp->cls[k].state == CLASS_ACTIVE) {
			char buf[256];
			rc = fail_at(hp, hp->cls[k].offset, "the superclass chain of class %s loops back to it",
				     class_text(hp, hp->cls[k].id, buf, sizeof buf));
			break;
		}
		while (sp) {
			struct jclass *c = &hp->cls[stack[--sp]];
			const struct jclass *s = c->super == HEAP_NONE ? NULL : &hp->cls[c->super];
			c->total_bytes = c->own_bytes + (s ? s->total_bytes : 0);
			c->total_refs = c->own_refs + (s ? s->total_refs : 0);
			c->total_mem = c->own_mem + (uint64_t)c->own_refs * hp->ref_size +
				       (s ? s->total_mem : 0);
			c->inst_flags |= s ? s->inst_flags : 0;
			if (hp->art && c->inst_size)
				c->shallow = c->inst_size;
			else
				c->shallow = align8(hp->hdr_obj + c->total_mem);
			c->state = CLASS_DONE;
		}
	}
	free(stack);
	return rc;
}

static void intern_names(struct hp *hp)
{
	hp->s_class = heap_builder_intern_cstr(hp->b, "<class>");
	hp->s_super = heap_builder_intern_cstr(hp->b, "<super>");
	hp->s_loader = heap_builder_intern_cstr(hp->b, "<classloader>");
	hp->s_signers = heap_builder_intern_cstr(hp->b, "<signers>");
	hp->s_domain = heap_builder_intern_cstr(hp->b, "<protection domain>");
	hp->s_cpool = heap_builder_intern_cstr(hp->b, "<constant pool>");
	hp->s_jlclass = heap_builder_intern_cstr(hp->b, "java.lang.Class");
	hp->s_resolved = heap_builder_intern_cstr(hp->b, "<resolved_references>");
	for (int t = 0; t < 256; t++)
		hp->root_kind[t] = root_tags[t].kind ? heap_builder_intern_cstr(hp->b, root_tags[t].kind) : 0;
	for (int t = 0; t < T_LIMIT; t++)
		hp->prim_type[t] = prim_array_names[t] ? heap_builder_intern_cstr(hp->b, prim_array_names[t]) : 0;
}

/* Reads the file header: version string, id size, timestamp. */
static int read_header(struct hp *hp)
{
	static const char *const versions[] = {
		"JAVA PROFILE 1.0.1", "JAVA PROFILE 1.0.2", "JAVA PROFILE 1.0.3",
	};
	size_t n = 0;
	char q[128];

	while (n < hp->size && n < HEADER_MAX && hp->file[n])
		n++;
	if (n == hp->size || n == HEADER_MAX)
		return fail_at(hp, 0, "not an HPROF file: no NUL-terminated \"JAVA PROFILE 1.0.x\" header");
	for (int v = 0; v < 3; v++)
		if (strcmp((const char *)hp->file, versions[v]) == 0)
			hp->version = v + 1;
	if (!hp->version)
		return fail_at(hp, 0, "unsupported HPROF version \"%s\" (1.0.1, 1.0.2 and 1.0.3 are read)",
			       error_quote(q, sizeof q, (const char *)hp->file, n > 40 ? 40 : n));
	if (hp->size - (n + 1) < 12)
		return fail_at(hp, n + 1, "header cut short: the id size and timestamp are missing");
	hp->idsz = be32(hp->file + n + 1);
	if (hp->idsz != 4 && hp->idsz != 8)
		return fail_at(hp, n + 1, "identifier size %u (only 4 and 8 are supported)", hp->idsz);
	hp->body = n + 1 + 4 + 8;
	return 0;
}

/* Finds where the two objects with node indexes a < b are, for the
 * duplicate-id message. */
static void locate(struct hp *hp, heap_node_t a, heap_node_t b)
{
	hp->pass = PASS_LOCATE;
	hp->find_a = a;
	hp->find_b = b;
	hp->at_a = hp->at_b = 0;
	(void)walk(hp);
}

/* A gzip file that holds an HPROF dump: `jcmd PID GC.heap_dump -gz=N` puts
 * "HPROF BLOCKSIZE=" in the gzip comment; gzip(1) keeps the name "x.hprof". */
static int gzipped_hprof(const unsigned char *head, size_t len)
{
	static const char *const marks[] = { "HPROF BLOCKSIZE=", ".hprof" };
	size_t n = len < 256 ? len : 256;

	if (len < 10 || head[0] != 0x1f || head[1] != 0x8b)
		return 0;
	for (size_t k = 0; k < 2; k++) {
		size_t m = strlen(marks[k]);
		for (size_t i = 10; i + m <= n; i++)
			if (memcmp(head + i, marks[k], m) == 0)
				return 1;
	}
	return 0;
}

static int hprof_load(const char *path, struct heap_builder *b, struct progress *prog,
		      struct error *err)
{
	struct hp hp = { .path = path, .b = b, .prog = prog, .err = err };
	struct stat st;
	void *map = MAP_FAILED;
	int fd, rc = -1;
	heap_node_t dup_a, dup_b;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		error_set(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (st.st_size <= 0) {
		error_set(err, "%s: empty file", path);
		goto out;
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		error_set(err, "%s: too large to map on this system", path);
		goto out;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		error_set(err, "%s: cannot map the file: %s", path, strerror(errno));
		goto out;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);	/* the walks' readahead */
	hp.file = map;
	hp.fd = fd;
	hp.size = (uint64_t)st.st_size;
	if (gzipped_hprof(hp.file, hp.size > 4096 ? 4096 : (size_t)hp.size)) {
		char q[1024];
		/* a command to paste only when the name can be shown as it is */
		if (text_shell_quote(q, sizeof q, path, strlen(path)) == 0)
			error_set(err, "%s: a gzip-compressed HPROF dump (jcmd GC.heap_dump -gz); decompress it "
				  "first: gunzip -c %s > dump.hprof", path, q);
		else
			error_set(err, "%s: a gzip-compressed HPROF dump (jcmd GC.heap_dump -gz); decompress it "
				  "first (gunzip -c FILE > dump.hprof)", path);
		goto out;
	}
	if (read_header(&hp) != 0)
		goto out;
	intern_names(&hp);

	hp.pass = 1;
	if (walk(&hp) != 0 || finish_classes(&hp) != 0)
		goto out;
	if (hp.n_objects > HEAP_MAX_NODES) {
		error_set(err, "%s: %llu objects: more than heapglass indexes (%u)", path,
			  (unsigned long long)hp.n_objects, (unsigned)HEAP_MAX_NODES);
		goto out;
	}
	{
		/* counted, not claimed: still refuse early what cannot fit */
		char what[ERROR_MSG_MAX];
		snprintf(what, sizeof what, "%s: %llu objects", path, (unsigned long long)hp.n_objects);
		if (mem_check(heap_estimate_bytes(hp.n_objects, 0), what, err) != 0)
			goto out;
	}
	heap_builder_reserve(b, hp.n_objects, 0);

	hp.pass = 2;
	if (walk(&hp) != 0)
		goto out;
	labels_flush(&hp);
	if (index_build(&hp) != 0 && heap_builder_index(b, &dup_a, &dup_b) != 0) {
		locate(&hp, dup_a, dup_b);
		error_set(err, "%s: offset %llu: object id 0x%llx appears again (first at offset %llu)",
			  path, (unsigned long long)hp.at_b,
			  (unsigned long long)heap_builder_node_id(b, dup_b), (unsigned long long)hp.at_a);
		goto out;
	}

	free(hp.arr);		/* String labels are done: not kept to the peak */
	hp.arr = NULL;
	/* the edge columns at their final size once, not grown (and copied)
	 * reference by reference: at most edges_max, pages never written
	 * cost nothing, and freezing gives back the rest */
	heap_builder_reserve(b, hp.n_objects, hp.edges_max);

	hp.pass = 3;
	if (walk(&hp) != 0 || refs_flush(&hp) != 0)
		goto out;
	rc = 0;
out:
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	close(fd);
	hmap_fini(&hp.strmap);
	hmap_fini(&hp.lcmap);
	hmap_fini(&hp.clsmap);
	free(hp.arr);
	free(hp.buf);
	free(hp.str_off);
	free(hp.str_len);
	free(hp.str_interned);
	free(hp.str_java);
	free(hp.lc_name);
	free(hp.cls);
	free(hp.fld);
	index_free(&hp.idx);
	return rc;
}

static int hprof_sniff(const char *path, const unsigned char *head, size_t len, int is_dir)
{
	static const char magic[] = "JAVA PROFILE 1.0.";

	(void)path;
	if (is_dir || len < 4)
		return 0;
	if (gzipped_hprof(head, len))
		return 90;	/* to say how to open it */
	if (len >= 17 && memcmp(head, magic, 17) == 0)
		return 100;
	/* another version, or a file cut inside the header: ours to explain */
	if (memcmp(head, magic, len < 12 ? len : 12) == 0)
		return 60;
	return 0;
}

const struct loader fmt_hprof = {
	.name = "hprof",
	.description = "Java HPROF heap dump (jcmd GC.heap_dump, jmap, Android with or without hprof-conv)",
	.sniff = hprof_sniff,
	.load = hprof_load,
};
