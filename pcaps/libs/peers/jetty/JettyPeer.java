// A Jetty 9.4 WebSocket server (Debian libjetty9-java, libjetty9-extra-java),
// the native API as Jetty's documentation shows it: an @WebSocket echo
// endpoint behind a WebSocketHandler.  Built and run by ../../scenarios.py.
//
// usage: java -cp CLASSPATH JettyPeer PORT READY_FILE [idle=SECONDS] [maxsize=BYTES]
//   idle=S     the WebSocket policy's idle timeout (Jetty's default is 300 s)
//   maxsize=N  the policy's largest text message
// A text message "boom" makes the handler throw a RuntimeException.  SIGTERM
// stops the server through Jetty's shutdown hook (setStopAtShutdown).  Exits by
// itself after 30 s.
import java.nio.file.Files;
import java.nio.file.Paths;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.annotations.OnWebSocketMessage;
import org.eclipse.jetty.websocket.api.annotations.WebSocket;
import org.eclipse.jetty.websocket.server.WebSocketHandler;
import org.eclipse.jetty.websocket.servlet.WebSocketServletFactory;

public class JettyPeer {
  @WebSocket
  public static class Echo {
    @OnWebSocketMessage
    public void onText(Session s, String msg) throws Exception {
      if (msg.equals("boom"))
        throw new RuntimeException("boom");
      s.getRemote().sendString(msg);
    }
  }

  public static void main(String[] a) throws Exception {
    int port = Integer.parseInt(a[0]);
    long idle = 0;
    int maxsize = 0;
    for (int i = 2; i < a.length; i++) {
      if (a[i].startsWith("idle="))
        idle = (long) (Double.parseDouble(a[i].substring(5)) * 1000);
      else if (a[i].startsWith("maxsize="))
        maxsize = Integer.parseInt(a[i].substring(8));
    }
    Server server = new Server();
    ServerConnector c = new ServerConnector(server);
    c.setHost("127.0.0.1");
    c.setPort(port);
    server.addConnector(c);
    final long fidle = idle;
    final int fmax = maxsize;
    server.setHandler(new WebSocketHandler() {
      @Override
      public void configure(WebSocketServletFactory f) {
        if (fidle > 0)
          f.getPolicy().setIdleTimeout(fidle);
        if (fmax > 0)
          f.getPolicy().setMaxTextMessageSize(fmax);
        f.register(Echo.class);
      }
    });
    server.setStopAtShutdown(true);
    server.start();
    Files.write(Paths.get(a[1]), new byte[0]);
    Thread t = new Thread(() -> {
      try { Thread.sleep(30000); } catch (InterruptedException e) { }
      System.exit(3);
    });
    t.setDaemon(true);
    t.start();
    server.join();
  }
}
