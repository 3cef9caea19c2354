package dev.kmodharness.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.module.ModuleEvent;
import dev.kmodharness.module.ModuleInfo;
import dev.kmodharness.module.ModuleState;
import dev.kmodharness.symbols.MemberRef;
import dev.kmodharness.symbols.ModuleImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The generator's sets: their manifests and imports, determinism, and loading them for real. */
@Timeout(60)
class GeneratorTest {

    @TempDir
    Path dir;

    @Test
    void chainModulesEachImportASymbolOfThePreviousWithTheContractManifest() throws Exception {
        Generator.Summary summary = Generator.builder().shape(Generator.Shape.CHAIN).modules(4).classesPerModule(5)
                .build().write(dir);

        assertEquals(List.of("m0000", "m0001", "m0002", "m0003"), summary.plan().names());
        assertEquals(20, summary.classes());
        assertEquals(3, summary.importEdges());
        for (int i = 0; i < 4; i++) {
            String name = "m000" + i;
            Path jar = dir.resolve(name + ".jar");
            try (JarFile file = new JarFile(jar.toFile())) {
                Attributes main = file.getManifest().getMainAttributes();
                assertEquals(name, main.getValue("Module-Name"));
                assertEquals("kmodtest." + name + ".init.Init", main.getValue("Module-Init"));
                assertEquals("kmodtest." + name, main.getValue("Module-Exports"));
                assertEquals("GPL", main.getValue("Module-License"));
            }
            ModuleImage image = ModuleImage.read(jar);
            assertEquals(5, image.classNames().size(), name + ": Init, Symbols, 3 fillers");
            assertEquals(Generator.SYMBOLS_PER_MODULE, image.exports().size());
            List<String> owners = image.imports().stream().map(MemberRef::owner).toList();
            assertEquals(i == 0 ? List.of() : List.of("kmodtest/m000" + (i - 1) + "/Symbols"), owners);
        }
    }

    @Test
    void wideLeavesImportTheBaseOrNothing() throws Exception {
        Generator.Plan withBase = Generator.builder().shape(Generator.Shape.WIDE).modules(5).build().plan();
        assertEquals(List.of(), withBase.nodes().get(0).deps());
        for (Generator.Node leaf : withBase.nodes().subList(1, 5)) {
            assertEquals(List.of(0), leaf.deps());
        }
        Generator.Plan independent = Generator.builder().shape(Generator.Shape.WIDE).modules(5).independent(true)
                .build().plan();
        assertTrue(independent.nodes().stream().allMatch(n -> n.deps().isEmpty()));

        Generator.builder().shape(Generator.Shape.WIDE).modules(5).build().write(dir);
        assertEquals(List.of(new MemberRef("kmodtest/m0000/Symbols",
                        withBase.nodes().get(3).importedSymbols().get(0), "()V")),
                ModuleImage.read(dir.resolve("m0003.jar")).imports());
    }

    @Test
    void dagImportsOnlyLowerNumberedModulesAboutAsOftenAsAsked() {
        Generator.Plan plan = Generator.builder().shape(Generator.Shape.DAG).modules(2000).imports(3).seed(7)
                .build().plan();
        int edges = 0;
        for (Generator.Node node : plan.nodes()) {
            assertEquals(node.deps().size(), distinct(node.deps()).size(), node.name() + ": distinct dependencies");
            for (int dep : node.deps()) {
                assertTrue(dep < node.index(), node.name() + " imports " + dep);
            }
            edges += node.deps().size();
        }
        double mean = edges / 1999.0;
        assertTrue(mean > 2.7 && mean < 3.1, "mean imports " + mean);
    }

    private static java.util.Set<Integer> distinct(List<Integer> list) {
        return new java.util.HashSet<>(list);
    }

