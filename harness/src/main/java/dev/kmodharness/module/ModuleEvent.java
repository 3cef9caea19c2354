package dev.kmodharness.module;

/**
 * One call of the module notifier chain (register_module_notifier): a module reached
 * {@code state} at kernel time {@code kernelNanos}. {@code loader} is its class loader: hold it
 * weakly, or the module can never be collected after it goes.
 */
public record ModuleEvent(String module, ModuleState state, long kernelNanos, ClassLoader loader) {
}
