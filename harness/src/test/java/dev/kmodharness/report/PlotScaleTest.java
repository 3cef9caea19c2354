package dev.kmodharness.report;

import static dev.kmodharness.report.SeedReportsTest.byClass;
import static dev.kmodharness.report.SeedReportsTest.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.timing.InitRecord;
import dev.kmodharness.timing.Stamp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** The plot stays valid, bounded and labelled from a couple of loads to thousands. */
class PlotScaleTest {

    private static Stamp at(long kernel, long real) {
        return new Stamp(kernel, real);
    }

    /**
     * {@code n} loads, one every 5 ms on four tasks, inits of 0 to 160 ms, every 7th load waiting
     * 30 ms for the one before it, every 13th failing.
     */
    static List<InitRecord> synthetic(int n) {
        List<InitRecord> records = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long start = i * 5_000_000L;
            long real = i * 10_000L;
            String module = "mod_" + i + (i % 3 == 0 ? "_with_a_rather_long_name" : "");
            List<InitRecord.Wait> waits = new ArrayList<>();
            long t = start;
            if (i % 7 == 6) {
                waits.add(new InitRecord.Wait("sym_" + (i - 1), "mod_" + (i - 1), at(t, real + 1),
                        at(t + 30_000_000L, real + 2), 0));
                t += 30_000_000L;
            }
            long init = (i % 17) * 10_000_000L;
            boolean fails = i % 13 == 12;
            Stamp s = at(t, real + 3);
            Stamp e = at(t + init, real + 1_000);
            records.add(new InitRecord(module, "modprobe " + module + "/" + (10 + i % 4), i % 101 == 0, at(start, real),
                    at(t, real + 3), waits, s, e, fails ? -19 : 0,
                    List.of(new InitRecord.StateChange("coming", s),
                            new InitRecord.StateChange(fails ? "going" : "live", at(t + init, real + 1_001))),
                    List.of(), fails ? -19 : 0));
        }
        return records;
    }

    @Test
    void twoThousandLoadsStayValidAndSmall() throws Exception {
        String svg = SvgPlot.render(synthetic(2_000));
        int bytes = svg.getBytes(StandardCharsets.UTF_8).length;

        assertTrue(bytes < 2_000_000, "under 2 MB: " + bytes);
        Document doc = parse(svg);
        assertEquals(2_000, byClass(doc, "rect", "load").size(), "a bar per load");
        assertEquals(2_000 / 7, byClass(doc, "rect", "wait").size());
        double height = Double.parseDouble(doc.getDocumentElement().getAttribute("height"));
        assertTrue(height <= 6_200, "height " + height);
        List<Element> labels = byClass(doc, "text", "name");
        assertTrue(labels.size() >= 400 && labels.size() < 2_000, "labels on some rows, not all: " + labels.size());
        assertLabelsApart(labels, 14);
    }

    @Test
    void sixThousandLoadsStayValidAndUnderAFewMegabytes() throws Exception {
        String svg = SvgPlot.render(synthetic(6_000));
        int bytes = svg.getBytes(StandardCharsets.UTF_8).length;

        assertTrue(bytes < 5_000_000, "under 5 MB: " + bytes);
        Document doc = parse(svg);
        assertEquals(6_000, byClass(doc, "rect", "load").size());
        assertTrue(Double.parseDouble(doc.getDocumentElement().getAttribute("height")) <= 6_200);
        assertLabelsApart(byClass(doc, "text", "name"), 14);
    }

    @Test
    void aFewLoadsGetFullRowsAndEveryName() throws Exception {
        Document doc = parse(SvgPlot.render(synthetic(40)));

        assertEquals(40, byClass(doc, "text", "name").size());
        assertLabelsApart(byClass(doc, "text", "name"), 18);
        assertEquals(40, byClass(doc, "text", "dur").size(), "each row says how long its load took");
    }

    @Test
    void fontSizesAreReadable() {
        for (int n : new int[] {2, 500, 2_000}) {
            String svg = SvgPlot.render(synthetic(n));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("font-size:(\\d+)px").matcher(svg);
            int count = 0;
            while (m.find()) {
                assertTrue(Integer.parseInt(m.group(1)) >= 11, n + " loads: " + m.group());
                count++;
            }
            assertTrue(count > 0);
        }
    }

    @Test
    void noLoadsIsStillAPicture() throws Exception {
        Document doc = parse(SvgPlot.render(List.of()));

        assertEquals(0, byClass(doc, "rect", "load").size());
        assertTrue(doc.getDocumentElement().getTextContent().contains("no loads"));
    }

    @Test
    void whenKernelTimeNeverMovedThePlotIsOnRealTime() throws Exception {
        List<InitRecord> records = List.of(
                new InitRecord("x", "modprobe x/2", false, at(0, 1_000_000), at(0, 1_100_000), List.of(),
                        at(0, 1_200_000), at(0, 5_000_000), 0, List.of(), List.of(), 0),
                new InitRecord("y", "modprobe y/3", false, at(0, 5_100_000), at(0, 5_200_000), List.of(),
                        at(0, 5_300_000), at(0, 9_000_000), 0, List.of(), List.of(), 0));
        String svg = SvgPlot.render(records);
        Document doc = parse(svg);

        assertTrue(svg.contains("drawn on real time"), svg);
        assertTrue(svg.contains(">8ms</text>"), "an axis in milliseconds of real time");
        double a = Double.parseDouble(byClass(doc, "rect", "init").get(0).getAttribute("width"));
        double b = Double.parseDouble(byClass(doc, "rect", "init").get(1).getAttribute("width"));
        assertTrue(a > 400 && b > 400, a + " " + b);
    }

    @Test
    void namesAndCausesAreEscaped() throws Exception {
        InitRecord odd = new InitRecord("a<&>\"'\u0001b\uD83D\uDE00", "t/1", false, at(0, 0), at(0, 1),
                List.of(new InitRecord.Wait("s<1>&\"", "o'&", at(0, 1), at(5, 2), -16)), at(5, 3), at(9, 4), 0,
                List.of(), List.of(), 0);
        Document doc = parse(SvgPlot.render(List.of(odd)));

        assertEquals("a<&>\"'?b\uD83D\uDE00", byClass(doc, "text", "name").get(0).getTextContent());
        assertTrue(byClass(doc, "rect", "wait").get(0).getTextContent().startsWith("wait s<1>&\" (o'& COMING)"));
    }

    private static void assertLabelsApart(List<Element> labels, double minimum) {
        for (int i = 1; i < labels.size(); i++) {
            double gap = Double.parseDouble(labels.get(i).getAttribute("y"))
                    - Double.parseDouble(labels.get(i - 1).getAttribute("y"));
            assertTrue(gap >= minimum - 0.11, "labels " + (i - 1) + " and " + i + " are " + gap + " px apart");
        }
    }
}