    @Test
    void theSameSeedWritesByteIdenticalJarsAndAnotherSeedAnotherSet() throws Exception {
        Generator.Builder description = Generator.builder().shape(Generator.Shape.DAG).modules(300).initCostIterations(50)
                .requestFraction(0.1).top(true).seed(42);
        Path first = dir.resolve("first");
        Path second = dir.resolve("second");
        description.build().write(first);
        description.build().write(second);
        List<String> files;
        try (var listing = Files.list(first)) {
            files = listing.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(301, files.size());
        for (String file : files) {
            assertArrayEquals(Files.readAllBytes(first.resolve(file)), Files.readAllBytes(second.resolve(file)), file);
        }
        assertNotEquals(description.build().plan(), description.seed(43).build().plan());
    }

    @Test
    void aGeneratedDagLoadsWithEveryModuleLiveAfterItsDependencies() throws Exception {
        Generator.Summary summary = Generator.builder().shape(Generator.Shape.DAG).modules(80).classesPerModule(4)
                .initCostIterations(1000).requestFraction(0.2).top(true).seed(3).build().write(dir);
        assertTrue(summary.requestEdges() > 0);

        // the notifier runs under the kernel lock: this is the order the states changed in
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        try (Kernel kernel = Kernel.builder().modules(dir)
                .notifier((ModuleEvent e) -> events.add(e.state() + " " + e.module())).build()) {
            assertEquals(0, kernel.modprobe(Generator.TOP).status());
            assertTrue(kernel.awaitIdle());

            assertEquals(List.of(), kernel.dmesg());
            List<ModuleInfo> modules = kernel.modules();
            assertEquals(81, modules.size());
            assertTrue(modules.stream().allMatch(m -> m.state() == ModuleState.LIVE));
            Map<String, List<String>> uses = modules.stream().collect(Collectors.toMap(ModuleInfo::name, ModuleInfo::uses));
            for (Generator.Node node : summary.plan().nodes()) {
                List<String> deps = node.deps().stream().map(d -> summary.plan().nodes().get(d).name()).sorted().toList();
                assertEquals(deps, uses.get(node.name()).stream().sorted().toList(), node.name() + " uses");
                int coming = events.indexOf("COMING " + node.name());
                assertTrue(coming >= 0, node.name() + " went COMING");
                assertEquals(1, Collections.frequency(events, "COMING " + node.name()), node.name() + " loaded once");
                for (String dep : deps) {
                    int live = events.indexOf("LIVE " + dep);
                    assertTrue(live >= 0 && live < coming, dep + " LIVE before " + node.name() + " COMING");
                }
            }
        }
    }

    @Test
    void synchronousRequestsNeverTargetAModuleThatNeedsARequester() throws Exception {
        Generator generator = Generator.builder().shape(Generator.Shape.DAG).modules(200).requestFraction(0.1)
                .requestWait(true).seed(5).build();
        Generator.Summary summary = generator.write(dir);
        assertEquals(15, summary.synchronousRequests());
        assertEquals(21, summary.requestEdges());
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            for (String name : summary.plan().names()) {
                assertEquals(0, kernel.modprobe(name).status(), name);
            }
            assertTrue(kernel.awaitIdle());
            assertEquals(List.of(), kernel.dmesg(), "no symbol wait gave up");
            assertEquals(0, kernel.now(), "no wait at all in kernel time");
            assertEquals(200, kernel.modules().size());
        }
    }

    @Test
    void theBaselineInitializesTheSameSetInLoadOrder() throws Exception {
        Generator.Summary summary = Generator.builder().shape(Generator.Shape.DAG).modules(50).initCostIterations(100)
                .seed(9).build().write(dir);
        try (Baseline baseline = Baseline.load(summary.jars())) {
            assertEquals(summary.plan().names(), baseline.initialized());
            Class<?> init = Class.forName("kmodtest.m0049.init.Init", false, baseline.classLoader("m0049"));
            // the init read its three fillers (v = 49 * 31 + k) and ran the LCG 100 times
            int x = 49 + 3 * 49 * 31 + 1 + 2 + 3;
            for (int i = 0; i < 100; i++) {
                x = x * 1664525 + 1013904223;
            }
            assertEquals(x, init.getField("sink").getInt(null));
        }
    }

    @Test
    void descriptionsThatMakeNoSetAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Generator.builder().modules(0).build());
        assertThrows(IllegalArgumentException.class, () -> Generator.builder().classesPerModule(1).build());
        assertThrows(IllegalArgumentException.class, () -> Generator.builder().initCostIterations(-1).build());
        assertThrows(IllegalArgumentException.class, () -> Generator.builder().requestFraction(1.5).build());
        assertThrows(IllegalArgumentException.class,
                () -> Generator.builder().shape(Generator.Shape.CHAIN).independent(true).build());
        assertNull(Generator.builder().modules(1).requestFraction(1).build().plan().nodes().get(0).requests());
    }
}
