package dev.kmodharness.kmod;

import dev.kmodharness.symbols.InvalidModuleException;
import dev.kmodharness.symbols.MemberRef;
import dev.kmodharness.symbols.ModuleImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * depmod: the index of a modules directory (like /lib/modules/VERSION with its modules.dep):
 * every module JAR under it, read once, and each module's dependencies, found by matching its
 * imports to the other modules' exports. A file that is not a valid module is reported in
 * {@link #warnings()} and left out; it harms no other module. Immutable after {@link #scan},
 * but for a cache of load orders.
 */
public final class Depmod {

    private final Path dir;
    private final Map<String, ModuleImage> modules;
    /** Each module's position in {@link #images}: the dependency graph works on positions. */
    private final Map<String, Integer> positions;
    /** The modules in path order. */
    private final List<ModuleImage> images;
    /** Each module's direct dependencies, by position, in the order its imports first need them. */
    private final int[][] deps;
    private final List<String> warnings;
    /**
     * Each module's load order once computed: what depmod writes to modules.dep, worked out on
     * first use. A concurrent map: modprobe runs on many threads; an entry never changes.
     */
    private final ConcurrentHashMap<String, List<ModuleImage>> loadOrders = new ConcurrentHashMap<>();

    private Depmod(Path dir, Map<String, ModuleImage> modules, List<String> warnings) {
        this.dir = dir;
        // HashMap-backed: looked up on every modprobe; Map.copyOf's probing is slower here.
        this.modules = java.util.Collections.unmodifiableMap(new HashMap<>(modules));
        this.warnings = List.copyOf(warnings);
        this.images = List.copyOf(modules.values());
        Map<String, Integer> at = new HashMap<>();
        for (int i = 0; i < images.size(); i++) {
            at.put(images.get(i).name(), i);
        }
        this.positions = java.util.Collections.unmodifiableMap(at);
        Map<MemberRef, Integer> exporters = new HashMap<>();
        Map<String, Integer> packageExporters = new HashMap<>();
        for (int i = 0; i < images.size(); i++) {
            for (var symbol : images.get(i).exports()) {
                exporters.putIfAbsent(symbol.method(), i);
            }
            for (String pkg : images.get(i).exportedPackages()) {
                packageExporters.putIfAbsent(pkg, i);
            }
        }
        this.deps = new int[images.size()][];
        for (int i = 0; i < images.size(); i++) {
            Set<Integer> direct = new LinkedHashSet<>();
            for (MemberRef ref : images.get(i).imports()) {
                Integer exporter = exporters.get(ref);
                if (exporter != null && exporter != i) {
                    direct.add(exporter);
                }
            }
            // A class of another module's exported package, named by a field, a type or a
            // handle, links to that module as a symbol does.
            for (String className : images.get(i).classRefs()) {
                Integer exporter = packageExporters.get(dev.kmodharness.symbols.Jdk.packageOf(className));
                if (exporter != null && exporter != i) {
                    direct.add(exporter);
                }
            }
            deps[i] = direct.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /**
     * Indexes every {@code *.jar} under {@code dir}, in path order. An empty directory gives an
     * empty index, as depmod writes an empty modules.dep.
     *
     * @throws ModulesDirectoryException when {@code dir} cannot be read as a directory, with
     *     depmod's one line: {@code depmod: ERROR: could not open directory DIR: REASON}
     */
    public static Depmod scan(Path dir) throws IOException {
        checkDirectory(dir);
        List<Path> jars;
        try (Stream<Path> files = Files.walk(dir)) {
            jars = files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                    .sorted().toList();
        } catch (IOException | UncheckedIOException e) {
            // a subdirectory that cannot be read: depmod says which
            IOException cause = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
            throw ModulesDirectoryException.of(cause instanceof java.nio.file.FileSystemException f
                    && f.getFile() != null ? Path.of(f.getFile()) : dir, cause);
        }
        // Reading and scanning the class files is the costly part: all cores at it.
        List<Object> reads = jars.parallelStream().map(Depmod::read).toList();
        Map<String, ModuleImage> modules = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        for (int i = 0; i < jars.size(); i++) {
            Path jar = jars.get(i);
            Object read = reads.get(i);
            if (read instanceof String fault) {
                warnings.add("depmod: WARNING: " + fault + ": skipped");
            } else {
                ModuleImage image = (ModuleImage) read;
                ModuleImage first = modules.putIfAbsent(image.name(), image);
                if (first != null) {
                    warnings.add("depmod: WARNING: " + dir.relativize(jar) + ": module " + image.name()
                            + " is also " + dir.relativize(first.path()) + ": skipped");
                }
            }
        }
        return new Depmod(dir, modules, warnings);
    }

    /**
     * depmod_modules_search's opendir (tools/depmod.c), whose failure is
     * {@code ERR("could not open directory %s: %m\n", ...)}: the modules path must be a
     * directory the harness can read.
     */
    public static void checkDirectory(Path dir) throws ModulesDirectoryException {
        try (var entries = Files.newDirectoryStream(dir)) {
            entries.iterator().hasNext();
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            throw ModulesDirectoryException.of(dir, e instanceof IOException io ? io : (IOException) e.getCause());
        }
    }

    /** The module image, or the one-line fault that keeps it out of the index. */
    private static Object read(Path jar) {
        try {
            return ModuleImage.read(jar);
        } catch (InvalidModuleException e) {
            return e.getMessage();
        } catch (IOException | UncheckedIOException e) {
            return jar.getFileName() + ": " + e.getMessage();
        }
    }

    public Path dir() {
        return dir;
    }

    /** The module named {@code name} ({@code -} read as {@code _}). */
    public Optional<ModuleImage> find(String name) {
        return Optional.ofNullable(modules.get(name.replace('-', '_')));
    }

    /** Every indexed module's name. */
    public Set<String> names() {
        return modules.keySet();
    }

    /** The direct dependencies of {@code name}, in the order its imports first need them. */
    public List<String> deps(String name) {
        Integer at = positions.get(name);
        return at == null ? List.of() : Arrays.stream(deps[at]).mapToObj(i -> images.get(i).name()).toList();
    }

    /**
     * The modules modprobe inserts for {@code name}: dependencies first, each before the modules
     * needing it, {@code name} last. A dependency cycle is cut where it closes.
     */
    public List<ModuleImage> loadOrder(String name) {
        String wanted = name.replace('-', '_');
        Integer root = positions.get(wanted);
        if (root == null) {
            return List.of();
        }
        // the bin is locked while its order is worked out; the work touches no other entry
        return loadOrders.computeIfAbsent(wanted, n -> {
            List<ModuleImage> order = new ArrayList<>();
            visit(root, new BitSet(images.size()), order);
            return List.copyOf(order);
        });
    }

    private void visit(int module, BitSet seen, List<ModuleImage> order) {
        if (seen.get(module)) {
            return;
        }
        seen.set(module);
        for (int dep : deps[module]) {
            visit(dep, seen, order);
        }
        order.add(images.get(module));
    }

    /** Files left out of the index, one line each. */
    public List<String> warnings() {
        return warnings;
    }
}
