package dev.kmodharness.junit;

import dev.kmodharness.Kernel;
import dev.kmodharness.log.Dmesg;
import java.util.List;
import java.util.regex.Pattern;
import org.opentest4j.AssertionFailedError;

/**
 * Assertions on dmesg. A line is matched on its text, without the {@code [%5d.%06d]} stamp;
 * {@link KernelAssertions#at} and {@link KernelAssertions#within} bound its kernel time. Each
 * assertion reads the buffer afresh; a failure shows its last lines.
 */
public final class DmesgAssert {

    private final Kernel kernel;

    DmesgAssert(Kernel kernel) {
        this.kernel = kernel;
    }

    /** Some line reads exactly {@code text}. */
    public DmesgAssert containsLine(String text) {
        if (count(text, null) == 0) {
            throw failure("expected a dmesg line \"" + text + "\"", text);
        }
        return this;
    }

    /** Some line reads exactly {@code text} and is stamped in {@code when}. */
    public DmesgAssert containsLine(String text, KernelAssertions.KernelTime when) {
        if (count(text, when) == 0) {
            throw failure("expected a dmesg line \"" + text + "\" " + when
                    + (count(text, null) > 0 ? " (it is there, at another time)" : ""), text);
        }
        return this;
    }

    /** Exactly {@code times} lines read {@code text}. */
    public DmesgAssert containsLine(String text, int times) {
        int n = count(text, null);
        if (n != times) {
            throw failure("expected " + times + " dmesg lines \"" + text + "\", but there are " + n, text);
        }
        return this;
    }

    /** These lines appear in this order (others may come between them). */
    public DmesgAssert containsLinesInOrder(String... texts) {
        List<Dmesg.Record> records = kernel.dmesgRecords();
        int next = 0;
        for (Dmesg.Record record : records) {
            if (next < texts.length && record.text().equals(texts[next])) {
                next++;
            }
        }
        if (next < texts.length) {
            throw failure("expected dmesg lines in this order: " + List.of(texts) + "; found the first " + next
                    + ", then not \"" + texts[next] + "\"", String.join("\n", texts));
        }
        return this;
    }

    /** Some line's text matches {@code regex} in full. */
    public DmesgAssert containsLineMatching(String regex) {
        Pattern pattern = Pattern.compile(regex);
        if (kernel.dmesgRecords().stream().noneMatch(r -> pattern.matcher(r.text()).matches())) {
            throw failure("expected a dmesg line matching " + regex, regex);
        }
        return this;
    }

    /** No line reads {@code text}. */
    public DmesgAssert doesNotContainLine(String text) {
        int n = count(text, null);
        if (n > 0) {
            throw failure("expected no dmesg line \"" + text + "\", but there " + (n == 1 ? "is one" : "are " + n), text);
        }
        return this;
    }

    /** The buffer is empty. */
    public DmesgAssert isEmpty() {
        if (!kernel.dmesgRecords().isEmpty()) {
            throw failure("expected an empty dmesg", "");
        }
        return this;
    }

    private int count(String text, KernelAssertions.KernelTime when) {
        return (int) kernel.dmesgRecords().stream()
                .filter(r -> r.text().equals(text) && (when == null || when.contains(r.nanos())))
                .count();
    }

    private AssertionFailedError failure(String message, String expected) {
        return new AssertionFailedError(message + KernelAssert.dmesgTail(kernel), expected,
                String.join("\n", kernel.dmesgRecords().stream().map(Dmesg.Record::text).toList()));
    }
}
