package dev.kmodharness.symbols;

/** A static method as the bytecode names it: owner's internal name, method name, descriptor. */
public record MemberRef(String owner, String name, String descriptor) {

    @Override
    public String toString() {
        return owner.replace('/', '.') + "." + name + descriptor;
    }
}
