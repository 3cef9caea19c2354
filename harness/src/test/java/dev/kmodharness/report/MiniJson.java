package dev.kmodharness.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict recursive-descent JSON parser (RFC 8259), for the tests only: objects become
 * LinkedHashMaps, arrays Lists, numbers Doubles. Throws IllegalArgumentException, with the
 * offset, on anything that is not JSON (trailing commas, bad escapes, raw control characters,
 * duplicate keys, trailing text).
 */
final class MiniJson {

    private final String s;
    private int at;

    private MiniJson(String s) {
        this.s = s;
    }

    static Object parse(String text) {
        MiniJson p = new MiniJson(text);
        p.space();
        Object value = p.value();
        p.space();
        if (p.at != text.length()) {
            throw p.error("trailing text");
        }
        return value;
    }

    private Object value() {
        if (at >= s.length()) {
            throw error("unexpected end");
        }
        char c = s.charAt(at);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> number();
        };
    }

    private Map<String, Object> object() {
        Map<String, Object> map = new LinkedHashMap<>();
        at++;
        space();
        if (peek() == '}') {
            at++;
            return map;
        }
        while (true) {
            space();
            if (peek() != '"') {
                throw error("expected a key");
            }
            String key = string();
            space();
            expect(':');
            space();
            if (map.containsKey(key)) {
                throw error("duplicate key " + key);
            }
            map.put(key, value());
            space();
            if (peek() == ',') {
                at++;
                continue;
            }
            expect('}');
            return map;
        }
    }

    private List<Object> array() {
        List<Object> list = new ArrayList<>();
        at++;
        space();
        if (peek() == ']') {
            at++;
            return list;
        }
        while (true) {
            space();
            list.add(value());
            space();
            if (peek() == ',') {
                at++;
                continue;
            }
            expect(']');
            return list;
        }
    }

    private String string() {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (true) {
            if (at >= s.length()) {
                throw error("unterminated string");
            }
            char c = s.charAt(at++);
            if (c == '"') {
                return out.toString();
            }
            if (c < 0x20) {
                throw error("raw control character in string");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (at >= s.length()) {
                throw error("unterminated escape");
            }
            char e = s.charAt(at++);
            switch (e) {
                case '"', '\\', '/' -> out.append(e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    if (at + 4 > s.length()) {
                        throw error("short \\u escape");
                    }
                    out.append((char) Integer.parseInt(s.substring(at, at + 4), 16));
                    at += 4;
                }
                default -> throw error("bad escape \\" + e);
            }
        }
    }

    private Double number() {
        int start = at;
        if (peek() == '-') {
            at++;
        }
        if (peek() == '0') {
            at++;
        } else if (Character.isDigit(peek())) {
            while (Character.isDigit(peek())) {
                at++;
            }
        } else {
            throw error("unexpected character");
        }
        if (peek() == '.') {
            at++;
            if (!Character.isDigit(peek())) {
                throw error("digit expected after '.'");
            }
            while (Character.isDigit(peek())) {
                at++;
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            at++;
            if (peek() == '+' || peek() == '-') {
                at++;
            }
            if (!Character.isDigit(peek())) {
                throw error("digit expected in exponent");
            }
            while (Character.isDigit(peek())) {
                at++;
            }
        }
        return Double.valueOf(s.substring(start, at));
    }

    private Object literal(String word, Object value) {
        if (!s.startsWith(word, at)) {
            throw error("unexpected character");
        }
        at += word.length();
        return value;
    }

    private void space() {
        while (at < s.length() && " \t\r\n".indexOf(s.charAt(at)) >= 0) {
            at++;
        }
    }

    private char peek() {
        return at < s.length() ? s.charAt(at) : '\0';
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        at++;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at offset " + at);
    }
}
