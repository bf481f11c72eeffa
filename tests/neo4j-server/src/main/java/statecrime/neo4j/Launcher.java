package statecrime.neo4j;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.internal.helpers.HostnamePort;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

/**
 * Starts Neo4j Community in this JVM for statecrime's tests, the way a careful
 * administrator would run a production server, only smaller:
 *
 * <ul>
 *   <li>Bolt on 127.0.0.1 only, on a port the system picks (so two instances never clash);</li>
 *   <li>authentication on; the password of user {@code neo4j} comes from the environment
 *       variable {@code NEO4J_PASSWORD} or else the first line of standard input, never from
 *       the command line (which every local user can read in the process list);</li>
 *   <li>{@code LOAD CSV} from file URLs refused, the import folder an empty one;</li>
 *   <li>no usage reports (no network beyond loopback);</li>
 *   <li>everything in the home folder given as the only argument (a temporary folder).</li>
 * </ul>
 *
 * When Bolt accepts connections it writes the port to {@code HOME/bolt.port} (written to a
 * temporary name, then renamed, so a reader never sees half of it) and prints
 * {@code READY <port>}. SIGTERM or SIGINT shut the database down cleanly.
 */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: Launcher HOME_FOLDER  (password from NEO4J_PASSWORD or stdin)");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        String password = readPassword();
        if (password.length() < 8) {
            System.err.println("the password must have at least 8 characters (Neo4j's minimum)");
            System.exit(2);
        }
        Files.createDirectories(home);
        Path importDir = Files.createDirectories(home.resolve("import-empty"));
        Path conf = writeConfig(home, importDir);

        DatabaseManagementService service = new DatabaseManagementServiceBuilder(home)
                .loadPropertiesFromFile(conf)
                .build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.shutdown();
            stopped.countDown();
        }, "statecrime-neo4j-shutdown"));

        // The embedded API runs with full rights, so it can set the password of the
        // built-in user before any Bolt client can log in with the default one.
        service.database("system").executeTransactionally(
                "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                Map.of("password", password));

        GraphDatabaseAPI db = (GraphDatabaseAPI) service.database("neo4j");
        HostnamePort bolt = db.getDependencyResolver()
                .resolveDependency(ConnectorPortRegister.class)
                .getLocalAddress(ConnectorType.BOLT);
        Path portFile = home.resolve("bolt.port");
        Path partial = home.resolve("bolt.port.partial");
        Files.writeString(partial, Integer.toString(bolt.getPort()) + "\n", StandardCharsets.US_ASCII);
        Files.move(partial, portFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        System.out.println("READY " + bolt.getPort());
        System.out.flush();
        stopped.await();
    }

    private static String readPassword() throws IOException {
        String fromEnv = System.getenv("NEO4J_PASSWORD");
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return fromEnv;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line = in.readLine();
        return line == null ? "" : line.strip();
    }

    private static Path writeConfig(Path home, Path importDir) throws IOException {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("server.bolt.enabled", "true");
        settings.put("server.bolt.listen_address", "127.0.0.1:0");
        settings.put("server.bolt.advertised_address", "127.0.0.1:0");
        settings.put("server.bolt.tls_level", "DISABLED");
        settings.put("dbms.security.auth_enabled", "true");
        settings.put("dbms.security.allow_csv_import_from_file_urls", "false");
        settings.put("server.directories.import", importDir.toString());
        settings.put("dbms.usage_report.enabled", "false");
        // Small: the machine is shared with the embedded store's JVM and a browser.
        settings.put("server.memory.pagecache.size", env("STATECRIME_NEO4J_PAGECACHE", "256m"));
        settings.put("db.tx_log.rotation.retention_policy", "2 files");
        settings.put("db.tx_log.preallocate", "false");
        Path conf = home.resolve("neo4j.conf");
        try (Writer w = Files.newBufferedWriter(conf, StandardCharsets.UTF_8)) {
            for (Map.Entry<String, String> e : settings.entrySet()) {
                w.write(e.getKey() + "=" + e.getValue().replace("\\", "\\\\") + "\n");
            }
        }
        return conf;
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? fallback : v;
    }
}
