// Plants reference cycles of known shapes, and acyclic controls, in a JVM
// that tests/e2e/cycles_hprof.sh dumps with `jcmd PID GC.heap_dump`.
//
//   java Shapes DIR
//
// The program plants everything, drops a garbage ring, writes DIR/ready1
// and waits.  The script dumps it (`-all`: the garbage is kept), then
// creates DIR/more: the program loads and instantiates a few dozen more
// classes (its own, each with a static singleton, and some of the JDK's),
// writes DIR/ready2 and waits for DIR/quit.  The script dumps it again
// (live) and checks that the user's cycles are the same in both dumps.
//
// Every planted object of a shape carries an int `tag` in the shape's
// range, so the check finds the planted objects in the dump by their field
// values (tests/oracles/cycles/java/check.py reads the HPROF itself):
//
//   shape                              members                         tags
//   ring of 7                          CyRing x7                       1000..1006
//   doubly linked list of 6            CyDNode x6                      2000..2005
//   self loop                          CySelf                          3000
//   parent <-> children (ArrayList)    CyParent, ArrayList, Object[],  4000, 4001..4004
//                                      CyChild x4
//   12 owner <-> pet pairs in a list   CyOwner + CyPet, 12 times       5000.. / 5100..
//   a HashMap that contains itself     HashMap, HashMap$Node[],        (key "cy-self-map")
//                                      HashMap$Node
//   garbage ring of 3 (dump -all)      CyGarbage x3                    9000..9002
// Controls, in no cycle: a tree (CyTree, 6000..), a WeakHashMap whose keys
// point back at its holder (CyRegistry 7000, CyItem 7001..), a
// WeakReference back-pointer (CyWidget 7100 <-> CyListener 7101), objects
// with a finalize() method (CyFinal 7200.., Finalizer links), objects
// registered with a java.lang.ref.Cleaner (CyClean 7300.., Cleaner links)
// and a kept exception (CyFailure 7400: a Throwable's cause is itself until
// one is set).
//
// Everything is held by the static KEEP: statics hang from their class,
// an anchor of the user graph, so the shapes must come out alone anyway.
import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.WeakHashMap;

class CyRing { CyRing next; int tag; }

class CyDNode { CyDNode prev, next; int tag; }

class CySelf { CySelf self; int tag; }

class CyParent { ArrayList<CyChild> children = new ArrayList<>(); int tag; }

class CyChild { CyParent parent; int tag; }

class CyOwner { CyPet pet; int tag; }

class CyPet { CyOwner owner; int tag; }

class CyGarbage { CyGarbage next; int tag; }

class CyTree { CyTree left, right; int tag; }

class CyRegistry { WeakHashMap<CyItem, String> items = new WeakHashMap<>(); int tag; }

class CyItem { CyRegistry registry; int tag; }

class CyWidget { CyListener listener; int tag; }

class CyListener { WeakReference<CyWidget> widget; int tag; }

class CyFinal {
	CyFinal other;
	int tag;

	/* not empty: HotSpot registers no Finalizer for an empty finalize() */
	@SuppressWarnings({ "deprecation", "removal" })
	@Override
	protected void finalize() {
		other = null;
	}
}

class CyClean { Cleaner.Cleanable cleanable; int tag; }

class CyFailure { RuntimeException error; int tag; }

public class Shapes {
	static final List<Object> KEEP = new ArrayList<>();
	static final int PAIRS = 12;

