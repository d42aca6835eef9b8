import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/**
 * Creates, changes and removes the local cluster's SCRAM-SHA-512 users (local/stack/kafka-security.ts
 * runs it with Java's source launcher and the Kafka jars). kafkajs has no AlterUserScramCredentials.
 *
 * Usage: java -cp <kafka jars> ScramUsers.java <bootstrap servers>
 * Reads lines on stdin, so that passwords never appear in a process list:
 *   upsert <user> <password>
 *   delete <user>
 * Applies them in one request, then prints the users that have a SCRAM credential, one per line.
 */
public class ScramUsers {
  private static final int ITERATIONS = 8192;

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: ScramUsers <bootstrap servers>  (upsert/delete lines on stdin)");
      System.exit(2);
    }
    List<UserScramCredentialAlteration> alterations = new ArrayList<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    int lineNumber = 0;
    while ((line = in.readLine()) != null) {
      lineNumber++;
      String[] parts = line.trim().split(" ", 3);
      if (parts.length == 1 && parts[0].isEmpty()) continue;
      if (parts[0].equals("upsert") && parts.length == 3) {
        alterations.add(new UserScramCredentialUpsertion(
            parts[1], new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS), parts[2]));
      } else if (parts[0].equals("delete") && parts.length == 2) {
        alterations.add(new UserScramCredentialDeletion(parts[1], ScramMechanism.SCRAM_SHA_512));
      } else {
        System.err.println("stdin line " + lineNumber + ": expected 'upsert <user> <password>' or 'delete <user>'");
        System.exit(2);
      }
    }
    Properties config = new Properties();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
    try (Admin admin = Admin.create(config)) {
      if (!alterations.isEmpty()) admin.alterUserScramCredentials(alterations).all().get();
      for (String user : new TreeSet<>(admin.describeUserScramCredentials().users().get())) {
        System.out.println(user);
      }
    }
  }
}
