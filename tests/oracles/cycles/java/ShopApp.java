// The README's example of `heapglass cycles` on a JVM heap ("Java heap
// dumps"): a small order service with the cycles real programs have.
//
//   javac -d /tmp/shop tests/oracles/cycles/java/ShopApp.java
//   java -cp /tmp/shop ShopApp /tmp/shop &      # writes /tmp/shop/ready
//   jcmd $! GC.heap_dump /tmp/shop/app.hprof; touch /tmp/shop/quit
//   heapglass cycles /tmp/shop/app.hprof
//
// Three patterns, nothing of the JDK's: 200 customers with their orders and
// line items (parent <-> children twice over), 300 sessions with their
// requests, and the event bus whose listeners capture the service (an
// anonymous class's this$0, a lambda's captured service).
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.function.Consumer;

public class ShopApp {
	static final class Customer {
		final String name;
		final List<Order> orders = new ArrayList<>();
		Customer(String name) { this.name = name; }
	}

	static final class Order {
		final long id;
		final Customer customer;
		final List<LineItem> items = new ArrayList<>();
		double total;
		Order(long id, Customer c) { this.id = id; this.customer = c; }
	}

	static final class LineItem {
		final Order order;
		final String sku;
		final int qty;
		LineItem(Order o, String sku, int qty) { this.order = o; this.sku = sku; this.qty = qty; }
	}

	static final class EventBus {
		private final Map<String, List<Consumer<Object>>> listeners = new ConcurrentHashMap<>();
		void on(String topic, Consumer<Object> l) { listeners.computeIfAbsent(topic, k -> new CopyOnWriteArrayList<>()).add(l); }
		void emit(String topic, Object ev) { listeners.getOrDefault(topic, List.of()).forEach(l -> l.accept(ev)); }
	}

	static final class Session {
		final String user;
		final List<Request> history = new ArrayList<>();
		Session(String user) { this.user = user; }
	}

	static final class Request {
		final Session session;
		final String path;
		Request(Session s, String path) { this.session = s; this.path = path; }
	}

	static final class OrderService {
		private final EventBus bus;
		private final Map<Long, Order> cache = new LinkedHashMap<>(16, 0.75f, true) {
			@Override
			protected boolean removeEldestEntry(Map.Entry<Long, Order> e) { return size() > 500; }
		};
		private final ExecutorService pool = Executors.newFixedThreadPool(2);
		private long next = 1;
		int notified;

		OrderService(EventBus bus) {
			this.bus = bus;
			bus.on("order", new Consumer<Object>() {	/* captures the service */
				@Override
				public void accept(Object o) { notified++; }
			});
			bus.on("order", o -> cache.size());
		}

		Order place(Customer c, int lines) {
			Order o = new Order(next++, c);
			for (int i = 0; i < lines; i++)
				o.items.add(new LineItem(o, "SKU-" + (i * 7 % 13), 1 + i % 3));
			o.total = o.items.size() * 9.99;
			c.orders.add(o);
			cache.put(o.id, o);
			pool.submit(() -> bus.emit("order", o));
			return o;
		}
	}

	static final List<Object> ROOTS = new ArrayList<>();

	public static void main(String[] args) throws Exception {
		Path dir = Path.of(args[0]);
		EventBus bus = new EventBus();
		OrderService svc = new OrderService(bus);
		Map<String, Session> sessions = new HashMap<>();
		List<Customer> customers = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			Customer c = new Customer("customer-" + i);
			customers.add(c);
			for (int k = 0; k < 1 + i % 4; k++)
				svc.place(c, 1 + (i + k) % 5);
		}
		for (int i = 0; i < 300; i++) {
			Session s = new Session("user-" + i);
			for (int k = 0; k < 3; k++)
				s.history.add(new Request(s, "/orders/" + (i * 3 + k)));
			sessions.put(s.user, s);
		}
		ROOTS.add(svc);
		ROOTS.add(sessions);
		ROOTS.add(customers);
		Files.createFile(dir.resolve("ready"));
		while (!Files.exists(dir.resolve("quit")))
			Thread.sleep(50);
		svc.pool.shutdown();
	}
}
