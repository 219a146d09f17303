"""What the tests' loopback servers share (git_http_server.py, sparse_registry.py)."""
import http.server
import os


def serve(handler, port_file, port=0):
    """Serves `handler` on 127.0.0.1:`port` (a free port for 0), writing the bound port to
    `port_file` once it listens: through a rename, so the test never reads half a number."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    temp = port_file + ".tmp"
    with open(temp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(temp, port_file)
    server.serve_forever()
