// Forty more classes for Shapes.more(), loaded only after the first dump.
// Each holds a static singleton; the singletons point along a chain and at
// their own Class objects (a reference into an anchor), and the last one
// at the first one's class: no user cycle, though each singleton and its
// class are in one cycle of the raw graph (class -ONE-> singleton -cls->
// class).
abstract class CyxBase { Object peer; Class<?> cls; int tag; }

class Cyx00 extends CyxBase { static final Cyx00 ONE = new Cyx00(); }
class Cyx01 extends CyxBase { static final Cyx01 ONE = new Cyx01(); }
class Cyx02 extends CyxBase { static final Cyx02 ONE = new Cyx02(); }
class Cyx03 extends CyxBase { static final Cyx03 ONE = new Cyx03(); }
class Cyx04 extends CyxBase { static final Cyx04 ONE = new Cyx04(); }
class Cyx05 extends CyxBase { static final Cyx05 ONE = new Cyx05(); }
class Cyx06 extends CyxBase { static final Cyx06 ONE = new Cyx06(); }
class Cyx07 extends CyxBase { static final Cyx07 ONE = new Cyx07(); }
class Cyx08 extends CyxBase { static final Cyx08 ONE = new Cyx08(); }
class Cyx09 extends CyxBase { static final Cyx09 ONE = new Cyx09(); }
class Cyx10 extends CyxBase { static final Cyx10 ONE = new Cyx10(); }
class Cyx11 extends CyxBase { static final Cyx11 ONE = new Cyx11(); }
class Cyx12 extends CyxBase { static final Cyx12 ONE = new Cyx12(); }
class Cyx13 extends CyxBase { static final Cyx13 ONE = new Cyx13(); }
class Cyx14 extends CyxBase { static final Cyx14 ONE = new Cyx14(); }
class Cyx15 extends CyxBase { static final Cyx15 ONE = new Cyx15(); }
class Cyx16 extends CyxBase { static final Cyx16 ONE = new Cyx16(); }
class Cyx17 extends CyxBase { static final Cyx17 ONE = new Cyx17(); }
class Cyx18 extends CyxBase { static final Cyx18 ONE = new Cyx18(); }
class Cyx19 extends CyxBase { static final Cyx19 ONE = new Cyx19(); }
class Cyx20 extends CyxBase { static final Cyx20 ONE = new Cyx20(); }
class Cyx21 extends CyxBase { static final Cyx21 ONE = new Cyx21(); }
class Cyx22 extends CyxBase { static final Cyx22 ONE = new Cyx22(); }
class Cyx23 extends CyxBase { static final Cyx23 ONE = new Cyx23(); }
class Cyx24 extends CyxBase { static final Cyx24 ONE = new Cyx24(); }
class Cyx25 extends CyxBase { static final Cyx25 ONE = new Cyx25(); }
class Cyx26 extends CyxBase { static final Cyx26 ONE = new Cyx26(); }
class Cyx27 extends CyxBase { static final Cyx27 ONE = new Cyx27(); }
class Cyx28 extends CyxBase { static final Cyx28 ONE = new Cyx28(); }
class Cyx29 extends CyxBase { static final Cyx29 ONE = new Cyx29(); }
class Cyx30 extends CyxBase { static final Cyx30 ONE = new Cyx30(); }
class Cyx31 extends CyxBase { static final Cyx31 ONE = new Cyx31(); }
class Cyx32 extends CyxBase { static final Cyx32 ONE = new Cyx32(); }
class Cyx33 extends CyxBase { static final Cyx33 ONE = new Cyx33(); }
class Cyx34 extends CyxBase { static final Cyx34 ONE = new Cyx34(); }
class Cyx35 extends CyxBase { static final Cyx35 ONE = new Cyx35(); }
class Cyx36 extends CyxBase { static final Cyx36 ONE = new Cyx36(); }
class Cyx37 extends CyxBase { static final Cyx37 ONE = new Cyx37(); }
class Cyx38 extends CyxBase { static final Cyx38 ONE = new Cyx38(); }
class Cyx39 extends CyxBase { static final Cyx39 ONE = new Cyx39(); }

final class Extra {
	static final int COUNT = 40;

	private Extra() { }

	static Object load() throws Exception {
		CyxBase[] all = new CyxBase[COUNT];
		for (int i = 0; i < COUNT; i++) {
			Class<?> c = Class.forName(String.format("Cyx%02d", i));
			all[i] = (CyxBase) c.getDeclaredField("ONE").get(null);
			all[i].cls = c;
			all[i].tag = 8000 + i;
		}
		for (int i = 0; i + 1 < COUNT; i++)
			all[i].peer = all[i + 1];
		all[COUNT - 1].peer = all[0].cls;
		return all[0];
	}
}
