package dev.kmodharness.explore;

import java.util.ArrayList;
import java.util.List;

/**
 * A schedule as a replay token: the decisions (scheduling points with two or more runnable
 * tasks) where it did not take the default, which is to let the task that reached the point
 * go on, else the runnable task with the lowest pid. Each such decision is written as the
 * number of default decisions before it (omitted when none) and the pid chosen as a letter
 * ({@code a} = 1 ... {@code z} = 26, {@code A} = 27 ... {@code Z} = 52, {@code ~N~} above),
 * after an {@code S}: {@code S} is the default schedule, {@code S3c1d} takes pid 3 at the
 * fourth decision and pid 4 at the sixth. Tokens depend on the script and modules only.
 */
public final class Token {

    private Token() {
    }

    /** @param deviations pairs {decision index, pid}, in decision order */
    static String encode(List<int[]> deviations) {
        StringBuilder out = new StringBuilder("S");
        int last = -1;
        for (int[] d : deviations) {
            int gap = d[0] - last - 1;
            if (gap > 0) {
                out.append(gap);
            }
            int pid = d[1];
            if (pid >= 1 && pid <= 26) {
                out.append((char) ('a' + pid - 1));
            } else if (pid >= 27 && pid <= 52) {
                out.append((char) ('A' + pid - 27));
            } else {
                out.append('~').append(pid).append('~');
            }
            last = d[0];
        }
        return out.toString();
    }

    /**
     * @return pairs {decision index, pid}
     * @throws IllegalArgumentException when {@code token} is not one
     */
    static List<int[]> decode(String token) {
        if (token.isEmpty() || token.charAt(0) != 'S') {
            throw new IllegalArgumentException("not a replay token: '" + token + "' (tokens start with S)");
        }
        List<int[]> out = new ArrayList<>();
        int at = 1;
        int index = 0;
        while (at < token.length()) {
            int gap = 0;
            int start = at;
            while (at < token.length() && Character.isDigit(token.charAt(at))) {
                gap = Math.addExact(Math.multiplyExact(gap, 10), token.charAt(at) - '0');
                at++;
            }
            if (at == token.length()) {
                throw new IllegalArgumentException("not a replay token: '" + token + "' (ends in a number at " + start + ")");
            }
            char c = token.charAt(at++);
            int pid;
            if (c >= 'a' && c <= 'z') {
                pid = c - 'a' + 1;
            } else if (c >= 'A' && c <= 'Z') {
                pid = c - 'A' + 27;
            } else if (c == '~') {
                int end = token.indexOf('~', at);
                if (end < 0) {
                    throw new IllegalArgumentException("not a replay token: '" + token + "' (unclosed ~)");
                }
                try {
                    pid = Integer.parseInt(token.substring(at, end));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("not a replay token: '" + token + "' (bad pid)");
                }
                at = end + 1;
            } else {
                throw new IllegalArgumentException("not a replay token: '" + token + "' (unexpected '" + c + "')");
            }
            index += gap;
            out.add(new int[] {index, pid});
            index++;
        }
        return out;
    }
}
