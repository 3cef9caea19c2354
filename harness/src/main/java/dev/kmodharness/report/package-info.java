/**
 * Reports over a boot's init records ({@link dev.kmodharness.Kernel#timings()}), each a pure
 * function of a {@code List<InitRecord>}:
 * <ul>
 *   <li>{@link dev.kmodharness.report.Blame}: {@code systemd-analyze blame}, init times longest first;</li>
 *   <li>{@link dev.kmodharness.report.CriticalChain}: {@code systemd-analyze critical-chain}, the loads,
 *     requests and waits that set the total time (the rule is in its class comment);</li>
 *   <li>{@link dev.kmodharness.report.Initcalls}: initcall_debug's {@code calling} / {@code initcall}
 *     lines;</li>
 *   <li>{@link dev.kmodharness.report.ChromeTrace}: Chrome Trace Event JSON for Perfetto and
 *     chrome://tracing;</li>
 *   <li>{@link dev.kmodharness.report.SvgPlot}: an SVG timeline, as bootgraph.pl and
 *     {@code systemd-analyze plot} draw one.</li>
 * </ul>
 * Times are kernel time (dmesg's clock) unless a report says otherwise; under the default
 * virtual clock they are exact, and real time (System.nanoTime) is shown beside them for the
 * CPU work that costs no kernel time.
 */
package dev.kmodharness.report;
