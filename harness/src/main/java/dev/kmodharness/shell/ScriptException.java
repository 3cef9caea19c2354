package dev.kmodharness.shell;

/**
 * A malformed script: the first line that cannot run, with its number (1-based). The message
 * reads {@code script line N: what is wrong}.
 */
public final class ScriptException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int lineNumber;

    ScriptException(int lineNumber, String problem) {
        super("script line " + lineNumber + ": " + problem);
        this.lineNumber = lineNumber;
    }

    /** The offending line's number, counting from 1. */
    public int lineNumber() {
        return lineNumber;
    }
}
