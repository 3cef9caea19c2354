package dev.kmodharness.junit;

import dev.kmodharness.Kernel;
import org.opentest4j.AssertionFailedError;

/** Assertions on a kernel call's return: 0 or a negative errno. */
public final class ErrnoAssert {

    private final Kernel kernel;
    private final int ret;

    ErrnoAssert(Kernel kernel, int ret) {
        this.kernel = kernel;
        this.ret = ret;
    }

    /** It returned 0. */
    public ErrnoAssert isZero() {
        return isErrno(0);
    }

    /** It returned {@code errno}, written as the kernel returns it: {@code -EBUSY}, i.e. -16. */
    public ErrnoAssert isErrno(int errno) {
        if (ret != errno) {
            throw new AssertionFailedError("expected " + KernelAssert.errno(errno) + ", but it returned "
                    + KernelAssert.errno(ret) + KernelAssert.dmesgTail(kernel), errno, ret);
        }
        return this;
    }
}
