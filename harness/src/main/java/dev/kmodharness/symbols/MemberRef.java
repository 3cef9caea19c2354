package dev.kmodharness.symbols;

/** A static method as the bytecode names it: owner's internal name, method name, descriptor. */
public record MemberRef(String owner, String name, String descriptor) {

    /** The owner's package, dotted ("drivers.gpu.drm.i915"). */
    public String ownerPackage() {
        int slash = owner.lastIndexOf('/');
        return slash < 0 ? "" : owner.substring(0, slash).replace('/', '.');
    }

    @Override
    public String toString() {
        return owner.replace('/', '.') + "." + name + descriptor;
    }
}
