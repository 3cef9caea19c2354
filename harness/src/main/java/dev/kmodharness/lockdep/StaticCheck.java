package dev.kmodharness.lockdep;

import dev.kmodharness.kmod.Depmod;
import dev.kmodharness.release.Release;
import dev.kmodharness.symbols.ExportedSymbol;
import dev.kmodharness.symbols.MemberRef;
import dev.kmodharness.symbols.ModuleImage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.Handle;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * The cycles that will hang module init, found from bytecode alone, before anything loads.
 * Two kinds of edge: "M's init calls request_module(N)" (found in the code reachable from M's
 * static initializer, for constant names) and "N imports symbols of M" (depmod's). A cycle
 * hangs when each module whose symbols are needed is, at that moment, COMING: its init is
 * blocked in a synchronous request of the cycle. Each such import costs its symbols times the
 * symbol timeout. request_module_nowait never blocks init, so its edges close no cycle.
 */
public final class StaticCheck {

    private static final String KMOD = "dev/kmodharness/api/Kmod";

    /** A request_module call with a constant name, reachable from a module's init. */
    public record Request(String from, String module, boolean synchronous) {
    }

    /**
     * A synchronous request_module with a constant name in work that a module's init queues:
     * with async_schedule ({@code async}) or schedule_work.
     */
    public record WorkRequest(String from, String module, boolean async) {
    }

    /**
     * One hanging cycle.
     *
     * @param modules the modules around it, first repeated last: [i915, kvmgt, i915]
     * @param waits per importer, the COMING module it waits on and the symbols it waits for
     * @param costNanos symbols x timeout: how long the kernel takes to give up
     */
    public record Cycle(List<String> modules, List<Wait> waits, long costNanos) {

        /** "i915 -> kvmgt -> i915". */
        public String chain() {
            return String.join(" -> ", modules);
        }

        public int symbols() {
            return waits.stream().mapToInt(w -> w.symbols().size()).sum();
        }
    }

    /** An importer waiting on a COMING owner's symbols. */
    public record Wait(String importer, String owner, List<String> symbols) {
    }

    private StaticCheck() {
    }

    /** Every synchronous and nowait request_module with a constant name reachable from each init. */
    public static List<Request> requests(Depmod index) {
        List<Request> requests = new ArrayList<>();
        for (String name : new java.util.TreeSet<>(index.names())) {
            requests.addAll(reach(index.find(name).orElseThrow()).requests);
        }
        return requests;
    }

    /** Every synchronous request_module in async_schedule and schedule_work work queued by an init. */
    public static List<WorkRequest> workRequests(Depmod index) {
        List<WorkRequest> requests = new ArrayList<>();
        for (String name : new java.util.TreeSet<>(index.names())) {
            requests.addAll(reach(index.find(name).orElseThrow()).workRequests);
        }
        return requests;
    }

    /**
     * The cycles through async work that hang for good on {@code release}: M's init queues
     * async work that requests N and waits for modprobe N, while an init that modprobe N runs
     * (N's or a dependency's) waits in do_init_module's async_synchronize_full for all async
     * work, M's included. On 6.12 every init does (67d6212afda2); on 5.15 only one that itself
     * queued async work (PF_USED_ASYNC). Work from schedule_work is waited for by no init, so it
     * closes no cycle. Each is "M (async work) -> request_module(N) -> X init
     * (async_synchronize_full) -> M (async work)". No timeout: they hang for good. Bytecode
     * cannot tell whether a module will be loaded with async_probe=1: the check assumes not.
     */
    public static List<String> asyncCycles(Depmod index, Release release) {
        List<String> cycles = new ArrayList<>();
        for (WorkRequest request : workRequests(index)) {
            String target = request.module().replace('-', '_');
            if (!request.async() || index.find(target).isEmpty()) {
                continue;
            }
            for (ModuleImage loaded : index.loadOrder(target)) {
                // the requester is loading already: it is not what modprobe N inits
                if (loaded.name().equals(request.from())
                        || (release.syncAsyncOnlyIfInitQueuedAsync() && !reach(loaded).queuesAsync)) {
                    continue;
                }
                cycles.add(request.from() + " (async work) -> request_module(" + target + ") -> " + loaded.name()
                        + " init (async_synchronize_full) -> " + request.from() + " (async work)");
                break;
            }
        }
        return cycles;
    }

    /** The hanging cycles of a modules directory. */
    public static List<Cycle> cycles(Depmod index, long symbolTimeoutNanos) {
        Map<MemberRef, Map.Entry<String, ExportedSymbol>> exporters = new HashMap<>();
        for (String name : index.names()) {
            for (ExportedSymbol symbol : index.find(name).orElseThrow().exports()) {
                exporters.putIfAbsent(symbol.method(), Map.entry(name, symbol));
            }
        }
        // imports.get(N).get(M): the symbols N needs from M, in import order
        Map<String, Map<String, List<String>>> imports = new HashMap<>();
        for (String name : index.names()) {
            Map<String, List<String>> byOwner = new LinkedHashMap<>();
            for (MemberRef ref : index.find(name).orElseThrow().imports()) {
                var exporter = exporters.get(ref);
                if (exporter != null && !exporter.getKey().equals(name)) {
                    byOwner.computeIfAbsent(exporter.getKey(), k -> new ArrayList<>()).add(exporter.getValue().name());
                }
            }
            imports.put(name, byOwner);
        }
        Map<String, Set<String>> syncRequests = new HashMap<>();
        for (Request request : requests(index)) {
            String target = request.module().replace('-', '_');
            if (request.synchronous() && index.find(target).isPresent()) {
                syncRequests.computeIfAbsent(request.from(), k -> new LinkedHashSet<>()).add(target);
            }
        }
        List<Cycle> cycles = new ArrayList<>();
        Set<Set<String>> seen = new HashSet<>();
        for (var entry : new java.util.TreeMap<>(syncRequests).entrySet()) {
            for (String requested : entry.getValue()) {
                List<String> back = pathBack(requested, entry.getKey(), syncRequests, imports, index);
                if (back == null) {
                    continue;
                }
                List<String> modules = new ArrayList<>();
                modules.add(entry.getKey());
                modules.addAll(back);
                Cycle cycle = cycle(modules, syncRequests, imports, symbolTimeoutNanos);
                if (cycle != null && seen.add(new HashSet<>(modules))) {
                    cycles.add(cycle);
                }
            }
        }
        return cycles;
    }

    /**
     * The shortest path from {@code from} back to {@code to} over request and import edges,
     * ending in {@code to}; null when there is none.
     */
    private static List<String> pathBack(String from, String to, Map<String, Set<String>> requests,
            Map<String, Map<String, List<String>>> imports, Depmod index) {
        Map<String, String> parent = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>(List.of(from));
        parent.put(from, null);
        while (!queue.isEmpty()) {
            String node = queue.poll();
            Set<String> next = new LinkedHashSet<>(requests.getOrDefault(node, Set.of()));
            next.addAll(imports.getOrDefault(node, Map.of()).keySet());
            for (String succ : next) {
                if (succ.equals(to)) {
                    List<String> path = new ArrayList<>(List.of(to));
                    for (String n = node; n != null; n = parent.get(n)) {
                        path.add(0, n);
                    }
                    return path;
                }
                if (!parent.containsKey(succ)) {
                    parent.put(succ, node);
                    queue.add(succ);
                }
            }
        }
        return null;
    }

    /** The cycle's cost, or null when it does not hang (an import of a module not COMING). */
    private static Cycle cycle(List<String> modules, Map<String, Set<String>> requests,
            Map<String, Map<String, List<String>>> imports, long timeoutNanos) {
        List<Wait> waits = new ArrayList<>();
        for (int i = 0; i + 1 < modules.size(); i++) {
            String a = modules.get(i);
            String b = modules.get(i + 1);
            if (requests.getOrDefault(a, Set.of()).contains(b)) {
                continue;
            }
            // a imports b: it waits only if b is COMING, i.e. b's init is blocked requesting the next.
            int edges = modules.size() - 1;
            String afterB = modules.get((i + 1) % edges + 1);
            if (!requests.getOrDefault(b, Set.of()).contains(afterB)) {
                return null;
            }
            waits.add(new Wait(a, b, imports.get(a).get(b)));
        }
        long symbols = waits.stream().mapToLong(w -> w.symbols().size()).sum();
        return waits.isEmpty() ? null : new Cycle(List.copyOf(modules), List.copyOf(waits), symbols * timeoutNanos);
    }

    /** What an init reaches: its requests, the work it queues, and that work's requests. */
    private static final class Reach {
        final List<Request> requests = new ArrayList<>();
        final List<WorkRequest> workRequests = new ArrayList<>();
        boolean queuesAsync;
    }

    /** The request_module calls reachable from {@code image}'s init, in code order. */
    static List<Request> requestsFromInit(ModuleImage image) {
        return reach(image).requests;
    }

    /** Walks the code reachable from {@code image}'s init, then from each work item it queues. */
    private static Reach reach(ModuleImage image) {
        Reach reach = new Reach();
        if (image.initClass() == null) {
            return reach;
        }
        Map<String, MethodFacts> methods = new HashMap<>();
        for (String className : image.classNames()) {
            new ClassReader(image.classBytes(className)).accept(new ClassVisitor(Opcodes.ASM9) {
                @Override
                public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                        String[] exceptions) {
                    MethodFacts facts = new MethodFacts();
                    methods.put(key(className.replace('.', '/'), name, descriptor), facts);
                    return facts.visitor(image);
                }
            }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        }
        List<Map.Entry<String, Boolean>> queued = new ArrayList<>();
        for (MethodFacts facts : walk(methods, key(image.initClass().replace('.', '/'), "<clinit>", "()V"))) {
            facts.requests.forEach(r -> reach.requests.add(new Request(image.name(), r.getKey(), r.getValue())));
            queued.addAll(facts.work);
        }
        for (Map.Entry<String, Boolean> item : queued) {
            reach.queuesAsync |= item.getValue();
            for (MethodFacts facts : walk(methods, item.getKey())) {
                facts.requests.stream().filter(Map.Entry::getValue)
                        .forEach(r -> reach.workRequests.add(new WorkRequest(image.name(), r.getKey(), item.getValue())));
            }
        }
        return reach;
    }

    /** The module's methods reachable from {@code start}, in visiting order. */
    private static List<MethodFacts> walk(Map<String, MethodFacts> methods, String start) {
        List<MethodFacts> found = new ArrayList<>();
        Set<String> visited = new HashSet<>();
        Deque<String> work = new ArrayDeque<>(List.of(start));
        while (!work.isEmpty()) {
            String method = work.poll();
            if (!visited.add(method) || !methods.containsKey(method)) {
                continue;
            }
            MethodFacts facts = methods.get(method);
            found.add(facts);
            work.addAll(facts.calls);
        }
        return found;
    }

    private static String key(String owner, String name, String descriptor) {
        return owner + "." + name + descriptor;
    }

    /**
     * What one method calls within its module, the constant-named requests it makes, and the
     * lambdas of its own module it hands to Kmod.asyncSchedule (true) or Kmod.scheduleWork.
     */
    private static final class MethodFacts {
        final List<String> calls = new ArrayList<>();
        final List<Map.Entry<String, Boolean>> requests = new ArrayList<>();
        final List<Map.Entry<String, Boolean>> work = new ArrayList<>();

        MethodVisitor visitor(ModuleImage image) {
            return new MethodVisitor(Opcodes.ASM9) {
                /** The string an ldc just pushed, while nothing else has happened since. */
                String constant;
                /** The module method a lambda just made wraps, while nothing else has happened since. */
                String lambda;

                @Override
                public void visitLdcInsn(Object value) {
                    constant = value instanceof String s ? s : null;
                    lambda = null;
                }

                @Override
                public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrap, Object... args) {
                    constant = null;
                    lambda = args.length > 1 && args[1] instanceof Handle h && image.classBytes(h.getOwner().replace('/', '.')) != null
                            ? key(h.getOwner(), h.getName(), h.getDesc()) : null;
                }

                @Override
                public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean itf) {
                    if (owner.equals(KMOD) && descriptor.equals("(Ljava/lang/String;)I") && constant != null
                            && (name.equals("requestModule") || name.equals("requestModuleNowait"))) {
                        requests.add(Map.entry(constant, name.equals("requestModule")));
                    } else if (owner.equals(KMOD) && lambda != null
                            && (name.equals("asyncSchedule") || name.equals("scheduleWork"))) {
                        work.add(Map.entry(lambda, name.equals("asyncSchedule")));
                    } else if (image.classBytes(owner.replace('/', '.')) != null) {
                        calls.add(key(owner, name, descriptor));
                        calls.add(key(owner, "<clinit>", "()V"));
                    }
                    constant = null;
                    lambda = null;
                }

                @Override
                public void visitInsn(int opcode) {
                    constant = null;
                    lambda = null;
                }

                @Override
                public void visitVarInsn(int opcode, int var) {
                    constant = null;
                    lambda = null;
                }

                @Override
                public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
                    constant = null;
                    lambda = null;
                    if (image.classBytes(owner.replace('/', '.')) != null) {
                        calls.add(key(owner, "<clinit>", "()V"));
                    }
                }

                @Override
                public void visitTypeInsn(int opcode, String type) {
                    constant = null;
                    lambda = null;
                    if (image.classBytes(type.replace('/', '.')) != null) {
                        calls.add(key(type, "<clinit>", "()V"));
                    }
                }
            };
        }
    }
}
