package dev.phalanx.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's headless Chromium ({@code chromium-headless-shell}, which .ci/run installs), loading a
 * local page as a browser does, scripts and images included, and returning the page's DOM after
 * it has loaded.
 */
final class HeadlessBrowser {

    static final Path BINARY = Path.of("/usr/bin/chromium-headless-shell");

    private HeadlessBrowser() {}

    /**
     * Returns the DOM of {@code page} once loaded.
     *
     * @throws IllegalStateException when the browser is not installed, fails or takes over a minute
     */
    static String dom(Path page) throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is not installed: apt-get install chromium-headless-shell"
                    + " (.ci/run does)");
        }
        Path profile = Files.createTempDirectory("chromium-profile");
        Process browser = new ProcessBuilder(List.of(BINARY.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--allow-file-access-from-files", "--user-data-dir=" + profile,
                "--virtual-time-budget=10000", "--dump-dom", page.toUri().toString()))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String dom = new String(browser.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!browser.waitFor(60, TimeUnit.SECONDS) || browser.exitValue() != 0) {
                throw new IllegalStateException("chromium did not load " + page + " (exit "
                        + (browser.isAlive() ? "none: timed out" : browser.exitValue()) + ")");
            }
            return dom;
        } finally {
            browser.destroyForcibly();
        }
    }
}