	static void plant() {
		CyRing first = new CyRing(), r = first;
		first.tag = 1000;
		for (int i = 1; i < 7; i++) {
			r.next = new CyRing();
			r = r.next;
			r.tag = 1000 + i;
		}
		r.next = first;
		KEEP.add(first);

		CyDNode head = null, tail = null;
		for (int i = 0; i < 6; i++) {
			CyDNode n = new CyDNode();
			n.tag = 2000 + i;
			if (head == null) {
				head = n;
			} else {
				tail.next = n;
				n.prev = tail;
			}
			tail = n;
		}
		KEEP.add(head);

		CySelf self = new CySelf();
		self.tag = 3000;
		self.self = self;
		KEEP.add(self);

		CyParent parent = new CyParent();
		parent.tag = 4000;
		for (int i = 1; i <= 4; i++) {
			CyChild c = new CyChild();
			c.tag = 4000 + i;
			c.parent = parent;
			parent.children.add(c);
		}
		KEEP.add(parent);

		List<CyOwner> owners = new ArrayList<>();
		for (int i = 0; i < PAIRS; i++) {
			CyOwner o = new CyOwner();
			CyPet p = new CyPet();
			o.tag = 5000 + i;
			p.tag = 5100 + i;
			o.pet = p;
			p.owner = o;
			owners.add(o);
		}
		KEEP.add(owners);

		HashMap<Object, Object> map = new HashMap<>();
		map.put("cy-self-map", map);
		KEEP.add(map);

		KEEP.add(tree(6000, 4));

		/* the parent <-> children shape again, through a WeakHashMap's keys */
		CyRegistry reg = new CyRegistry();
		reg.tag = 7000;
		for (int i = 1; i <= 3; i++) {
			CyItem it = new CyItem();
			it.tag = 7000 + i;
			it.registry = reg;
			reg.items.put(it, "item");
			KEEP.add(it);	/* the keys stay alive; the map only holds them weakly */
		}

		CyWidget w = new CyWidget();
		CyListener l = new CyListener();
		w.tag = 7100;
		l.tag = 7101;
		w.listener = l;
		l.widget = new WeakReference<>(w);
		KEEP.add(w);

		CyFinal f1 = new CyFinal(), f2 = new CyFinal(), f3 = new CyFinal();
		f1.tag = 7200;
		f2.tag = 7201;
		f3.tag = 7202;
		f1.other = f2;
		f2.other = f3;
		KEEP.add(f1);

		CyFailure failure = new CyFailure();	/* Throwable.cause is the exception itself */
		failure.tag = 7400;
		failure.error = new IllegalStateException("cy-failure");
		KEEP.add(failure);

		Cleaner cleaner = Cleaner.create();
		for (int i = 0; i < 3; i++) {
			CyClean c = new CyClean();
			c.tag = 7300 + i;
			c.cleanable = cleaner.register(c, () -> { });
			KEEP.add(c);
		}
	}

	static CyTree tree(int tag, int depth) {
		CyTree t = new CyTree();
		t.tag = tag;
		if (depth > 1) {
			t.left = tree(tag * 2 - 5999, depth - 1);
			t.right = tree(tag * 2 - 5998, depth - 1);
		}
		return t;
	}

	static void garbage() {
		CyGarbage g1 = new CyGarbage(), g2 = new CyGarbage(), g3 = new CyGarbage();
		g1.tag = 9000;
		g2.tag = 9001;
		g3.tag = 9002;
		g1.next = g2;
		g2.next = g3;
		g3.next = g1;
	}

	/* More classes: the program's own (Extra.java) and some of the JDK's. */
	static void more() throws Exception {
		KEEP.add(Extra.load());
		java.util.TreeMap<String, Integer> tm = new java.util.TreeMap<>();
		java.util.LinkedList<String> ll = new java.util.LinkedList<>();
		java.util.concurrent.ConcurrentHashMap<String, Object> chm = new java.util.concurrent.ConcurrentHashMap<>();
		for (int i = 0; i < 3; i++) {
			tm.put("k" + i, i);
			ll.add(String.format("%d-%s", i, java.time.LocalDate.of(2024, 1 + i, 1)));
			chm.put("c" + i, java.util.regex.Pattern.compile("a+" + i));
		}
		KEEP.add(java.util.stream.IntStream.range(0, 10).mapToObj(Integer::toString)
			 .collect(java.util.stream.Collectors.joining(",")));
		KEEP.add(tm.keySet().iterator().next());
		KEEP.add(chm.size() + ll.size());
	}

	static void await(Path p) throws InterruptedException {
		while (!Files.exists(p))
			Thread.sleep(20);
	}

	public static void main(String[] args) throws Exception {
		Path dir = Path.of(args[0]);
		plant();
		garbage();
		Files.createFile(dir.resolve("ready1"));
		await(dir.resolve("more"));
		more();
		Files.createFile(dir.resolve("ready2"));
		await(dir.resolve("quit"));
		System.out.println(KEEP.size());
	}
}
