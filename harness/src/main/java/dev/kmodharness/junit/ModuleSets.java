package dev.kmodharness.junit;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * Where a {@link KernelTest}'s modules come from: a {@link ModulesFrom} directory, or the
 * test's {@link ModuleSet} members written with {@link PluginBuilder} into a directory of the
 * test's own.
 */
final class ModuleSets {

    private static final Pattern PROPERTY = Pattern.compile("\\$\\{([^}]+)}");

    /**
     * A modules directory for one test.
     *
     * @param dir the directory the kernel boots on
     * @param owned whether the extension made it (then it deletes it after the test)
     */
    record Source(Path dir, boolean owned) {

        /** Deletes the directory and what is in it, when the extension made it. */
        void delete() throws IOException {
            if (!owned || !Files.exists(dir)) {
                return;
            }
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private ModuleSets() {
    }

    static Source resolve(ExtensionContext context) throws IOException {
        Optional<ModulesFrom> from = AnnotationSupport.findAnnotation(context.getTestMethod(), ModulesFrom.class);
        for (Class<?> c = context.getRequiredTestClass(); from.isEmpty() && c != null; c = c.getEnclosingClass()) {
            from = AnnotationSupport.findAnnotation(c, ModulesFrom.class);
        }
        if (from.isPresent()) {
            Path dir = Path.of(expand(from.get().value(), context));
            if (!Files.isDirectory(dir)) {
                throw new ExtensionConfigurationException("@ModulesFrom(\"" + from.get().value() + "\"): "
                        + dir.toAbsolutePath() + " is not a directory");
            }
            return new Source(dir, false);
        }
        List<PluginBuilder> plugins = described(context);
        if (plugins.isEmpty()) {
            throw new ExtensionConfigurationException("no module set for " + context.getRequiredTestClass().getName()
                    + ": describe one with a @ModuleSet method or field, or name a directory with @ModulesFrom");
        }
        Source source = new Source(Files.createTempDirectory("kmod-harness-"), true);
        try {
            for (PluginBuilder plugin : plugins) {
                plugin.writeTo(source.dir());
            }
        } catch (RuntimeException e) {
            source.delete();
            throw e;
        }
        return source;
    }

    /**
     * {@code ${name}} replaced by the JUnit configuration parameter {@code name} (as
     * junit-platform.properties sets), else the system property; an unset one is a
     * configuration error.
     */
    static String expand(String path, ExtensionContext context) {
        Matcher m = PROPERTY.matcher(path);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = context.getConfigurationParameter(m.group(1)).orElse(System.getProperty(m.group(1)));
            if (value == null) {
                throw new ExtensionConfigurationException("@ModulesFrom(\"" + path + "\"): system property "
                        + m.group(1) + " is not set");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        return m.appendTail(out).toString();
    }

    /** The plugins of the innermost test class that declares @ModuleSet members. */
    private static List<PluginBuilder> described(ExtensionContext context) {
        // none for an @ExploreSchedules template, whose set is written before any instance exists
        List<Object> instances = context.getTestInstances().map(i -> i.getAllInstances()).orElse(List.of());
        for (Class<?> c = context.getRequiredTestClass(); c != null; c = c.getEnclosingClass()) {
            List<Member> members = new ArrayList<>();
            members.addAll(ReflectionSupport.findMethods(c, m -> m.isAnnotationPresent(ModuleSet.class),
                    HierarchyTraversalMode.TOP_DOWN));
            members.addAll(AnnotationSupport.findAnnotatedFields(c, ModuleSet.class));
            if (!members.isEmpty()) {
                Class<?> owner = c;
                Object instance = instances.stream().filter(owner::isInstance).reduce((a, b) -> b).orElse(null);
                List<PluginBuilder> plugins = new ArrayList<>();
                for (Member member : members) {
                    boolean isStatic = Modifier.isStatic(member.getModifiers());
                    if (!isStatic && instance == null) {
                        throw new ExtensionConfigurationException("@ModuleSet " + describe(member)
                                + " must be static here: @ExploreSchedules writes the set before any test instance exists");
                    }
                    plugins.addAll(plugins(member, isStatic ? null : instance));
                }
                return plugins;
            }
        }
        return List.of();
    }

    private static List<PluginBuilder> plugins(Member member, Object instance) {
        Object value;
        if (member instanceof Method method) {
            if (method.getParameterCount() != 0) {
                throw new ExtensionConfigurationException("@ModuleSet method " + method + " must take no parameters");
            }
            value = ReflectionSupport.invokeMethod(method, instance);
        } else {
            Field field = (Field) member;
            try {
                value = ReflectionSupport.tryToReadFieldValue(field, instance).get();
            } catch (Exception e) {
                throw new ExtensionConfigurationException("cannot read @ModuleSet field " + field, e);
            }
        }
        List<PluginBuilder> plugins = new ArrayList<>();
        if (value instanceof PluginBuilder p) {
            plugins.add(p);
        } else if (value instanceof PluginBuilder[] array) {
            plugins.addAll(List.of(array));
        } else if (value instanceof Collection<?> collection && collection.stream().allMatch(PluginBuilder.class::isInstance)) {
            collection.forEach(p -> plugins.add((PluginBuilder) p));
        } else {
            throw new ExtensionConfigurationException("@ModuleSet " + describe(member)
                    + " must give a PluginBuilder, a PluginBuilder[] or a Collection<PluginBuilder>, not " + value);
        }
        return plugins;
    }

    private static String describe(Member member) {
        return (member instanceof Method ? "method " : "field ")
                + member.getDeclaringClass().getSimpleName() + "." + member.getName();
    }
}
