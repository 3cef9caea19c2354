package dev.kmodharness;

import dev.kmodharness.kmod.Modprobe;
import dev.kmodharness.module.ModuleInfo;
import dev.kmodharness.module.Modules;
import dev.kmodharness.symbols.ModuleImage;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** modprobe's view of one kernel: what is loaded or built in, and its insmod and rmmod. */
final class ModprobeTarget implements Modprobe.Target {

    private final Modules modules;

    ModprobeTarget(Modules modules) {
        this.modules = modules;
    }

    @Override
    public BitSet loadedAmong(List<String> names) {
        return modules.loadedAmong(names);
    }

    @Override
    public boolean isBuiltin(String name) {
        return modules.isBuiltin(name);
    }

    @Override
    public int insmod(ModuleImage image, Map<String, String> params) {
        return modules.loadModule(image, params);
    }

    @Override
    public Optional<ModuleInfo> info(String name) {
        return modules.info(name);
    }

    @Override
    public int rmmod(String name) {
        return modules.deleteModule(name);
    }
}
