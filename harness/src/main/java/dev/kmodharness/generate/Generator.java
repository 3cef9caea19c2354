package dev.kmodharness.generate;

import dev.kmodharness.junit.PluginBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Synthetic module sets, written as real plugin JARs (Byte Buddy's bundled ASM), for benchmarks
 * and load tests:
 *
 * <pre>{@code
 * Generator.Summary set = Generator.builder().shape(Generator.Shape.DAG).modules(6000)
 *         .classesPerModule(5).initCostIterations(10_000).seed(1).build().write(dir);
 * }</pre>
 *
 * <h2>Shapes</h2>
 * Modules are {@code m0000}, {@code m0001}, ... (at least four digits, more when needed), and
 * every import goes to a lower-numbered module, so the set is acyclic and index order is a
 * dependency order: modprobe of every module in index order loads each exactly once, after its
 * dependencies.
 * <ul>
 *   <li>{@link Shape#CHAIN}: {@code m0000 <- m0001 <- ...}, each importing one symbol of the
 *     previous.</li>
 *   <li>{@link Shape#WIDE}: one base {@code m0000} and leaves {@code m0001..} importing one of its
 *     symbols each; or, {@link Builder#independent}, N modules importing nothing.</li>
 *   <li>{@link Shape#DAG}: random from the seed, distro-like: module i (i &gt; 0) imports one
 *     symbol each from between 1 and {@code 2 * imports - 1} distinct lower-numbered modules
 *     (uniform, so about {@code imports} on average), picked with a bias to low numbers (the
 *     core libraries everyone uses): index {@code floor(i * u * u)}, u uniform in [0, 1).</li>
 * </ul>
 *
 * <h2>Each module</h2>
 * Follows {@link PluginBuilder}'s conventions (package {@code kmodtest.<name>}, init class
 * {@code kmodtest.<name>.init.Init}, symbols class {@code kmodtest.<name>.Symbols}, class
 * version 17, the same JAR layout and fixed entry times):
 * <ul>
 *   <li>Manifest: {@code Module-Name}, {@code Module-Init}, {@code Module-License: GPL},
 *     {@code Module-Exports: kmodtest.<name>}.</li>
 *   <li>{@code Symbols}: {@link #SYMBOLS_PER_MODULE} exported symbols
 *     {@code public static void <name>_fn<k>()}, annotated {@code @Export}.</li>
 *   <li>{@code classesPerModule - 2} filler classes {@code kmodtest.<name>.init.F<k>}, each with a
 *     {@code public static int v} set by its own static initializer.</li>
 *   <li>The init class's static initializer (module_init), in order: calls the imported symbols
 *     (one per dependency), calls its own {@code <name>_fn0} (so the Symbols class is loaded
 *     too), reads every filler's {@code v} (so each is loaded and initialized), runs the init
 *     cost, a busy loop of K iterations of an LCG over an int ({@code x = x * 1664525 +
 *     1013904223}, with the loop's stack map frames written out), stores the result in
 *     {@code public static int sink}, and finally, for a module with a request edge, calls
 *     {@code Kmod.requestModuleNowait("<later module>")} (or {@code Kmod.requestModule}, see
 *     {@link Builder#requestWait}).</li>
 * </ul>
 * A set with {@link Builder#top} also has module {@code top} (not counted in the module count),
 * whose init imports one symbol of every module nothing else imports: {@code modprobe top}
 * loads the whole set.
 *
 * <p>Deterministic: the same description writes byte-identical JARs, whatever the number of
 * threads writing them. A generator is immutable and thread-safe.
 */
public final class Generator {

    /** The set's shape. */
    public enum Shape {
        CHAIN, WIDE, DAG;

        /** The shape named {@code name} (any case): chain, wide or dag. */
        public static Shape parse(String name) {
            for (Shape shape : values()) {
                if (shape.name().equalsIgnoreCase(name)) {
                    return shape;
                }
            }
            throw new IllegalArgumentException("unknown shape '" + name + "' (want chain, wide or dag)");
        }

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Exported symbols per module. */
    public static final int SYMBOLS_PER_MODULE = 4;
    /** The name of the optional module that imports every sink. */
    public static final String TOP = "top";

    private final Shape shape;
    private final int modules;
    private final int classesPerModule;
    private final int initCostIterations;
    private final int imports;
    private final double requestFraction;
    private final boolean requestWait;
    private final boolean independent;
    private final boolean top;
    private final long seed;
    private final Plan plan;
    private final ModuleJar jar;

    private Generator(Builder b) {
        this.shape = b.shape;
        this.modules = b.modules;
        this.classesPerModule = b.classesPerModule;
        this.initCostIterations = b.initCostIterations;
        this.imports = b.imports;
        this.requestFraction = b.requestFraction;
        this.requestWait = b.requestWait;
        this.independent = b.independent;
        this.top = b.top;
        this.seed = b.seed;
        this.plan = makePlan();
        this.jar = new ModuleJar(top ? modules : -1, classesPerModule, initCostIterations, this::name);
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---- the plan: who imports whom, who requests whom ----

    /**
     * One module of the set.
     *
     * @param index its number (the order to load in); {@code top} is last
     * @param name its Module-Name
     * @param deps the modules it imports from, by index, in the order its init calls them
     * @param importedSymbols the symbol it imports from each dependency, in the same order
     * @param requests the module its init requests, or null
     * @param requestWaits whether that request is request_module (true) or request_module_nowait
     */
    public record Node(int index, String name, List<Integer> deps, List<String> importedSymbols, String requests,
            boolean requestWaits) {
    }

    /** The whole set, in load order ({@code top}, if any, last). */
    public record Plan(List<Node> nodes) {
        /** Module names in load order. */
        public List<String> names() {
            return nodes.stream().map(Node::name).toList();
        }
    }

    /** What {@link #write} wrote. */
    public record Summary(Path dir, Shape shape, int modules, boolean top, int classes, int importEdges,
            int requestEdges, int synchronousRequests, long bytes, long writeNanos, Plan plan) {

        /** The JARs in load order. */
        public List<Path> jars() {
            return plan.names().stream().map(name -> dir.resolve(name + ".jar")).toList();
        }

        /** One line, as the generate command prints it. */
        public String describe() {
            return String.format(java.util.Locale.ROOT,
                    "generated %d modules%s (%s): %d classes, %d imports, %d request_module calls (%d synchronous), "
                            + "%.1f MB in %.2f s -> %s",
                    modules, top ? " + top" : "", shape, classes, importEdges, requestEdges, synchronousRequests,
                    bytes / 1e6, writeNanos / 1e9, dir);
        }
    }

    /** The set this generator writes, without writing it. */
    public Plan plan() {
        return plan;
    }

    private String name(int index) {
        int digits = Math.max(4, Integer.toString(modules - 1).length());
        String number = Integer.toString(index);
        return "m" + "0".repeat(Math.max(0, digits - number.length())) + number;
    }

    static String symbol(String module, int k) {
        return module + "_fn" + k;
    }

    private Plan makePlan() {
        SplittableRandom random = new SplittableRandom(seed);
        List<List<Integer>> deps = new ArrayList<>(modules);
        for (int i = 0; i < modules; i++) {
            deps.add(depsOf(i, random));
        }
        // the symbol each import picks, in a second pass so that the graph does not depend on it
        List<List<String>> symbols = new ArrayList<>(modules);
        for (int i = 0; i < modules; i++) {
            List<String> picked = new ArrayList<>();
            for (int dep : deps.get(i)) {
                picked.add(symbol(name(dep), random.nextInt(SYMBOLS_PER_MODULE)));
            }
            symbols.add(picked);
        }
        String[] requests = new String[modules];
        boolean[] waits = new boolean[modules];
        planRequests(deps, random, requests, waits);
        List<Node> nodes = new ArrayList<>(modules + 1);
        for (int i = 0; i < modules; i++) {
            nodes.add(new Node(i, name(i), List.copyOf(deps.get(i)), List.copyOf(symbols.get(i)), requests[i],
                    waits[i]));
        }
        if (top) {
            BitSet imported = new BitSet(modules);
            deps.forEach(list -> list.forEach(imported::set));
            List<Integer> sinks = new ArrayList<>();
            List<String> sinkSymbols = new ArrayList<>();
            for (int i = imported.nextClearBit(0); i < modules; i = imported.nextClearBit(i + 1)) {
                sinks.add(i);
                sinkSymbols.add(symbol(name(i), 0));
            }
            nodes.add(new Node(modules, TOP, List.copyOf(sinks), List.copyOf(sinkSymbols), null, false));
        }
        return new Plan(List.copyOf(nodes));
    }

    private List<Integer> depsOf(int i, SplittableRandom random) {
        if (i == 0) {
            return List.of();
        }
        switch (shape) {
            case CHAIN:
                return List.of(i - 1);
            case WIDE:
                return independent ? List.of() : List.of(0);
            default:
                int count = Math.min(i, 1 + random.nextInt(2 * imports - 1));
                java.util.LinkedHashSet<Integer> picked = new java.util.LinkedHashSet<>();
                while (picked.size() < count) {
                    double u = random.nextDouble();
                    picked.add((int) (i * u * u));
                }
                return List.copyOf(picked);
        }
    }

    /**
     * Picks the modules that make a request (a fraction of those with a later module) and their
     * targets, any later module. A synchronous request only goes to a module none of whose
     * dependencies (transitively, itself included) is a synchronous requester: such a requester
     * is COMING while its request runs, so a target needing it would hang 30 s a symbol (the
     * seed's bug). A requester with no such target requests with nowait instead.
     */
    private void planRequests(List<List<Integer>> deps, SplittableRandom random, String[] requests, boolean[] waits) {
        if (requestFraction <= 0 || modules < 2) {
            return;
        }
        int[] targets = new int[modules];
        java.util.Arrays.fill(targets, -1);
        for (int i = 0; i < modules - 1; i++) {
            if (random.nextDouble() < requestFraction) {
                targets[i] = i + 1 + random.nextInt(modules - 1 - i);
            }
        }
        if (requestWait) {
            BitSet requesters = new BitSet(modules);
            for (int i = 0; i < modules; i++) {
                if (targets[i] >= 0) {
                    requesters.set(i);
                }
            }
            // needsRequester[j]: j or one of its (transitive) dependencies is a requester
            boolean[] needsRequester = new boolean[modules];
            for (int j = 0; j < modules; j++) {
                boolean needs = requesters.get(j);
                for (int dep : deps.get(j)) {
                    needs |= needsRequester[dep];
                }
                needsRequester[j] = needs;
            }
            List<Integer> safe = new ArrayList<>();
            for (int j = 0; j < modules; j++) {
                if (!needsRequester[j]) {
                    safe.add(j);
                }
            }
            for (int i = 0; i < modules; i++) {
                if (targets[i] < 0) {
                    continue;
                }
                // the safe modules after i
                int from = java.util.Collections.binarySearch(safe, i + 1);
                from = from < 0 ? -from - 1 : from;
                if (from < safe.size()) {
                    targets[i] = safe.get(from + random.nextInt(safe.size() - from));
                    waits[i] = true;
                }
            }
        }
        for (int i = 0; i < modules; i++) {
            if (targets[i] >= 0) {
                requests[i] = name(targets[i]);
            }
        }
    }

    // ---- writing ----

    /**
     * Writes every module's JAR ({@code <name>.jar}) into {@code dir}, creating it if needed, in
     * parallel; files of other names are left alone, files of the same names replaced.
     *
     * @throws IOException when a JAR cannot be written
     */
    public Summary write(Path dir) throws IOException {
        Objects.requireNonNull(dir, "dir");
        long start = System.nanoTime();
        Files.createDirectories(dir);
        List<Node> nodes = plan.nodes();
        long[] sizes = new long[nodes.size()];
        try {
            IntStream.range(0, nodes.size()).parallel().forEach(i -> {
                byte[] bytes = jar.bytes(nodes.get(i));
                try {
                    Files.write(dir.resolve(nodes.get(i).name() + ".jar"), bytes);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                sizes[i] = bytes.length;
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        long elapsed = System.nanoTime() - start;
        int importEdges = 0;
        int requestEdges = 0;
        int synchronous = 0;
        int classes = 0;
        for (Node node : nodes) {
            importEdges += node.deps().size();
            requestEdges += node.requests() != null ? 1 : 0;
            synchronous += node.requests() != null && node.requestWaits() ? 1 : 0;
            classes += node.name().equals(TOP) && top ? 1 + ModuleJar.topParts(node) : classesPerModule;
        }
        return new Summary(dir, shape, modules, top, classes, importEdges, requestEdges, synchronous,
                java.util.Arrays.stream(sizes).sum(), elapsed, plan);
    }

    /** The JAR of module {@code name} of this set. */
    public byte[] jarBytes(String name) {
        return jar.bytes(plan.nodes().stream().filter(n -> n.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no module " + name + " in this set")));
    }

    @Override
    public String toString() {
        return shape + " x " + modules + " (" + classesPerModule + " classes, init cost " + initCostIterations
                + (shape == Shape.DAG ? ", " + imports + " imports" : "") + ", requests " + requestFraction
                + (requestWait ? " wait" : "") + (independent ? ", independent" : "") + (top ? ", top" : "")
                + ", seed " + seed + ")";
    }

    /** The description of a set; {@link #build()} checks it. */
    public static final class Builder {
        private Shape shape = Shape.DAG;
        private int modules = 1000;
        private int classesPerModule = 5;
        private int initCostIterations;
        private int imports = 3;
        private double requestFraction;
        private boolean requestWait;
        private boolean independent;
        private boolean top;
        private long seed = 1;

        private Builder() {
        }

        /** chain, wide or dag (the default). */
        public Builder shape(Shape shape) {
            this.shape = Objects.requireNonNull(shape, "shape");
            return this;
        }

        /** How many modules, {@code top} not counted (default 1000). */
        public Builder modules(int count) {
            this.modules = count;
            return this;
        }

        /** Classes per module, at least 2: Init, Symbols, and fillers (default 5). */
        public Builder classesPerModule(int classes) {
            this.classesPerModule = classes;
            return this;
        }

        /** Iterations of the init's busy loop (default 0: none). */
        public Builder initCostIterations(int iterations) {
            this.initCostIterations = iterations;
            return this;
        }

        /** DAG only: the mean number of modules each module imports from (default 3). */
        public Builder imports(int mean) {
            this.imports = mean;
            return this;
        }

        /** The fraction of modules whose init requests a later module (default 0). */
        public Builder requestFraction(double fraction) {
            this.requestFraction = fraction;
            return this;
        }

        /**
         * Requests are request_module (waiting for modprobe to exit) instead of
         * request_module_nowait, where that cannot hang (see the class comment).
         */
        public Builder requestWait(boolean wait) {
            this.requestWait = wait;
            return this;
        }

        /** WIDE only: N modules importing nothing, instead of a base and leaves. */
        public Builder independent(boolean independent) {
            this.independent = independent;
            return this;
        }

        /** Adds module {@code top}, importing every module nothing else imports. */
        public Builder top(boolean top) {
            this.top = top;
            return this;
        }

        /** The seed of the DAG, the symbols picked and the requests (default 1). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** @throws IllegalArgumentException for a description that makes no set */
        public Generator build() {
            if (modules < 1) {
                throw new IllegalArgumentException("module count must be at least 1: " + modules);
            }
            if (modules > 1_000_000) {
                throw new IllegalArgumentException("module count must be at most 1000000: " + modules);
            }
            if (classesPerModule < 2) {
                throw new IllegalArgumentException(
                        "classes per module must be at least 2 (Init and Symbols): " + classesPerModule);
            }
            if (classesPerModule > 1000) {
                throw new IllegalArgumentException("classes per module must be at most 1000: " + classesPerModule);
            }
            if (initCostIterations < 0) {
                throw new IllegalArgumentException("init cost must not be negative: " + initCostIterations);
            }
            if (imports < 1 || imports > 1000) {
                throw new IllegalArgumentException("imports must be between 1 and 1000: " + imports);
            }
            if (!(requestFraction >= 0 && requestFraction <= 1)) {
                throw new IllegalArgumentException("request fraction must be between 0 and 1: " + requestFraction);
            }
            if (independent && shape != Shape.WIDE) {
                throw new IllegalArgumentException("independent modules are a wide set's option, not " + shape + "'s");
            }
            return new Generator(this);
        }
    }
}
