package dev.kmodharness.module;

import dev.kmodharness.loader.ModuleClassLoader;
import dev.kmodharness.loader.ModuleLinkage;
import dev.kmodharness.lockdep.Resource;
import dev.kmodharness.symbols.ModuleImage;
import dev.kmodharness.timing.Timings;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import java.util.Deque;
import java.util.Map;

/**
 * struct module: one loaded (or loading) module. Its mutable fields are guarded by the kernel
 * lock ({@link dev.kmodharness.time.Scheduler}); state is also volatile so the class gate's and
 * Kmod's fast paths may read it without the lock.
 */
final class Module implements ModuleLinkage {

    final Modules modules;
    final ModuleImage image;
    final String name;
    final boolean builtin;
    final boolean gplCompatible;
    /** Parameters as given at load time, known ones only; immutable once init starts. */
    volatile Map<String, String> params = Map.of();
    /** Written under the kernel lock. */
    volatile ModuleState state = ModuleState.UNFORMED;
    /** Set once before init runs. */
    ModuleClassLoader loader;
    /** module_refcount(): references beyond the base. Guarded by the kernel lock. */
    int refcnt = 1;
    /** source_list: modules using this one, most recent first. Guarded by the kernel lock. */
    final Deque<Module> holders = new ArrayDeque<>();
    /** target_list: modules this one uses, most recent first. Guarded by the kernel lock. */
    final Deque<Module> uses = new ArrayDeque<>();
    /** TAINT_PROPRIETARY_MODULE in mod->taints: its license, or inherited. Guarded by the kernel lock. */
    boolean proprietaryTaint;
    /** using_gplonly_symbols: it linked an EXPORT_SYMBOL_GPL symbol. Guarded by the kernel lock. */
    boolean usingGplOnlySymbols;
    /** This load's timing record. Guarded by the kernel lock. */
    Timings.Recorder record;
    /** async_probe=1 given: init does not wait for async work. Set before init. */
    volatile boolean asyncProbeRequested;
    /** The thread loading this module: resolving while UNFORMED, running init while COMING. Guarded by the kernel lock. */
    Thread initThread;
    /** This module while UNFORMED or COMING, as the wait-for graph sees it: held by initThread. */
    final Resource loading = new Resource() {
        @Override
        public String describe() {
            return name + (state == ModuleState.UNFORMED ? " UNFORMED" : " COMING");
        }

        @Override
        public Collection<Thread> holders() {
            Thread thread = initThread;
            return thread == null || state == ModuleState.LIVE ? List.of() : List.of(thread);
        }
    };

    Module(Modules modules, ModuleImage image, boolean builtin) {
        this.modules = modules;
        this.image = image;
        this.name = image.name();
        this.builtin = builtin;
        this.gplCompatible = Licenses.isGplCompatible(image.license());
        this.proprietaryTaint = !gplCompatible;
    }

    ModuleInfo info() {
        return new ModuleInfo(name, image.size(), refcnt,
                holders.stream().map(m -> m.name).toList(), uses.stream().map(m -> m.name).toList(),
                state, builtin, image.initClass() != null && image.exitClass() == null, proprietaryTaint);
    }

    @Override
    public ModuleClassLoader exporterOf(String pkg, String className) {
        return modules.resolve.exporterOf(this, pkg, className);
    }

    @Override
    public int requestModule(String requested, boolean wait) {
        modules.code.checkAlive();
        return modules.request.requestModule(this, requested, wait);
    }

    @Override
    public void printk(String line) {
        modules.code.checkAlive();
        modules.k.dmesg.printk(line);
    }

    @Override
    public String param(String param) {
        return params.get(param);
    }

    @Override
    public String moduleName() {
        return name;
    }

    @Override
    public void msleep(long ms) {
        modules.code.checkAlive();
        modules.msleep(ms);
    }

    @Override
    public boolean tryModuleGet(String other) {
        modules.code.checkAlive();
        return modules.refcnt.tryModuleGet(other);
    }

    @Override
    public void modulePut(String other) {
        modules.code.checkAlive();
        modules.refcnt.modulePut(other);
    }

    @Override
    public void scheduleWork(Runnable work, boolean async) {
        modules.code.checkAlive();
        modules.async.scheduleWork(this, work, async);
    }

    @Override
    public boolean linkable(String className, String method, String descriptor) {
        return modules.resolve.linkable(this, new dev.kmodharness.symbols.MemberRef(className.replace('.', '/'),
                method, descriptor));
    }

    @Override
    public void panic(String call) {
        throw modules.code.panic(this, call);
    }

    @Override
    public String toString() {
        return name;
    }
}
