package dev.kmodharness.report;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.symbols.ModuleImage;
import dev.kmodharness.timing.InitRecord;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Every report over the seed in small: a's init requests b, and b needs four of a's symbols,
 * so b waits 4 x 30 s for a to leave COMING and fails with -EBUSY; each wait ends on the timer
 * wheel's next 512-jiffy boundary (31.712 s from boot, then 30.72 s apart); a goes LIVE at 123.872 s.
 * Virtual clock: every kernel time is exact.
 */
@Timeout(20)
class SeedReportsTest {

    private static final List<String> SYMBOLS = List.of("a_one", "a_two", "a_three", "a_four");

    @TempDir
    Path dir;

    private List<InitRecord> records;
    private List<String> initcallDmesg;
    private Map<String, String> initClasses;

    @BeforeEach
    void runTheSeed() throws Exception {
        plugin("a").license("GPL").exportsGpl(SYMBOLS.toArray(String[]::new)).requests("b").writeTo(dir);
        plugin("b").license("GPL").imports("a", SYMBOLS.toArray(String[]::new)).writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).initcallDebug(true).build()) {
            kernel.modprobe("a");
            assertTrue(kernel.awaitIdle());
            records = kernel.timings();
            initcallDmesg = kernel.dmesg().stream()
                    .filter(line -> line.contains("] calling  ") || line.contains("] initcall ")).toList();
            initClasses = kernel.depmod().names().stream().collect(Collectors.toMap(n -> n,
                    n -> kernel.depmod().find(n).map(ModuleImage::initClass).orElseThrow()));
        }
        assertEquals(List.of("a", "b"), records.stream().map(InitRecord::module).toList());
    }

    @Test
    void blameNamesAFirstWith120sAndBWithItsWaits() {
        List<String> lines = Blame.render(records).lines().toList();

        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("   123.872s a  real "), lines.get(0));
        assertTrue(lines.get(0).endsWith("  waited   0.000s"), lines.get(0));
        assertTrue(lines.get(1).startsWith("     0.000s b  real "), lines.get(1));
        assertTrue(lines.get(1).endsWith("  waited 123.872s  err -16, init did not run"), lines.get(1));
    }

    @Test
    void criticalChainGoesFromAThroughTheRequestToBAndItsFourWaits() {
        assertEquals("""
                The time when a load, request or wait began is printed after the "@" character.
                The time it took is printed after the "+" character (kernel time).

                a @0.000s +123.872s
                └─request_module(b) @0.000s +123.872s returned 256
                  └─b @0.000s +123.872s err -16
                    └─wait a_four (a COMING) @93.152s +30.720s timed out, err -16; a is above: cycle
                      └─wait a_three (a COMING) @62.432s +30.720s timed out, err -16; a is above: cycle
                        └─wait a_two (a COMING) @31.712s +30.720s timed out, err -16; a is above: cycle
                          └─wait a_one (a COMING) @0.000s +31.712s timed out, err -16; a is above: cycle
                """, CriticalChain.render(records));

        List<CriticalChain.Link> chain = CriticalChain.compute(records);
        assertEquals(List.of(CriticalChain.Kind.LOAD, CriticalChain.Kind.REQUEST, CriticalChain.Kind.LOAD,
                CriticalChain.Kind.WAIT, CriticalChain.Kind.WAIT, CriticalChain.Kind.WAIT, CriticalChain.Kind.WAIT),
                chain.stream().map(CriticalChain.Link::kind).toList());
    }

    @Test
    void initcallsAreTheLinesInitcallDebugPutsInDmesg() {
        String rendered = Initcalls.render(records, module -> java.util.Optional.ofNullable(initClasses.get(module)));

        assertEquals(2, initcallDmesg.size(), String.join("\n", initcallDmesg));
        assertEquals(initcallDmesg, rendered.lines().toList());
        assertTrue(initcallDmesg.get(0).matches("\\[    0\\.000000\\] calling  Init\\.<clinit> \\[a\\] @ \\d+"),
                initcallDmesg.get(0));
        assertEquals("[  123.872000] initcall Init.<clinit> [a] returned 0 after 123872000 usecs", initcallDmesg.get(1));
    }

    @Test
    void initcallsWithoutTheInitClassNameTheModulesInit() {
        List<String> lines = Initcalls.render(records).lines().toList();

        assertEquals(2, lines.size());
        assertTrue(lines.get(0).matches("\\[    0\\.000000\\] calling  a_init \\[a\\] @ \\d+"), lines.get(0));
        assertEquals("[  123.872000] initcall a_init [a] returned 0 after 123872000 usecs", lines.get(1));
    }

    @Test
    @SuppressWarnings("unchecked")
    void traceIsJsonWithATrackPerThreadAndWaitsNamedForTheirCause() {
        String json = ChromeTrace.render(records);

        assertBalanced(json);
        Map<String, Object> root = (Map<String, Object>) MiniJson.parse(json);
        List<Map<String, Object>> events = (List<Map<String, Object>>) root.get("traceEvents");

        Set<Double> tids = new HashSet<>();
        Set<Double> named = new HashSet<>();
        for (Map<String, Object> e : events) {
            assertEquals(1.0, e.get("pid"), e.toString());
            if ("X".equals(e.get("ph"))) {
                tids.add((Double) e.get("tid"));
            }
            if ("thread_name".equals(e.get("name"))) {
                named.add((Double) e.get("tid"));
            }
        }
        assertEquals(2, tids.size(), "a's loading task and b's modprobe: " + tids);
        assertEquals(tids, named, "a thread_name event for every thread");
        for (InitRecord r : records) {
            String name = named(events, (double) Times.pid(r.thread()));
            assertEquals(r.thread(), name);
        }

        Map<String, Object> firstWait = event(events, "wait a_one (a COMING)");
        assertEquals("wait", firstWait.get("cat"));
        assertEquals(0.0, firstWait.get("ts"));
        assertEquals(31_712_000.0, firstWait.get("dur"), "31.712 s in microseconds");
        assertEquals(-16.0, ((Map<String, Object>) firstWait.get("args")).get("err"));
        assertEquals(93_152_000.0, event(events, "wait a_four (a COMING)").get("ts"));

        Map<String, Object> init = event(events, "init a");
        assertEquals(123_872_000.0, init.get("dur"));
        Map<String, Object> request = event(events, "request_module(b)");
        assertEquals(init.get("tid"), request.get("tid"), "the request is on the track of the task that made it");
        assertEquals("X", event(events, "load b").get("ph"));
        assertEquals(-16.0, ((Map<String, Object>) event(events, "load b").get("args")).get("result"));
        assertTrue(json.contains("\"name\":\"a LIVE\",\"cat\":\"state\",\"ph\":\"i\""), json);
    }

    @Test
    void plotIsWellFormedSvgWithABarPerModuleAndHatchedWaits() throws Exception {
        String svg = SvgPlot.render(records);
        Document doc = parse(svg);

        List<Element> loads = byClass(doc, "rect", "load");
        assertEquals(2, loads.size(), "one bar per module");
        List<Element> waits = byClass(doc, "rect", "wait");
        assertEquals(4, waits.size(), "one element per wait");
        for (Element wait : waits) {
            assertEquals("url(#hatch)", wait.getAttribute("fill"));
        }
        assertEquals("wait a_one (a COMING) +31.712s, timed out: err -16",
                waits.get(0).getElementsByTagName("title").item(0).getTextContent());
        assertEquals(1, byClass(doc, "rect", "init").size());
        assertEquals(1, byClass(doc, "rect", "req").size());
        List<String> names = byClass(doc, "text", "name").stream().map(Element::getTextContent).toList();
        assertEquals(List.of("a", "b"), names);
        assertFalse(byClass(doc, "text", "failed").isEmpty(), "b's failed load is marked");
        assertTrue(svg.contains(">0s</text>") && svg.contains(">120s</text>"), "the axis reads 0s to 120s");
    }

    static Map<String, Object> event(List<Map<String, Object>> events, String name) {
        return events.stream().filter(e -> name.equals(e.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no event " + name + " in " + events));
    }

    @SuppressWarnings("unchecked")
    private static String named(List<Map<String, Object>> events, double tid) {
        return events.stream().filter(e -> "thread_name".equals(e.get("name")) && e.get("tid").equals(tid))
                .map(e -> (String) ((Map<String, Object>) e.get("args")).get("name")).findFirst().orElseThrow();
    }

    /** Brackets and braces balance outside strings. */
    static void assertBalanced(String json) {
        List<Character> stack = new ArrayList<>();
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                stack.add(c);
            } else if (c == '}' || c == ']') {
                assertFalse(stack.isEmpty(), "unbalanced at " + i);
                char open = stack.remove(stack.size() - 1);
                assertEquals(c == '}' ? '{' : '[', open, "mismatched at " + i);
            }
        }
        assertFalse(inString, "unterminated string");
        assertTrue(stack.isEmpty(), "unclosed " + stack);
    }

    static Document parse(String svg) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    /** Elements {@code tag} whose class list holds {@code cls}, in document order. */
    static List<Element> byClass(Document doc, String tag, String cls) {
        NodeList nodes = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", tag);
        List<Element> found = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (List.of(e.getAttribute("class").split(" ")).contains(cls)) {
                found.add(e);
            }
        }
        return found;
    }
}
