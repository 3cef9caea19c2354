package dev.kmodharness.symbols;

/** One entry of a module's export table: EXPORT_SYMBOL, or EXPORT_SYMBOL_GPL when {@code gpl}. */
public record ExportedSymbol(String name, boolean gpl, MemberRef method) {
}
