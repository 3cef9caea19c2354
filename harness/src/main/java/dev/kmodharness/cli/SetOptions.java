package dev.kmodharness.cli;

import dev.kmodharness.generate.Generator;
import picocli.CommandLine.Option;

/** The description of a generated module set, shared by {@code generate} and {@code bench}. */
final class SetOptions {

    @Option(names = "--shape", paramLabel = "chain|wide|dag", description = "The set's shape.")
    String shape;

    @Option(names = "--modules", paramLabel = "N", description = "How many modules.")
    Integer modules;

    @Option(names = "--classes", paramLabel = "C",
            description = "Classes per module: Init, Symbols and C-2 fillers the init loads (default 5).")
    int classes = 5;

    @Option(names = "--init-cost", paramLabel = "K",
            description = "Iterations of a busy loop (an int LCG) in each init (default 0; bench modprobe: 20000,"
                    + " about 0.3 ms of CPU).")
    Integer initCost;

    @Option(names = "--imports", paramLabel = "I",
            description = "dag only: mean modules each module imports from, all lower-numbered (default 3).")
    Integer imports;

    @Option(names = "--requests", paramLabel = "F",
            description = "Fraction of modules whose init requests a later module, request_module_nowait (default 0).")
    double requests;

    @Option(names = "--request-wait",
            description = "Those requests are request_module (waiting), where that cannot hang; else nowait.")
    boolean requestWait;

    @Option(names = "--independent", description = "wide only: N modules importing nothing, instead of a base and leaves.")
    boolean independent;

    @Option(names = "--top", description = "Add module top, importing every module nothing imports: modprobe top loads the set.")
    boolean top;

    @Option(names = "--seed", paramLabel = "S", description = "The seed (default 1).")
    long seed = 1;

    /** The generator these options describe, with the command's defaults for shape and count. */
    Generator generator(String defaultShape, int defaultModules) {
        return generator(defaultShape, defaultModules, 0);
    }

    /** The same, with the command's default init cost too. */
    Generator generator(String defaultShape, int defaultModules, int defaultInitCost) {
        Generator.Shape parsed = Generator.Shape.parse(shape != null ? shape : defaultShape);
        if (imports != null && parsed != Generator.Shape.DAG) {
            throw new IllegalArgumentException("--imports is for --shape dag only");
        }
        if (independent && parsed != Generator.Shape.WIDE) {
            throw new IllegalArgumentException("--independent is for --shape wide only");
        }
        if (requestWait && requests == 0) {
            throw new IllegalArgumentException("--request-wait needs --requests F with F > 0");
        }
        return Generator.builder().shape(parsed).modules(modules != null ? modules : defaultModules)
                .classesPerModule(classes).initCostIterations(initCost != null ? initCost : defaultInitCost)
                .imports(imports != null ? imports : 3)
                .requestFraction(requests).requestWait(requestWait).independent(independent).top(top).seed(seed)
                .build();
    }
}
