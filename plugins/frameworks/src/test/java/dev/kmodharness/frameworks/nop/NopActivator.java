package dev.kmodharness.frameworks.nop;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** A bundle that starts and stops doing nothing: the benchmark's thousand bundles. */
public final class NopActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
    }

    @Override
    public void stop(BundleContext context) {
    }
}
