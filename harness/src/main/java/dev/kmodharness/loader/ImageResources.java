package dev.kmodharness.loader;

import dev.kmodharness.symbols.ModuleImage;
import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;

/**
 * A module's JAR entries as resources, served from the image in memory (the JAR was read
 * once, at depmod time): {@code getResource}, {@code getResources} and {@code ServiceLoader}
 * find them under URLs {@code kmod-image:/<module>/<entry>}, which only this handler opens.
 * Immutable.
 */
final class ImageResources extends URLStreamHandler {

    private final ModuleImage image;

    ImageResources(ModuleImage image) {
        this.image = image;
    }

    /** The URL of entry {@code name}, or null when the JAR has no such entry. */
    URL find(String name) {
        if (image.entry(name) == null) {
            return null;
        }
        try {
            return new URL("kmod-image", null, -1, "/" + image.name() + "/" + name, this);
        } catch (MalformedURLException e) {
            return null;
        }
    }

    @Override
    protected URLConnection openConnection(URL url) throws IOException {
        String prefix = "/" + image.name() + "/";
        String path = url.getPath();
        byte[] bytes = path.startsWith(prefix) ? image.entry(path.substring(prefix.length())) : null;
        if (bytes == null) {
            throw new FileNotFoundException(url.toString());
        }
        return new URLConnection(url) {
            @Override
            public void connect() {
                connected = true;
            }

            @Override
            public InputStream getInputStream() {
                return new ByteArrayInputStream(bytes);
            }

            @Override
            public long getContentLengthLong() {
                return bytes.length;
            }
        };
    }
}
