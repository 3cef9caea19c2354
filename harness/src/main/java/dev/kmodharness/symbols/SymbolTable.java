package dev.kmodharness.symbols;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel's export tables as one index: every symbol and exported package of the formed
 * modules (COMING, LIVE, GOING) and of the built-ins, by name and by the method the bytecode
 * calls. find_symbol, without walking the module list. Guarded by the kernel lock.
 *
 * @param <O> the owning module's type
 */
public final class SymbolTable<O> {

    /** A found symbol and its owner. */
    public record Entry<O>(ExportedSymbol symbol, O owner) {
    }

    private final Map<String, Entry<O>> byName = new HashMap<>();
    private final Map<MemberRef, Entry<O>> byMethod = new HashMap<>();
    private final Map<String, O> packages = new HashMap<>();

    /** The entry exporting {@code method}, or null. */
    public Entry<O> find(MemberRef method) {
        return byMethod.get(method);
    }

    /** The entry exporting a symbol named {@code name}, or null. */
    public Entry<O> find(String name) {
        return byName.get(name);
    }

    /** The module exporting package {@code pkg}, or null. */
    public O packageOwner(String pkg) {
        return packages.get(pkg);
    }

    /** Adds an owner's exports; the caller has checked for duplicates first. */
    public void add(O owner, List<ExportedSymbol> symbols, List<String> exportedPackages) {
        for (ExportedSymbol symbol : symbols) {
            Entry<O> entry = new Entry<>(symbol, owner);
            byName.put(symbol.name(), entry);
            byMethod.put(symbol.method(), entry);
        }
        for (String pkg : exportedPackages) {
            packages.put(pkg, owner);
        }
    }

    /** Removes what {@link #add} added for this owner. */
    public void remove(O owner, List<ExportedSymbol> symbols, List<String> exportedPackages) {
        for (ExportedSymbol symbol : symbols) {
            byName.remove(symbol.name(), new Entry<>(symbol, owner));
            byMethod.remove(symbol.method(), new Entry<>(symbol, owner));
        }
        for (String pkg : exportedPackages) {
            packages.remove(pkg, owner);
        }
    }
}
