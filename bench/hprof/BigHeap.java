// Builds about 6 million live objects of everyday kinds and dumps the heap
// (about 350 MB), for bench/hprof/run.sh.
//
//   java -Xmx3g BigHeap OUT.hprof
//
// 1M BigItem (three references and a long), 1M Strings (2M objects with
// their byte[]), 500k ArrayLists with their Object[], a HashMap of 1M
// Integer -> BigItem (1M HashMap$Node, 1M Integer, one big table) and a
// long[10M].  Every BigItem is in a ring through `next`, so the whole ring
// is one strongly connected component of a million objects.
import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;

public class BigHeap {
	static final class BigItem {
		BigItem next, other;
		String label;
		long value;
	}

	public static void main(String[] args) throws Exception {
		final int n = 1_000_000;
		BigItem[] items = new BigItem[n];
		for (int i = 0; i < n; i++) {
			items[i] = new BigItem();
			items[i].value = i;
			items[i].label = "item-" + i;
		}
		for (int i = 0; i < n; i++) {
			items[i].next = items[(i + 1) % n];
			items[i].other = items[(int) ((i * 7919L) % n)];
		}
		ArrayList<ArrayList<BigItem>> lists = new ArrayList<>();
		for (int i = 0; i < n / 2; i++) {
			ArrayList<BigItem> l = new ArrayList<>(4);
			for (int k = 0; k < 4; k++)
				l.add(items[(i * 4 + k) % n]);
			lists.add(l);
		}
		HashMap<Integer, BigItem> map = new HashMap<>(2 * n);
		for (int i = 0; i < n; i++)
			map.put(i + 1000, items[i]);
		long[] big = new long[10_000_000];
		Object[] keep = { items, lists, map, big };
		ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).dumpHeap(args[0], true);
		System.out.println(keep.length);
	}
}
