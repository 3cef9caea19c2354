package dev.kmodharness;

import java.util.LinkedHashMap;
import java.util.Map;

/** Module parameters as modprobe and insmod take them on their command line: {@code name=value} or {@code name}. */
final class ModuleParams {

    private ModuleParams() {
    }

    /**
     * Each {@code name=value} (a bare {@code name} is given the empty value), in order.
     *
     * @throws IllegalArgumentException for a parameter with no name ({@code =value})
     */
    static Map<String, String> parse(String... params) {
        Map<String, String> parsed = new LinkedHashMap<>();
        for (String param : params) {
            int eq = param.indexOf('=');
            if (eq == 0) {
                throw new IllegalArgumentException("bad parameter '" + param + "'");
            }
            parsed.put(eq < 0 ? param : param.substring(0, eq), eq < 0 ? "" : param.substring(eq + 1));
        }
        return parsed;
    }
}
