package dev.kmodharness.time;

import java.nio.file.Files;
import org.junit.jupiter.api.RepeatedTest;

class TmpLoopTest {
    @RepeatedTest(20)
    void loop() throws Exception {
        for (ClockMode clock : ClockMode.values()) {
            LockupDetectorTest t = new LockupDetectorTest();
            t.dir = Files.createTempDirectory("a");
            t.spinningInitIsASoftLockup(clock);
            t.dir = Files.createTempDirectory("b");
            t.initBlockedOutsideTheHarnessIsAHungTask(clock);
            t.dir = Files.createTempDirectory("c");
            t.initsThatWaitInTheHarnessAreNeverReported(clock);
        }
    }
}
