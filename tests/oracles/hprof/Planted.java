// Plants known reference cycles in a JVM heap and dumps the heap with
// HotSpotDiagnosticMXBean.dumpHeap, for tests/e2e/hprof.sh.
//
//   java -Xint Planted OUT.hprof live|all
//
// Cycles planted (every member's class starts with "Planted", or is a JDK
// class inside the cycle):
//   1. PlantedSelf         a self-loop                        (1 object)
//   2. PlantedDNode x5     a doubly linked list               (5 objects)
//   3. PlantedRing x4      a ring                             (4 objects)
//   4. PlantedParent + java.util.ArrayList + java.lang.Object[] + PlantedChild x3
//                          parent <-> children through an ArrayList (6 objects)
//   5. PlantedMap + java.util.HashMap$Node[] + java.util.HashMap$Node
//                          a map that contains itself          (3 objects)
// With "all" (a dump without the collection first) a sixth, unreachable
// cycle is in the heap: PlantedGarbage x3 in a ring, dropped before the dump.
//
// The planted objects are held only by a local variable of main (a "Java
// frame" root; -Xint keeps every local reported), never by a static field:
// a static would tie them to the class loader's own cycle through their
// class objects.
import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;

class PlantedSelf { PlantedSelf self; }

class PlantedDNode { PlantedDNode prev, next; int value; }

class PlantedRing { PlantedRing next; int value; }

class PlantedParent { ArrayList<PlantedChild> children = new ArrayList<>(); }

class PlantedChild { PlantedParent parent; int index; }

class PlantedMap extends HashMap<Object, Object> { }

class PlantedGarbage { PlantedGarbage next; long pad; }

class PlantedLeaf { Object ref; }	/* acyclic: a chain the test must not report */

public class Planted {
	static Object[] plant() {
		PlantedSelf self = new PlantedSelf();
		self.self = self;

		PlantedDNode head = null, tail = null;
		for (int i = 0; i < 5; i++) {
			PlantedDNode n = new PlantedDNode();
			n.value = i;
			if (head == null) {
				head = n;
			} else {
				tail.next = n;
				n.prev = tail;
			}
			tail = n;
		}

		PlantedRing first = new PlantedRing(), r = first;
		for (int i = 1; i < 4; i++) {
			r.next = new PlantedRing();
			r.next.value = i;
			r = r.next;
		}
		r.next = first;

		PlantedParent parent = new PlantedParent();
		for (int i = 0; i < 3; i++) {
			PlantedChild c = new PlantedChild();
			c.parent = parent;
			c.index = i;
			parent.children.add(c);
		}

		PlantedMap map = new PlantedMap();
		map.put("self", map);

		PlantedLeaf a = new PlantedLeaf(), b = new PlantedLeaf();
		a.ref = b;
		b.ref = new int[] { 1, 2, 3 };

		return new Object[] { self, head, first, parent, map, a };
	}

	static void garbage() {
		PlantedGarbage g1 = new PlantedGarbage(), g2 = new PlantedGarbage(), g3 = new PlantedGarbage();
		g1.next = g2;
		g2.next = g3;
		g3.next = g1;
	}

	public static void main(String[] args) throws Exception {
		boolean live = args.length > 1 && args[1].equals("live");
		Object[] keep = plant();
		garbage();
		HotSpotDiagnosticMXBean bean = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
		bean.dumpHeap(args[0], live);
		System.out.println(keep.length);
	}
}
